import { describe, expect, it } from '@jest/globals';
import { STORE, labeled, later, order, shipment } from '../test-support/orders.js';
import { decideShipBobOrderFacts } from './order-facts.js';
import { decideShipBobResyncFacts } from './resync-facts.js';

const RESYNC_AT = Date.parse('2025-03-02T08:00:00.000Z');

describe('decideShipBobResyncFacts', () => {
  it('given a label already reported, emits its fact again under a resync key and remembers nothing', () => {
    const snapshot = order({ updatedAt: later(10), shipments: [labeled()] });
    const ordinary = decideShipBobOrderFacts(STORE, snapshot, undefined);

    const resync = decideShipBobResyncFacts(STORE, snapshot, RESYNC_AT);

    expect(resync).toEqual({
      facts: [
        {
          ...ordinary.facts[0],
          idempotencyKey: `shipbob:${STORE}:shipment:501:labeled:resync:${RESYNC_AT}`,
        },
      ],
      remember: null,
      withoutCarrier: [],
    });
  });

  it('given the same resync run twice, gives the same keys; a later resync gives new ones', () => {
    const snapshot = order({ updatedAt: later(10), shipments: [labeled()] });
    const keys = (at: number) =>
      decideShipBobResyncFacts(STORE, snapshot, at).facts.map((f) => f.idempotencyKey);
    expect(keys(RESYNC_AT)).toEqual(keys(RESYNC_AT));
    expect(keys(RESYNC_AT + 1)).not.toEqual(keys(RESYNC_AT));
  });

  it('given a shipped (completed) shipment and one not labeled yet, emits the label of the first only', () => {
    const snapshot = order({
      updatedAt: later(20),
      shipments: [labeled({ status: 'Completed' }), shipment({ id: 502 })],
    });
    expect(
      decideShipBobResyncFacts(STORE, snapshot, RESYNC_AT).facts.map((f) => f.idempotencyKey),
    ).toEqual([`shipbob:${STORE}:shipment:501:labeled:resync:${RESYNC_AT}`]);
  });

  it('given a label without a carrier, holds it back and says so', () => {
    const noCarrier = labeled({
      tracking: { carrier: null, trackingNumber: '1Z999', trackingUrl: null },
    });
    expect(decideShipBobResyncFacts(STORE, order({ shipments: [noCarrier] }), RESYNC_AT)).toEqual({
      facts: [],
      remember: null,
      withoutCarrier: [501],
    });
  });

  it('given a canceled order, re-emits no cancellation', () => {
    const canceled = order({ isCanceled: true, status: 'Cancelled', updatedAt: later(5) });
    expect(decideShipBobResyncFacts(STORE, canceled, RESYNC_AT).facts).toEqual([]);
  });
});
