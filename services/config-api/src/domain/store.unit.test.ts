import { describe, expect, it } from '@jest/globals';
import { checkSettings, defaultSettings, mergeSettings, type Settings } from './store.js';

const rules = (settings: Settings, context = { shipbobConfigured: true, returnsApproved: true }) =>
  checkSettings(settings, context).map((v) => `${v.field}:${v.rule}`);

describe('store settings rules', () => {
  it('accepts the defaults (15 minutes, buffer 0, every toggle off)', () => {
    const settings = defaultSettings();
    expect(settings.pollIntervalMinutes).toBe(15);
    expect(rules(settings, { shipbobConfigured: false, returnsApproved: false })).toEqual([]);
  });

  it('allows no toggle and no return center without a verified PAT', () => {
    const settings = mergeSettings(defaultSettings(), {
      toggles: { offers: true, tracking: true },
      returnFulfillmentCenterId: '1',
    });
    expect(rules(settings, { shipbobConfigured: false, returnsApproved: true })).toEqual([
      'toggles.offers:shipbob-pat-required',
      'toggles.tracking:shipbob-pat-required',
      'returnFulfillmentCenterId:shipbob-pat-required',
    ]);
  });

  it('needs admin approval and a return center for Sync Returns', () => {
    const on = mergeSettings(defaultSettings(), { toggles: { returns: true } });
    expect(rules(on, { shipbobConfigured: true, returnsApproved: false })).toEqual([
      'toggles.returns:returns-approval-required',
      'toggles.returns:return-fulfillment-center-required',
    ]);
    expect(rules(mergeSettings(on, { returnFulfillmentCenterId: '2' }))).toEqual([]);
  });

  it('refuses a negative or fractional buffer and an interval below one minute', () => {
    expect(
      rules(mergeSettings(defaultSettings(), { inventoryBuffer: -1, pollIntervalMinutes: 0 })),
    ).toEqual(['inventoryBuffer:non-negative-integer', 'pollIntervalMinutes:minimum-one-minute']);
  });

  it('merges a patch: absent fields keep their value, null clears', () => {
    const base = mergeSettings(defaultSettings(), {
      reportEmail: 'a@b.co',
      toggles: { orders: true },
    });
    const next = mergeSettings(base, { toggles: { inventory: true }, reportEmail: null });
    expect(next.toggles).toMatchObject({ orders: true, inventory: true });
    expect(next.reportEmail).toBeNull();
    expect(mergeSettings(next, {})).toEqual(next);
  });
});
