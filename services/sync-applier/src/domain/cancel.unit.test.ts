import { describe, expect, it } from '@jest/globals';
import { canceledInShipBob, storeConfig } from '../test-support/facts.js';
import { decideCancel, type CancelState, type MiraklOrderView } from './cancel.js';

const fact = canceledInShipBob({ orderId: 'ORDER-5-A', shipbobOrderId: '7005' });
const on = storeConfig({
  toggles: { ...storeConfig().toggles, cancellations: true },
});
const fresh: CancelState = { effect: null };
const claimed: CancelState = { effect: { status: 'claimed' } };

const lines: MiraklOrderView['lines'] = [
  { lineId: 'ORDER-5-A-1', sku: 'SKU-MUG', quantity: 2, state: 'SHIPPING' },
  { lineId: 'ORDER-5-A-2', sku: 'SKU-BOWL', quantity: 1, state: 'SHIPPING' },
];
const read = (state: string, canCancel: boolean): CancelState['mirakl'] => ({
  order: { state, canCancel, lines },
  via: 'read',
});
const ids = { miraklOrderId: 'ORDER-5-A', shipbobOrderId: '7005' };
const base = {
  flow: 'cancellations',
  action: 'cancel',
  effectKey: 'cancel:ORDER-5-A',
  target: 'MIRAKL',
  miraklOrderId: 'ORDER-5-A',
};

describe('cancel: an order canceled in ShipBob is canceled in Mirakl (OR29)', () => {
  it('given Sync Cancelations on, when the fact arrives, then Mirakl is asked first (can_cancel)', () => {
    expect(decideCancel(fact, on, fresh)).toEqual({
      type: 'ask',
      query: { kind: 'mirakl-order', orderId: 'ORDER-5-A' },
    });
  });

  it('given Mirakl says can_cancel, then OR29 is the effect', () => {
    expect(decideCancel(fact, on, { ...fresh, mirakl: read('SHIPPING', true) })).toEqual({
      type: 'apply',
      command: { kind: 'mirakl-cancel', orderId: 'ORDER-5-A', externalIds: ids },
      resumed: false,
      base,
    });
  });

  it('given the toggle off, a disconnected store, or no configuration yet: SKIPPED, or later', () => {
    expect(decideCancel(fact, storeConfig(), fresh)).toMatchObject({
      type: 'record',
      outcome: { outcome: 'SKIPPED', reason: 'flow-disabled', effectKey: 'cancel:ORDER-5-A' },
    });
    expect(decideCancel(fact, { ...on, status: 'DISCONNECTED' }, fresh)).toMatchObject({
      outcome: { outcome: 'SKIPPED', reason: 'store-not-connected' },
    });
    expect(decideCancel(fact, undefined, fresh)).toMatchObject({
      type: 'retry',
      reason: 'config-not-loaded',
    });
  });

  it('needs no ShipBob token: only Mirakl is called', () => {
    expect(decideCancel(fact, { ...on, shipbobConfigured: false }, fresh)).toMatchObject({
      type: 'ask',
    });
  });

  it('given the order already canceled (or refused) in Mirakl, then DUPLICATE and nothing is sent', () => {
    for (const state of ['CANCELED', 'REFUSED']) {
      expect(decideCancel(fact, on, { ...fresh, mirakl: read(state, false) })).toEqual({
        type: 'record',
        markRecorded: false,
        outcome: {
          ...base,
          outcome: 'DUPLICATE',
          reason: 'already-canceled',
          detail: `the order is already ${state} in Mirakl; nothing was sent`,
          externalIds: ids,
        },
      });
    }
  });

  it('given the order shipped, then FAILED: it can only be refunded', () => {
    for (const state of ['SHIPPED', 'RECEIVED', 'CLOSED']) {
      expect(decideCancel(fact, on, { ...fresh, mirakl: read(state, false) })).toMatchObject({
        type: 'reject',
        reason: 'already-shipped',
        outcome: {
          outcome: 'FAILED',
          reason: 'already-shipped',
          detail: expect.stringContaining('refund it in Mirakl'),
        },
      });
    }
  });

  it('given Mirakl says the shop may not cancel (can_cancel false, e.g. debited), then FAILED with what to do', () => {
    expect(decideCancel(fact, on, { ...fresh, mirakl: read('SHIPPING', false) })).toMatchObject({
      type: 'reject',
      reason: 'cancel-not-allowed',
      outcome: {
        outcome: 'FAILED',
        detail: expect.stringContaining('ask the marketplace operator to cancel it'),
      },
    });
    expect(
      decideCancel(fact, on, { ...fresh, mirakl: read('WAITING_ACCEPTANCE', false) }),
    ).toMatchObject({ outcome: { detail: expect.stringContaining('refuse it in Mirakl') } });
  });

  it('given OR29 refused for the state, then it is decided on what Mirakl said, never sent again', () => {
    const refused = (state: string): CancelState => ({
      ...claimed,
      mirakl: { order: { state, canCancel: false, lines }, via: 'wrong-state' },
    });
    expect(decideCancel(fact, on, refused('CANCELED'))).toMatchObject({
      type: 'complete',
      outcome: { outcome: 'DUPLICATE', reason: 'already-canceled' },
    });
    expect(decideCancel(fact, on, refused('SHIPPED'))).toMatchObject({
      type: 'reject',
      reason: 'already-shipped',
    });
    expect(decideCancel(fact, on, refused('SHIPPING'))).toMatchObject({
      type: 'reject',
      reason: 'cancel-not-allowed',
      outcome: { detail: expect.stringContaining('refused the cancellation') },
    });
  });

  it('given Mirakl does not know the order, then FAILED order-not-found', () => {
    expect(
      decideCancel(fact, on, { ...fresh, mirakl: { order: null, via: 'read' } }),
    ).toMatchObject({ type: 'reject', reason: 'order-not-found', outcome: { outcome: 'FAILED' } });
  });

  it('given a claim left by a crash, then Mirakl decides: canceled means our call went through, else send again', () => {
    expect(decideCancel(fact, on, claimed)).toMatchObject({ type: 'ask' });
    expect(decideCancel(fact, on, { ...claimed, mirakl: read('CANCELED', false) })).toEqual({
      type: 'complete',
      externalIds: ids,
      outcome: {
        ...base,
        outcome: 'APPLIED',
        reason: null,
        detail: 'resumed: the order was already CANCELED in Mirakl',
        externalIds: ids,
      },
    });
    expect(decideCancel(fact, on, { ...claimed, mirakl: read('SHIPPING', true) })).toMatchObject({
      type: 'apply',
      resumed: true,
    });
  });

  it('is idempotent if run twice: a done effect is a DUPLICATE without asking Mirakl', () => {
    const done: CancelState = {
      effect: { status: 'done', externalIds: ids, outcomeRecorded: true },
    };
    expect(decideCancel(fact, on, done)).toMatchObject({
      type: 'record',
      outcome: { outcome: 'DUPLICATE', reason: 'already-applied', externalIds: ids },
    });
  });

  it('given a fact without a marketplace order, then FAILED bad-payload', () => {
    expect(decideCancel({ ...fact, referenceId: ' ' }, on, fresh)).toMatchObject({
      type: 'reject',
      reason: 'bad-payload',
    });
  });
});

