import { describe, expect, it } from '@jest/globals';
import { canceledOnMarketplace, storeConfig } from '../test-support/facts.js';
import {
  decideCancelInShipBob,
  type MarketplaceCancelState,
  type ShipBobOrderView,
} from './marketplace-cancel.js';

const fact = canceledOnMarketplace({ orderId: 'ORDER-6-A' });
const on = storeConfig({
  toggles: { ...storeConfig().toggles, cancellations: true },
  cancelShipBobOnMarketplaceCancel: true,
});
const created: MarketplaceCancelState = {
  effect: null,
  create: { status: 'done', externalIds: { shipbobOrderId: '7006' }, outcomeRecorded: true },
};
const order = (shipments: Partial<ShipBobOrderView['shipments'][number]>[]): ShipBobOrderView => ({
  id: '7006',
  canceled: shipments.every((s) => s.canceled),
  shipments: shipments.map((s, i) => ({
    id: String(9006 + i),
    status: 'Processing',
    labeled: false,
    canceled: false,
    ...s,
  })),
});
const ids = { miraklOrderId: 'ORDER-6-A', shipbobOrderId: '7006' };
const base = {
  flow: 'cancellations',
  action: 'cancel-in-shipbob',
  effectKey: 'cancel-in-shipbob:ORDER-6-A',
  target: 'SHIPBOB',
  miraklOrderId: 'ORDER-6-A',
};

