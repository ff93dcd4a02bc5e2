import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_POLL_INTERVAL_MINUTES,
  SHIPBOB_TOGGLES,
  TOGGLES,
  checkSettings,
  defaultSettings,
  mergeSettings,
  settingsWithDefaults,
  withoutShipBob,
  type Settings,
} from './store.js';

const linked = { shipbobConfigured: true, returnsApproved: true };
const violations = (patch: Parameters<typeof mergeSettings>[1], context = linked) =>
  checkSettings(mergeSettings(defaultSettings(), patch), context);
const rules = (patch: Parameters<typeof mergeSettings>[1], context = linked) =>
  violations(patch, context).map((v) => `${v.field}:${v.rule}`);

const allOn = Object.fromEntries(TOGGLES.map((name) => [name, true])) as Settings['toggles'];
const busy: Settings = {
  reportEmail: 'ops@example.com',
  reportWhenEmpty: true,
  toggles: allOn,
  inventoryBuffer: 3,
  returnFulfillmentCenterId: '7',
  pollIntervalMinutes: 5,
  shippingMethods: { STD: 'Standard', 'EXP-2D': '2-Day' },
  defaultShippingMethod: 'Ground',
  cancelShipBobOnMarketplaceCancel: true,
};

describe('defaults', () => {
  it('start with every sync off, no e-mail, no return center, buffer 0, 15-minute polls, every order on Standard', () => {
    expect(defaultSettings()).toEqual({
      reportEmail: null,
      reportWhenEmpty: false,
      toggles: {
        offers: false,
        inventory: false,
        orders: false,
        tracking: false,
        cancellations: false,
        returns: false,
      },
      inventoryBuffer: 0,
      returnFulfillmentCenterId: null,
      pollIntervalMinutes: 15,
      shippingMethods: {},
      defaultShippingMethod: 'Standard',
      cancelShipBobOnMarketplaceCancel: false,
    });
    expect(DEFAULT_POLL_INTERVAL_MINUTES).toBe(15);
  });

  it('are a fresh object each time, so changing one store cannot change another', () => {
    const first = defaultSettings();
    first.toggles.orders = true;
    first.shippingMethods['STD'] = 'Overnight';
    expect(defaultSettings().toggles.orders).toBe(false);
    expect(defaultSettings().shippingMethods).toEqual({});
  });
});

describe('numeric settings', () => {
  it.each([1, 2, 15, 1440])('accepts a poll interval of %d minute(s)', (minutes) => {
    expect(rules({ pollIntervalMinutes: minutes })).toEqual([]);
  });

  it.each([0, -5, 1.5, Number.NaN])('refuses a poll interval of %d', (minutes) => {
    expect(violations({ pollIntervalMinutes: minutes })).toEqual([
      {
        field: 'pollIntervalMinutes',
        rule: 'minimum-one-minute',
        message: 'The poll interval is a whole number of minutes, at least 1',
      },
    ]);
  });

  it.each([0, 1, 250])('accepts an inventory buffer of %d', (buffer) => {
    expect(rules({ inventoryBuffer: buffer })).toEqual([]);
  });

  it.each([-1, 0.5, 2.25, Number.POSITIVE_INFINITY])(
    'refuses an inventory buffer of %d',
    (buffer) => {
      expect(violations({ inventoryBuffer: buffer })).toEqual([
        {
          field: 'inventoryBuffer',
          rule: 'non-negative-integer',
          message: 'The inventory buffer is a whole number of at least 0',
        },
      ]);
    },
  );
});

describe('ShipBob-dependent settings', () => {
  it('needs a verified PAT for every sync toggle, each named on its own', () => {
    expect(SHIPBOB_TOGGLES).toEqual(TOGGLES);
    const found = checkSettings(
      { ...defaultSettings(), toggles: allOn },
      { shipbobConfigured: false, returnsApproved: true },
    ).filter((v) => v.rule === 'shipbob-pat-required');
    expect(found).toEqual(
      TOGGLES.map((name) => ({
        field: `toggles.${name}`,
        rule: 'shipbob-pat-required',
        message: `Sync ${name} needs a verified ShipBob personal access token`,
      })),
    );
  });

  it('says why a return center is refused without a PAT', () => {
    expect(
      violations(
        { returnFulfillmentCenterId: '7' },
        { shipbobConfigured: false, returnsApproved: false },
      ),
    ).toEqual([
      {
        field: 'returnFulfillmentCenterId',
        rule: 'shipbob-pat-required',
        message: 'A return fulfillment center needs a verified ShipBob personal access token',
      },
    ]);
  });

  it('accepts every toggle and a return center once ShipBob is linked and returns approved', () => {
    expect(checkSettings(busy, linked)).toEqual([]);
  });

  it('says what Sync Returns is missing', () => {
    expect(
      violations(
        { toggles: { returns: true } },
        { shipbobConfigured: true, returnsApproved: false },
      ),
    ).toEqual([
      {
        field: 'toggles.returns',
        rule: 'returns-approval-required',
        message: 'Sync Returns can be enabled only after an administrator approved returns',
      },
      {
        field: 'toggles.returns',
        rule: 'return-fulfillment-center-required',
        message: 'Sync Returns needs a return fulfillment center',
      },
    ]);
  });

  it('allows a return center to be chosen before Sync Returns is switched on', () => {
    expect(
      rules({ returnFulfillmentCenterId: '7' }, { ...linked, returnsApproved: false }),
    ).toEqual([]);
  });
});