describe('cancel-lines: one ShipBob shipment canceled while the rest of the order ships', () => {
  const partial = canceledInShipBob({
    orderId: 'ORDER-5-A',
    shipbobOrderId: '7005',
    shipmentId: '9105',
    canceledItems: [
      { sku: 'SKU-BOWL', quantity: 1 },
      { sku: 'SKU-LID', quantity: 3 },
    ],
  });

  it('is its own effect per shipment, and reads the Mirakl order to name the lines', () => {
    expect(decideCancel(partial, on, fresh)).toEqual({
      type: 'ask',
      query: { kind: 'mirakl-order', orderId: 'ORDER-5-A' },
    });
  });

  it('given the order still shipping, then FAILED naming the Mirakl lines that will not ship; OR29 is never sent', () => {
    const decision = decideCancel(partial, on, { ...fresh, mirakl: read('SHIPPING', true) });
    expect(decision).toEqual({
      type: 'reject',
      reason: 'partial-cancel',
      outcome: {
        flow: 'cancellations',
        action: 'cancel-lines',
        effectKey: 'cancel-lines:ORDER-5-A:9105',
        target: 'MIRAKL',
        miraklOrderId: 'ORDER-5-A',
        outcome: 'FAILED',
        reason: 'partial-cancel',
        detail:
          "ShipBob canceled shipment 9105 while the rest of the order ships: 1 × SKU-BOWL (Mirakl line ORDER-5-A-2); 3 × SKU-LID (no open Mirakl line has this SKU) will not ship. Mirakl's order cancellation covers whole orders only; cancel these lines in Mirakl, or have them shipped",
        externalIds: { ...ids, shipmentId: '9105', miraklOrderLineIds: 'ORDER-5-A-2' },
      },
    });
  });

  it('given the order already shipped, then the seller is told to refund the lines', () => {
    expect(decideCancel(partial, on, { ...fresh, mirakl: read('SHIPPED', false) })).toMatchObject({
      outcome: {
        reason: 'partial-cancel',
        detail: expect.stringContaining('the order is SHIPPED in Mirakl: refund these lines there'),
      },
    });
  });

  it('given the whole order canceled in Mirakl already, then DUPLICATE', () => {
    expect(decideCancel(partial, on, { ...fresh, mirakl: read('CANCELED', false) })).toMatchObject({
      type: 'record',
      outcome: { outcome: 'DUPLICATE', effectKey: 'cancel-lines:ORDER-5-A:9105' },
    });
  });
});