describe('cancel-in-shipbob: an order canceled on the marketplace', () => {
  it('first blocks the ShipBob order from ever being created, whatever the settings', () => {
    for (const config of [on, storeConfig(), undefined]) {
      expect(decideCancelInShipBob(fact, config, { effect: null })).toEqual({
        type: 'ask',
        query: { kind: 'block-create', orderId: 'ORDER-6-A' },
      });
    }
  });

  it('given no ShipBob order was created (now blocked), then SKIPPED: nothing to do', () => {
    const blocked: MarketplaceCancelState = { effect: null, create: { status: 'voided' } };
    for (const config of [on, storeConfig()]) {
      expect(decideCancelInShipBob(fact, config, blocked)).toEqual({
        type: 'record',
        markRecorded: false,
        outcome: {
          ...base,
          outcome: 'SKIPPED',
          reason: 'no-shipbob-order',
          detail:
            'the order was CANCELED on the marketplace before its ShipBob order was created; none was, and none will be',
          externalIds: {},
        },
      });
    }
  });

  it('given the option off (the default), or Sync Cancelations off, then SKIPPED and ShipBob is not asked', () => {
    expect(
      decideCancelInShipBob(fact, { ...on, cancelShipBobOnMarketplaceCancel: false }, created),
    ).toMatchObject({
      type: 'record',
      outcome: { outcome: 'SKIPPED', reason: 'marketplace-cancel-off' },
    });
    expect(
      decideCancelInShipBob(
        fact,
        { ...on, toggles: { ...on.toggles, cancellations: false } },
        created,
      ),
    ).toMatchObject({ type: 'record', outcome: { outcome: 'SKIPPED', reason: 'flow-disabled' } });
    expect(decideCancelInShipBob(fact, { ...on, shipbobConfigured: false }, created)).toMatchObject(
      { outcome: { reason: 'shipbob-not-configured' } },
    );
    expect(decideCancelInShipBob(fact, undefined, created)).toMatchObject({ type: 'retry' });
  });

  it('given the option on and the ShipBob order created, then it is read by its id', () => {
    expect(decideCancelInShipBob(fact, on, created)).toEqual({
      type: 'ask',
      query: { kind: 'shipbob-order', referenceId: 'ORDER-6-A', shipbobOrderId: '7006' },
    });
  });

  it('given no shipment labeled, then the ShipBob order is canceled', () => {
    expect(decideCancelInShipBob(fact, on, { ...created, shipbobOrder: order([{}]) })).toEqual({
      type: 'apply',
      command: { kind: 'shipbob-cancel', shipbobOrderId: '7006' },
      resumed: false,
      base,
    });
  });

  it('given a shipment labeled, then FAILED "already labeled: intercept in ShipBob"', () => {
    expect(
      decideCancelInShipBob(fact, on, {
        ...created,
        shipbobOrder: order([{ status: 'LabeledCreated', labeled: true }]),
      }),
    ).toEqual({
      type: 'reject',
      reason: 'already-labeled',
      outcome: {
        ...base,
        outcome: 'FAILED',
        reason: 'already-labeled',
        detail:
          'already labeled: intercept in ShipBob (ShipBob order 7006: shipment 9006 is LabeledCreated)',
        externalIds: ids,
      },
    });
  });

  it('given ShipBob refused the cancel (picked or packed), then FAILED with its reason', () => {
    expect(
      decideCancelInShipBob(fact, on, {
        ...created,
        effect: { status: 'claimed' },
        shipbobOrder: order([{}]),
        refused: ['shipment 9006: Shipment is Processing and can no longer be cancelled'],
      }),
    ).toMatchObject({
      type: 'reject',
      reason: 'cancel-refused',
      outcome: { detail: expect.stringContaining('intercept it in ShipBob') },
    });
  });

  it('given the ShipBob order already canceled, then DUPLICATE; after a crash mid-call, APPLIED', () => {
    const gone = order([{ status: 'Cancelled', canceled: true }]);
    expect(decideCancelInShipBob(fact, on, { ...created, shipbobOrder: gone })).toMatchObject({
      type: 'record',
      outcome: { outcome: 'DUPLICATE', reason: 'already-canceled', externalIds: ids },
    });
    expect(
      decideCancelInShipBob(fact, on, {
        ...created,
        effect: { status: 'claimed' },
        shipbobOrder: gone,
      }),
    ).toMatchObject({ type: 'complete', outcome: { outcome: 'APPLIED' } });
  });

  it('given a create claimed but no ShipBob order, then the claim is voided; one found is canceled', () => {
    const inFlight: MarketplaceCancelState = { effect: null, create: { status: 'claimed' } };
    expect(decideCancelInShipBob(fact, on, inFlight)).toEqual({
      type: 'ask',
      query: { kind: 'shipbob-order', referenceId: 'ORDER-6-A', shipbobOrderId: null },
    });
    expect(decideCancelInShipBob(fact, on, { ...inFlight, shipbobOrder: null })).toEqual({
      type: 'ask',
      query: { kind: 'void-claimed-create', orderId: 'ORDER-6-A' },
    });
    expect(
      decideCancelInShipBob(fact, on, { ...inFlight, shipbobOrder: order([{}]) }),
    ).toMatchObject({ type: 'apply' });
  });

  it('given a create done but ShipBob does not find its order, then FAILED', () => {
    expect(decideCancelInShipBob(fact, on, { ...created, shipbobOrder: null })).toMatchObject({
      type: 'reject',
      reason: 'shipbob-order-not-found',
    });
  });

  it('is idempotent if run twice: a done effect is a DUPLICATE without asking ShipBob', () => {
    expect(
      decideCancelInShipBob(fact, on, {
        ...created,
        effect: { status: 'done', externalIds: ids, outcomeRecorded: true },
      }),
    ).toMatchObject({
      type: 'record',
      outcome: { outcome: 'DUPLICATE', reason: 'already-applied' },
    });
  });

  it('treats a refusal on the marketplace like a cancellation', () => {
    const refused = canceledOnMarketplace({ orderId: 'ORDER-6-A', state: 'REFUSED' });
    expect(
      decideCancelInShipBob(refused, on, { effect: null, create: { status: 'voided' } }),
    ).toMatchObject({ outcome: { detail: expect.stringContaining('REFUSED on the marketplace') } });
  });
});