describe('canceling ShipBob orders on marketplace cancellations', () => {
  it('is off by default, and stored settings written before it exist read as off', () => {
    expect(defaultSettings().cancelShipBobOnMarketplaceCancel).toBe(false);
    const { cancelShipBobOnMarketplaceCancel: _left, ...older } = busy;
    expect(settingsWithDefaults(older).cancelShipBobOnMarketplaceCancel).toBe(false);
    expect(settingsWithDefaults(busy)).toEqual(busy);
  });

  it('needs a verified PAT, and may be switched on before Sync Cancelations', () => {
    expect(
      rules({ cancelShipBobOnMarketplaceCancel: true }, { ...linked, shipbobConfigured: false }),
    ).toEqual(['cancelShipBobOnMarketplaceCancel:shipbob-pat-required']);
    expect(rules({ cancelShipBobOnMarketplaceCancel: true })).toEqual([]);
  });

  it('is switched off with a patch of false, and kept by a patch that leaves it out', () => {
    expect(mergeSettings(busy, { cancelShipBobOnMarketplaceCancel: false })).toEqual({
      ...busy,
      cancelShipBobOnMarketplaceCancel: false,
    });
    expect(mergeSettings(busy, { toggles: { cancellations: false } })).toMatchObject({
      cancelShipBobOnMarketplaceCancel: true,
    });
  });
});

describe('merging a patch', () => {
  it('takes every field the patch sets', () => {
    expect(
      mergeSettings(defaultSettings(), {
        reportEmail: 'ops@example.com',
        reportWhenEmpty: true,
        toggles: allOn,
        inventoryBuffer: 3,
        returnFulfillmentCenterId: '7',
        pollIntervalMinutes: 5,
        shippingMethods: { STD: 'Standard', 'EXP-2D': '2-Day' },
        defaultShippingMethod: 'Ground',
        cancelShipBobOnMarketplaceCancel: true,
      }),
    ).toEqual(busy);
  });

  it('keeps every field the patch leaves out, or sets to undefined', () => {
    expect(mergeSettings(busy, {})).toEqual(busy);
    expect(
      mergeSettings(busy, {
        reportEmail: undefined,
        reportWhenEmpty: undefined,
        toggles: { orders: undefined, returns: false },
        inventoryBuffer: undefined,
        returnFulfillmentCenterId: undefined,
        pollIntervalMinutes: undefined,
        shippingMethods: undefined,
        defaultShippingMethod: undefined,
        cancelShipBobOnMarketplaceCancel: undefined,
      }),
    ).toEqual({ ...busy, toggles: { ...allOn, returns: false } });
  });

  it('replaces the whole ship option mapping, so an entry left out is removed', () => {
    expect(mergeSettings(busy, { shippingMethods: { EXP: 'Expedited' } }).shippingMethods).toEqual({
      EXP: 'Expedited',
    });
    expect(mergeSettings(busy, { shippingMethods: {} }).shippingMethods).toEqual({});
  });

  it('keeps no reference to the mapping it was given or had', () => {
    const mapping = { STD: 'Standard' };
    const merged = mergeSettings(defaultSettings(), { shippingMethods: mapping });
    mapping.STD = 'Overnight';
    const kept = mergeSettings(merged, {});
    merged.shippingMethods['STD'] = 'Freight';
    expect(kept.shippingMethods).toEqual({ STD: 'Standard' });
  });

  it('clears the e-mail and the return center with null, and sets the buffer to 0', () => {
    expect(
      mergeSettings(busy, {
        reportEmail: null,
        returnFulfillmentCenterId: null,
        inventoryBuffer: 0,
      }),
    ).toEqual({ ...busy, reportEmail: null, returnFulfillmentCenterId: null, inventoryBuffer: 0 });
  });

  it('switches the "no completed returns" report off and on again', () => {
    const off = mergeSettings(busy, { reportWhenEmpty: false });
    expect(off).toEqual({ ...busy, reportWhenEmpty: false });
    expect(mergeSettings(off, { reportWhenEmpty: true }).reportWhenEmpty).toBe(true);
  });

  it('replaces one e-mail address with another', () => {
    expect(mergeSettings(busy, { reportEmail: 'new@example.com' }).reportEmail).toBe(
      'new@example.com',
    );
  });
});

describe('unlinking ShipBob', () => {
  it('switches every sync off and drops the return center, keeping the rest', () => {
    const after = withoutShipBob(busy);
    expect(after).toEqual({
      ...busy,
      toggles: Object.fromEntries(TOGGLES.map((name) => [name, false])),
      returnFulfillmentCenterId: null,
      cancelShipBobOnMarketplaceCancel: false,
    });
    expect(checkSettings(after, { shipbobConfigured: false, returnsApproved: true })).toEqual([]);
    expect(busy.toggles.orders).toBe(true);
  });
});
