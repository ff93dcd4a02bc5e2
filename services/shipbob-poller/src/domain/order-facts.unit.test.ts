import { describe, expect, it } from '@jest/globals';
import type { SeenItem } from '@msync/platform';
import type { ShipBobOrder, Shipment } from '@msync/shipbob';
import { STORE, T0, labeled, later, order, shipment } from '../test-support/orders.js';
import { decideShipBobOrderFacts } from './order-facts.js';

function replay(snapshots: ShipBobOrder[], start?: SeenItem) {
  let seen = start;
  return snapshots.map((snapshot) => {
    const decision = decideShipBobOrderFacts(STORE, snapshot, seen);
    seen = decision.remember ?? seen;
    return decision;
  });
}

describe('decideShipBobOrderFacts', () => {
  it('given an order still processing, emits nothing and remembers its version', () => {
    expect(decideShipBobOrderFacts(STORE, order(), undefined)).toEqual({
      facts: [],
      remember: { version: T0.getTime(), marks: [] },
      withoutCarrier: [],
    });
  });

  it('given a labeled shipment, emits one labeled fact with carrier, tracking and the Mirakl order id', () => {
    const { facts } = decideShipBobOrderFacts(
      STORE,
      order({ updatedAt: later(10), shipments: [labeled()] }),
      undefined,
    );
    expect(facts).toEqual([
      {
        topic: 'shipmentLabeled',
        idempotencyKey: `shipbob:${STORE}:shipment:501:labeled`,
        occurredAt: later(10),
        body: {
          shipbobOrderId: '900',
          shipmentId: '501',
          referenceId: 'MIRAKL-1-A',
          status: 'LabeledCreated',
          carrier: 'UPS',
          trackingNumber: '1Z999',
          trackingUrl: 'https://ups.example/1Z999',
        },
      },
    ]);
  });

  it('dates a label by the shipment’s last change, else by the order’s', () => {
    const occurredAt = (lastUpdateAt: Date | null) =>
      decideShipBobOrderFacts(
        STORE,
        order({ updatedAt: later(20), shipments: [labeled({ lastUpdateAt })] }),
        undefined,
      ).facts[0]?.occurredAt;
    expect(occurredAt(later(10))).toEqual(later(10));
    expect(occurredAt(null)).toEqual(later(20));
  });

  it('given the shipment later completed (shipped), does not report the label again', () => {
    const decisions = replay([
      order({ updatedAt: later(10), shipments: [labeled()] }),
      order({ updatedAt: later(20), shipments: [labeled({ status: 'Completed' })] }),
    ]);
    expect(decisions.map((d) => d.facts.length)).toEqual([1, 0]);
  });

  it('given the same snapshot again (overlap), emits nothing and remembers nothing', () => {
    const snapshot = order({ updatedAt: later(10), shipments: [labeled()] });
    const [, again] = replay([snapshot, snapshot]);
    expect(again).toEqual({ facts: [], remember: null, withoutCarrier: [] });
  });

  it('given a label without a carrier, holds it back and reports it once the carrier is known', () => {
    const noCarrier = labeled({
      tracking: { carrier: null, trackingNumber: '1Z999', trackingUrl: null },
    });
    const [held, reported] = replay([
      order({ updatedAt: later(10), shipments: [noCarrier] }),
      order({ updatedAt: later(11), shipments: [labeled()] }),
    ]);
    expect(held!.facts).toEqual([]);
    expect(held!.withoutCarrier).toEqual([501]);
    expect(reported!.facts.map((f) => f.topic)).toEqual(['shipmentLabeled']);
  });

  it('given an order with two labeled shipments, emits one fact per shipment', () => {
    const { facts } = decideShipBobOrderFacts(
      STORE,
      order({ updatedAt: later(10), shipments: [labeled(), labeled({ id: 502 })] }),
      undefined,
    );
    expect(facts.map((f) => f.idempotencyKey)).toEqual([
      `shipbob:${STORE}:shipment:501:labeled`,
      `shipbob:${STORE}:shipment:502:labeled`,
    ]);
  });

  it('given a canceled order, emits one canceled fact, and not again at later changes', () => {
    const canceled = (at: number) =>
      order({
        status: 'Cancelled',
        isCanceled: true,
        updatedAt: later(at),
        shipments: [shipment({ status: 'Cancelled', isCanceled: true })],
      });
    const decisions = replay([canceled(5), canceled(6)]);
    expect(decisions[0]!.facts).toEqual([
      {
        topic: 'orderCanceledInShipBob',
        idempotencyKey: `shipbob:${STORE}:order:900:canceled`,
        occurredAt: later(5),
        body: {
          shipbobOrderId: '900',
          referenceId: 'MIRAKL-1-A',
          partial: false,
          shipmentId: null,
          canceledItems: [],
        },
      },
    ]);
    expect(decisions[1]!.facts).toEqual([]);
  });

  it('given a shipment with a tracking number but not labeled yet, or labeled without tracking, emits nothing for it', () => {
    const early = shipment({
      tracking: { carrier: 'UPS', trackingNumber: '1Z1', trackingUrl: null },
    });
    const bare = labeled({ id: 502, tracking: null });
    const decision = decideShipBobOrderFacts(
      STORE,
      order({ updatedAt: later(10), shipments: [early, bare] }),
      undefined,
    );
    expect(decision).toEqual({
      facts: [],
      remember: { version: later(10).getTime(), marks: [] },
      withoutCarrier: [],
    });
  });

  it('remembers what it reported in one stable order, whatever order the shipments came in', () => {
    const decision = decideShipBobOrderFacts(
      STORE,
      order({
        isCanceled: true,
        updatedAt: later(10),
        shipments: [labeled({ id: 502 }), labeled({ id: 501 })],
      }),
      undefined,
    );
    expect(decision.remember).toEqual({
      version: later(10).getTime(),
      marks: ['canceled', 'labeled:501', 'labeled:502'],
    });
  });

  it('given what an earlier process remembered, reports neither the labels nor the cancellation again', () => {
    const remembered: SeenItem = {
      version: later(5).getTime(),
      marks: ['canceled', 'labeled:501'],
    };
    const decision = decideShipBobOrderFacts(
      STORE,
      order({ isCanceled: true, updatedAt: later(10), shipments: [labeled()] }),
      remembered,
    );
    expect(decision.facts).toEqual([]);
  });

  it('given one shipment canceled while another still ships, emits a partial cancellation with what it held, once', () => {
    const split = (at: number, second: Partial<Shipment>) =>
      order({
        updatedAt: later(at),
        shipments: [
          shipment({
            id: 501,
            status: 'Cancelled',
            isCanceled: true,
            lastUpdateAt: later(4),
            skuItems: [{ sku: 'SKU-BOWL', quantity: 2 }],
          }),
          shipment({ id: 502, ...second }),
        ],
      });
    const decisions = replay([split(5, {}), split(6, { status: 'Processing' })]);
    expect(decisions[0]!.facts).toEqual([
      {
        topic: 'orderCanceledInShipBob',
        idempotencyKey: `shipbob:${STORE}:shipment:501:canceled`,
        occurredAt: later(4),
        body: {
          shipbobOrderId: '900',
          referenceId: 'MIRAKL-1-A',
          partial: true,
          shipmentId: '501',
          canceledItems: [{ sku: 'SKU-BOWL', quantity: 2 }],
        },
      },
    ]);
    expect(decisions[1]!.facts).toEqual([]);
    expect(decisions[1]!.remember?.marks).toEqual(['canceled:501']);
  });

  it('given the rest of a partly canceled order canceled later, emits the whole-order cancellation then', () => {
    const gone = shipment({ id: 501, status: 'Cancelled', isCanceled: true });
    const decisions = replay([
      order({ updatedAt: later(5), shipments: [gone, shipment({ id: 502 })] }),
      order({
        status: 'Cancelled',
        isCanceled: true,
        updatedAt: later(9),
        shipments: [gone, shipment({ id: 502, status: 'Cancelled', isCanceled: true })],
      }),
    ]);
    expect(decisions.map((d) => d.facts.map((f) => f.idempotencyKey))).toEqual([
      [`shipbob:${STORE}:shipment:501:canceled`],
      [`shipbob:${STORE}:order:900:canceled`],
    ]);
  });

  it('is deterministic: the same snapshot gives the same keys whether it came from polling or a webhook', () => {
    const snapshot = order({ updatedAt: later(10), shipments: [labeled()] });
    const a = decideShipBobOrderFacts(STORE, snapshot, undefined);
    const b = decideShipBobOrderFacts(STORE, structuredClone(snapshot), undefined);
    expect(a.facts.map((f) => f.idempotencyKey)).toEqual(b.facts.map((f) => f.idempotencyKey));
  });
});
