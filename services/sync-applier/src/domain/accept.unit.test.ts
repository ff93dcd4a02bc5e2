import { describe, expect, it } from '@jest/globals';
import { awaitingAcceptance, storeConfig } from '../test-support/facts.js';
import { decideAccept, type AcceptState } from './accept.js';

const fact = awaitingAcceptance({
  orderId: 'ORDER-7-A',
  lines: [
    { id: 'ORDER-7-A-1', sku: 'SKU-MUG' },
    { id: 'ORDER-7-A-2', sku: 'SKU-BOWL' },
  ],
});
const fresh: AcceptState = { effect: null };
const claimed: AcceptState = { effect: { status: 'claimed' } };

describe('accept: an order waiting for acceptance', () => {
  it('given a connected store with orders on, when it has never been accepted, then every line is accepted in one OR21', () => {
    const decision = decideAccept(fact, storeConfig(), fresh);
    expect(decision).toEqual({
      type: 'apply',
      resumed: false,
      command: {
        kind: 'mirakl-accept',
        orderId: 'ORDER-7-A',
        lineIds: ['ORDER-7-A-1', 'ORDER-7-A-2'],
      },
      base: {
        flow: 'orders',
        action: 'accept',
        effectKey: 'accept:ORDER-7-A',
        target: 'MIRAKL',
        miraklOrderId: 'ORDER-7-A',
      },
    });
  });

  it('is idempotent if run twice: once the effect is done and recorded, the same fact is a DUPLICATE and calls nothing', () => {
    const done: AcceptState = {
      effect: {
        status: 'done',
        externalIds: { miraklOrderId: 'ORDER-7-A' },
        outcomeRecorded: true,
      },
    };
    const first = decideAccept(fact, storeConfig(), done);
    const second = decideAccept(fact, storeConfig(), done);
    expect(second).toEqual(first);
    expect(first).toMatchObject({
      type: 'record',
      markRecorded: false,
      outcome: { outcome: 'DUPLICATE', reason: 'already-applied', effectKey: 'accept:ORDER-7-A' },
    });
  });

  it('given a done effect whose outcome was never published, then APPLIED is recorded without calling Mirakl', () => {
    const decision = decideAccept(fact, storeConfig(), {
      effect: {
        status: 'done',
        externalIds: { miraklOrderId: 'ORDER-7-A' },
        outcomeRecorded: false,
      },
    });
    expect(decision).toMatchObject({
      type: 'record',
      markRecorded: true,
      outcome: { outcome: 'APPLIED', externalIds: { miraklOrderId: 'ORDER-7-A' } },
    });
  });

  it('given no configuration seen for the store yet, then the fact is retried, not skipped', () => {
    expect(decideAccept(fact, undefined, fresh)).toMatchObject({
      type: 'retry',
      reason: 'config-not-loaded',
      wait: 'backoff',
    });
  });

  it.each([
    [
      'orders switched off',
      storeConfig({ toggles: { ...storeConfig().toggles, orders: false } }),
      'flow-disabled',
    ],
    ['a disconnected store', storeConfig({ status: 'DISCONNECTED' }), 'store-not-connected'],
    ['a deleted store', storeConfig({ status: 'DELETED' }), 'store-not-connected'],
    [
      'a store without ShipBob',
      storeConfig({ shipbobConfigured: false }),
      'shipbob-not-configured',
    ],
  ])('given %s, then SKIPPED is recorded and nothing is called', (_, config, reason) => {
    expect(decideAccept(fact, config, fresh)).toMatchObject({
      type: 'record',
      outcome: { outcome: 'SKIPPED', reason, flow: 'orders', miraklOrderId: 'ORDER-7-A' },
    });
  });

  it('given a claim left unfinished, then Mirakl is asked for the order first', () => {
    expect(decideAccept(fact, storeConfig(), claimed)).toEqual({
      type: 'ask',
      query: { kind: 'mirakl-order-state', orderId: 'ORDER-7-A' },
    });
  });

  it('given a claim left unfinished and the order already accepted, then the claim completes as APPLIED without a call', () => {
    const decision = decideAccept(fact, storeConfig(), {
      ...claimed,
      mirakl: { state: 'WAITING_DEBIT_PAYMENT', via: 'resume-check' },
    });
    expect(decision).toMatchObject({
      type: 'complete',
      externalIds: { miraklOrderId: 'ORDER-7-A' },
      outcome: { outcome: 'APPLIED' },
    });
  });

  it('given a claim left unfinished and the order still waiting, then OR21 is sent again on the existing claim', () => {
    const decision = decideAccept(fact, storeConfig(), {
      ...claimed,
      mirakl: { state: 'WAITING_ACCEPTANCE', via: 'resume-check' },
    });
    expect(decision).toMatchObject({
      type: 'apply',
      resumed: true,
      command: { kind: 'mirakl-accept' },
    });
  });

  it('given Mirakl refused OR21 because the order is already past acceptance, then it is a DUPLICATE', () => {
    const decision = decideAccept(fact, storeConfig(), {
      ...claimed,
      mirakl: { state: 'SHIPPING', via: 'wrong-state' },
    });
    expect(decision).toMatchObject({
      type: 'complete',
      outcome: { outcome: 'DUPLICATE', reason: 'already-in-target-state' },
    });
  });

  it('given the order was canceled or refused meanwhile, then it fails for good with a reason the seller can read', () => {
    for (const state of ['CANCELED', 'REFUSED']) {
      expect(
        decideAccept(fact, storeConfig(), { ...claimed, mirakl: { state, via: 'wrong-state' } }),
      ).toMatchObject({
        type: 'reject',
        reason: 'order-closed',
        outcome: { outcome: 'FAILED', detail: expect.stringContaining(state) },
      });
    }
  });

  it('given an order Mirakl does not know, then it fails for good', () => {
    expect(
      decideAccept(fact, storeConfig(), {
        ...claimed,
        mirakl: { state: null, via: 'resume-check' },
      }),
    ).toMatchObject({ type: 'reject', reason: 'order-not-found' });
  });

  it('given the order is still in STAGING or in a state Mirakl added later, then it is retried', () => {
    expect(
      decideAccept(fact, storeConfig(), {
        ...claimed,
        mirakl: { state: 'STAGING', via: 'resume-check' },
      }),
    ).toMatchObject({ type: 'retry', reason: 'order-not-ready' });
    expect(
      decideAccept(fact, storeConfig(), {
        ...claimed,
        mirakl: { state: 'ON_HOLD', via: 'resume-check' },
      }),
    ).toMatchObject({ type: 'retry', reason: 'unknown-order-state' });
  });

  it('given an order without lines, then the fact is rejected as a bad payload', () => {
    expect(decideAccept({ ...fact, lines: [] }, storeConfig(), fresh)).toMatchObject({
      type: 'reject',
      reason: 'bad-payload',
      outcome: {
        outcome: 'FAILED',
        reason: 'bad-payload',
        detail: 'the order has no lines to accept',
      },
    });
  });
});
