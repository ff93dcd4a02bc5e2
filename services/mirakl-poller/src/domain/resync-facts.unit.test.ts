import { describe, expect, it } from '@jest/globals';
import { STORE, T0, later, line, order, shipping } from '../test-support/orders.js';
import { decideOrderFacts } from './order-facts.js';
import { decideResyncOrderFacts } from './resync-facts.js';

const RESYNC_AT = Date.parse('2025-03-02T08:00:00.000Z');

describe('decideResyncOrderFacts', () => {
  it('given an order awaiting acceptance that was already reported, emits its fact again under a resync key', () => {
    const waiting = order();
    const ordinary = decideOrderFacts(STORE, waiting, undefined);

    const resync = decideResyncOrderFacts(STORE, waiting, RESYNC_AT);

    expect(resync.facts).toEqual([
      {
        ...ordinary.facts[0],
        idempotencyKey: `mirakl:${STORE}:order:O1-A:WAITING_ACCEPTANCE:${T0.getTime()}:resync:${RESYNC_AT}`,
      },
    ]);
    expect(resync.remember).toBeNull();
  });

  it('given an order in SHIPPING, emits ready-to-ship with its address again', () => {
    const { facts } = decideResyncOrderFacts(STORE, shipping(later(60_000)), RESYNC_AT);
    expect(facts).toEqual([
      expect.objectContaining({
        topic: 'orderReadyToShip',
        idempotencyKey: `mirakl:${STORE}:order:O1-A:SHIPPING:${later(60_000).getTime()}:resync:${RESYNC_AT}`,
        body: expect.objectContaining({
          orderId: 'O1-A',
          shippingAddress: expect.objectContaining({ street1: '1 Main St', country: 'USA' }),
        }),
      }),
    ]);
  });

  it('given the same resync run twice, gives the same keys; a later resync gives new ones', () => {
    const keys = (at: number) =>
      decideResyncOrderFacts(STORE, order(), at).facts.map((f) => f.idempotencyKey);
    expect(keys(RESYNC_AT)).toEqual(keys(RESYNC_AT));
    expect(keys(RESYNC_AT + 1)).not.toEqual(keys(RESYNC_AT));
  });

  it('given an order past acceptance, shipped, canceled or refused, emits nothing', () => {
    for (const state of ['WAITING_DEBIT_PAYMENT', 'SHIPPED', 'CANCELED', 'REFUSED', 'CLOSED'])
      expect(decideResyncOrderFacts(STORE, order({ state }), RESYNC_AT)).toEqual({
        facts: [],
        remember: null,
      });
  });

  it('given SHIPPING without an address, emits nothing and says why', () => {
    const bare = order({ state: 'SHIPPING', lines: [line({ state: 'SHIPPING' })] });
    expect(decideResyncOrderFacts(STORE, bare, RESYNC_AT)).toEqual({
      facts: [],
      remember: null,
      anomaly: 'shipping-without-address',
    });
  });

  it('given an order with an open incident, re-emits only its state fact (incidents are not order actions)', () => {
    const snapshot = shipping(later(1));
    snapshot.lines = [line({ lineId: 'L1', state: 'INCIDENT_OPEN' })];
    expect(decideResyncOrderFacts(STORE, snapshot, RESYNC_AT).facts.map((f) => f.topic)).toEqual([
      'orderReadyToShip',
    ]);
  });
});
