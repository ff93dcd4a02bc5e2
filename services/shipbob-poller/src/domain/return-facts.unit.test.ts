import { describe, expect, it } from '@jest/globals';
import type { SeenItem } from '@msync/platform';
import type { ShipBobReturn } from '@msync/shipbob';
import { STORE, T0, later } from '../test-support/orders.js';
import { returnItem, returnOrder } from '../test-support/returns.js';
import { actionsRequested, actionsTaken, decideShipBobReturnFacts } from './return-facts.js';

const keys = (facts: { idempotencyKey: string }[]) => facts.map((f) => f.idempotencyKey);

/** Decides each snapshot in turn, remembering as a pass does; returns every fact's key. */
function decideInTurn(snapshots: ShipBobReturn[], seen?: SeenItem) {
  const emitted: string[] = [];
  let state = seen;
  for (const snapshot of snapshots) {
    const decision = decideShipBobReturnFacts(STORE, snapshot, state, later(1_000));
    emitted.push(...keys(decision.facts));
    state = decision.remember ?? state;
  }
  return { emitted, seen: state };
}

const completed = (overrides: Partial<ShipBobReturn> = {}) =>
  returnOrder({
    status: 'Completed',
    completedAt: later(30),
    changedAt: later(30),
    items: [
      returnItem({ actionTaken: [{ action: 'Restock', reason: null, quantityProcessed: 1 }] }),
    ],
    ...overrides,
  });

describe('decideShipBobReturnFacts', () => {
  it('given a new return, emits ShipBobReturnUpdated with its status, order, center and actions', () => {
    const decision = decideShipBobReturnFacts(STORE, completed(), undefined, later(1_000));
    expect(decision.facts).toEqual([
      {
        topic: 'returnUpdated',
        idempotencyKey: `shipbob:${STORE}:return:3:Completed`,
        occurredAt: later(30),
        body: {
          returnId: '3',
          referenceId: 'MIRAKL-1-A-1',
          storeOrderId: 'MIRAKL-1-A',
          status: 'Completed',
          fulfillmentCenterName: 'Cicero',
          actionRequested: 'Default',
          actionTaken: 'Restock',
          completedAt: later(30).getTime(),
        },
      },
    ]);
    expect(decision.remember).toEqual({
      version: later(30).getTime(),
      marks: ['status:Completed'],
    });
  });

  it('emits once per status change, and nothing for the same status read again', () => {
    const arrived = returnOrder({ status: 'Arrived', changedAt: later(10) });
    const { emitted } = decideInTurn([
      returnOrder(),
      returnOrder(),
      arrived,
      arrived,
      completed(),
      completed(),
    ]);
    expect(emitted).toEqual([
      `shipbob:${STORE}:return:3:AwaitingArrival`,
      `shipbob:${STORE}:return:3:Arrived`,
      `shipbob:${STORE}:return:3:Completed`,
    ]);
  });

  it('reads both spellings of awaiting arrival as one status (the mapping joins them)', () => {
    // `toReturn` normalises "Awaiting Arrival"; the decision keys on the normalised status.
    const { emitted } = decideInTurn([returnOrder({ status: 'AwaitingArrival' }), returnOrder()]);
    expect(emitted).toEqual([`shipbob:${STORE}:return:3:AwaitingArrival`]);
  });

  it('given a status already passed (a late webhook or list), emits nothing', () => {
    const { seen } = decideInTurn([completed()]);
    const lateArrived = returnOrder({ status: 'Arrived', changedAt: later(40) });
    expect(decideShipBobReturnFacts(STORE, lateArrived, seen, later(50)).facts).toEqual([]);
    const olderSnapshot = returnOrder({ status: 'Processing', changedAt: later(5) });
    expect(decideShipBobReturnFacts(STORE, olderSnapshot, seen, later(50))).toEqual({
      facts: [],
      remember: null,
    });
  });

  it('reports a status ShipBob adds later once, and a cancellation', () => {
    const { emitted } = decideInTurn([
      returnOrder({ status: 'Inspecting', changedAt: later(5) }),
      returnOrder({ status: 'Inspecting', changedAt: later(6) }),
      returnOrder({ status: 'Cancelled', changedAt: later(7) }),
    ]);
    expect(emitted).toEqual([
      `shipbob:${STORE}:return:3:Inspecting`,
      `shipbob:${STORE}:return:3:Cancelled`,
    ]);
  });

  it('is idempotent: deciding the same snapshot from scratch twice gives the same key', () => {
    const once = decideShipBobReturnFacts(STORE, completed(), undefined, later(1));
    const twice = decideShipBobReturnFacts(STORE, completed(), undefined, later(2));
    expect(keys(twice.facts)).toEqual(keys(once.facts));
  });

  it('dates a fact by ShipBob when it can, by the read otherwise; names an unnamed center', () => {
    const bare = returnOrder({
      changedAt: null,
      insertedAt: null,
      fulfillmentCenter: { id: 8, name: null },
    });
    const [fact] = decideShipBobReturnFacts(STORE, bare, undefined, later(99)).facts;
    expect(fact).toMatchObject({
      occurredAt: later(99),
      body: { fulfillmentCenterName: 'FC 8' },
    });
    expect(
      decideShipBobReturnFacts(STORE, returnOrder({ changedAt: null }), undefined, later(99))
        .facts[0]?.occurredAt,
    ).toEqual(T0);
  });
});

describe('actions per item', () => {
  it('gives the bare action for one item and names each item of several', () => {
    expect(actionsRequested([returnItem({ actionRequested: 'Restock' })])).toBe('Restock');
    expect(
      actionsRequested([
        returnItem({ actionRequested: 'Restock' }),
        returnItem({ inventoryId: 501, sku: null, name: 'Cup', actionRequested: 'Dispose' }),
        returnItem({ inventoryId: 502, sku: null, name: null, actionRequested: null }),
      ]),
    ).toBe('MUG-1: Restock; Cup: Dispose');
    expect(actionsRequested([returnItem({ actionRequested: null })])).toBeNull();
  });

  it('lists the quantities of an item processed in several ways; null before processing', () => {
    expect(actionsTaken([returnItem()])).toBeNull();
    expect(
      actionsTaken([
        returnItem({
          quantity: 2,
          actionTaken: [
            { action: 'Restock', reason: null, quantityProcessed: 1 },
            { action: 'Dispose', reason: 'Damaged', quantityProcessed: 1 },
          ],
        }),
        returnItem({
          inventoryId: 501,
          sku: 'CUP-1',
          actionTaken: [{ action: 'Quarantine', reason: null, quantityProcessed: 1 }],
        }),
      ]),
    ).toBe('MUG-1: Restock ×1, Dispose ×1; CUP-1: Quarantine');
  });
});
