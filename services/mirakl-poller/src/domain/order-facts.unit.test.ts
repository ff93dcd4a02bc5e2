import { describe, expect, it } from '@jest/globals';
import type { MiraklOrder } from '@msync/mirakl';
import type { SeenItem } from '@msync/platform';
import { STORE, T0, later, line, order, shipping } from '../test-support/orders.js';
import { decideOrderFacts } from './order-facts.js';

/** Decides a sequence of snapshots, carrying what was remembered from one to the next. */
function replay(snapshots: MiraklOrder[], start?: SeenItem) {
  let seen = start;
  return snapshots.map((snapshot) => {
    const decision = decideOrderFacts(STORE, snapshot, seen);
    seen = decision.remember ?? seen;
    return decision;
  });
}

describe('decideOrderFacts', () => {
  it('given a new order awaiting acceptance, emits one awaiting-acceptance fact keyed by state and update time', () => {
    const { facts, remember } = decideOrderFacts(STORE, order(), undefined);
    expect(facts).toEqual([
      {
        topic: 'orderAwaitingAcceptance',
        idempotencyKey: `mirakl:${STORE}:order:O1-A:WAITING_ACCEPTANCE:${T0.getTime()}`,
        occurredAt: T0,
        body: {
          orderId: 'O1-A',
          commercialId: 'O1',
          createdAt: T0.getTime(),
          acceptanceDeadline: null,
          lines: [
            { orderLineId: 'O1-A-1', offerSku: 'SKU-1', quantity: 2, state: 'WAITING_ACCEPTANCE' },
          ],
        },
      },
    ]);
    expect(remember).toEqual({ version: T0.getTime(), marks: ['state:WAITING_ACCEPTANCE'] });
  });

  it('given the same snapshot again (Mirakl overlaps its windows), emits nothing and remembers nothing', () => {
    const [, again] = replay([order(), order()]);
    expect(again).toEqual({ facts: [], remember: null });
  });

  it('given an older snapshot than the one seen, emits nothing', () => {
    const [, older] = replay([order({ lastUpdatedAt: later(5_000) }), order()]);
    expect(older!.facts).toEqual([]);
  });

  it('given an order reaching SHIPPING, emits ready-to-ship with address, lines and shipping method', () => {
    const [, ready] = replay([order(), shipping(later(60_000))]);
    expect(ready!.facts).toHaveLength(1);
    const [fact] = ready!.facts;
    expect(fact).toMatchObject({
      topic: 'orderReadyToShip',
      idempotencyKey: `mirakl:${STORE}:order:O1-A:SHIPPING:${later(60_000).getTime()}`,
      occurredAt: later(60_000),
      body: {
        orderId: 'O1-A',
        shippingMethod: 'STD',
        currency: 'USD',
        lines: [
          {
            orderLineId: 'O1-A-1',
            offerSku: 'SKU-1',
            quantity: 2,
            unitPrice: '12.5',
            productTitle: 'Blue mug',
          },
        ],
        shippingAddress: {
          street1: '1 Main St',
          city: 'Springfield',
          country: 'USA',
          lastName: 'Lovelace',
        },
      },
    });
  });

  it('given a full shipping address, passes every part of it on; absent parts are null', () => {
    const full = shipping(later(1));
    full.shippingAddress = {
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Analytical Engines Ltd',
      street1: '1 Main St',
      street2: 'Suite 2',
      city: 'Springfield',
      state: 'IL',
      zipCode: '62701',
      country: 'United States',
      countryIso3: 'USA',
      phone: '217-555-0100',
    };
    const addressOf = (snapshot: MiraklOrder) => {
      const [fact] = decideOrderFacts(STORE, snapshot, undefined).facts;
      return fact?.topic === 'orderReadyToShip' ? fact.body.shippingAddress : undefined;
    };
    expect(addressOf(full)).toEqual({
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Analytical Engines Ltd',
      street1: '1 Main St',
      street2: 'Suite 2',
      city: 'Springfield',
      state: 'IL',
      zipCode: '62701',
      country: 'USA',
      phone: '217-555-0100',
    });
    const sparse = shipping(later(1));
    sparse.shippingAddress = {
      lastName: 'Lovelace',
      street1: '1 Main St',
      city: 'Springfield',
      country: 'France',
      countryIso3: 'FRA',
    };
    expect(addressOf(sparse)).toEqual({
      firstName: null,
      lastName: 'Lovelace',
      company: null,
      street1: '1 Main St',
      street2: null,
      city: 'Springfield',
      state: null,
      zipCode: null,
      country: 'FRA',
      phone: null,
    });
  });

  it('remembers the states and open incidents it reported, in one stable order', () => {
    const snapshot = shipping(later(1));
    snapshot.lines = [
      line({ lineId: 'L2', state: 'INCIDENT_OPEN' }),
      line({ lineId: 'L1', state: 'INCIDENT_OPEN' }),
    ];
    const decision = decideOrderFacts(STORE, snapshot, {
      version: 0,
      marks: ['state:WAITING_ACCEPTANCE'],
    });
    expect(decision.remember).toEqual({
      version: later(1).getTime(),
      marks: ['incident:L1', 'incident:L2', 'state:SHIPPING', 'state:WAITING_ACCEPTANCE'],
    });
  });

  it('given an order still in SHIPPING after another change (tracking set), does not repeat ready-to-ship', () => {
    const [first, second] = replay([shipping(later(1)), shipping(later(2))]);
    expect(first!.facts.map((f) => f.topic)).toEqual(['orderReadyToShip']);
    expect(second!.facts).toEqual([]);
    expect(second!.remember?.version).toBe(later(2).getTime());
  });

  it('given SHIPPING without an address, emits nothing, says why, and decides again at the next change', () => {
    const bare = order({ state: 'SHIPPING', lastUpdatedAt: later(1) });
    const [missing, fixed] = replay([bare, shipping(later(2))]);
    expect(missing!.facts).toEqual([]);
    expect(missing!.anomaly).toBe('shipping-without-address');
    expect(fixed!.facts.map((f) => f.topic)).toEqual(['orderReadyToShip']);
  });

  it('given a canceled order and a refused one, emits one canceled fact each with its state', () => {
    const canceled = decideOrderFacts(
      STORE,
      order({ orderId: 'C', state: 'CANCELED', lastUpdatedAt: later(1) }),
      undefined,
    );
    const refused = decideOrderFacts(
      STORE,
      order({
        orderId: 'R',
        state: 'REFUSED',
        lines: [line({ state: 'REFUSED', stateReasonCode: '34' })],
      }),
      undefined,
    );
    expect(canceled.facts).toEqual([
      expect.objectContaining({
        topic: 'orderCanceledOnMarketplace',
        idempotencyKey: `mirakl:${STORE}:order:C:CANCELED:${later(1).getTime()}`,
        body: { orderId: 'C', state: 'CANCELED', reason: null },
      }),
    ]);
    expect(refused.facts[0]?.body).toEqual({ orderId: 'R', state: 'REFUSED', reason: '34' });
  });

  it('given two lines in INCIDENT_OPEN, emits one incident fact per line', () => {
    const snapshot = shipping(later(1));
    snapshot.lines = [
      line({
        lineId: 'L1',
        state: 'INCIDENT_OPEN',
        stateReasonCode: 'DAMAGED',
        stateReasonLabel: 'Damaged',
      }),
      line({ lineId: 'L2', state: 'INCIDENT_OPEN', sku: 'SKU-2', quantity: 1 }),
    ];
    const { facts } = decideOrderFacts(STORE, snapshot, { version: 0, marks: ['state:SHIPPING'] });
    expect(facts).toEqual([
      {
        topic: 'incidentOpened',
        idempotencyKey: `mirakl:${STORE}:order:O1-A:line:L1:INCIDENT_OPEN:${later(1).getTime()}`,
        occurredAt: later(1),
        body: {
          orderId: 'O1-A',
          orderLineId: 'L1',
          offerSku: 'SKU-1',
          quantity: 2,
          reasonCode: 'DAMAGED',
          reasonLabel: 'Damaged',
        },
      },
      expect.objectContaining({
        topic: 'incidentOpened',
        body: expect.objectContaining({ orderLineId: 'L2' }),
      }),
    ]);
  });

  it('given an incident still open at the next change, does not repeat it; closed and reopened, reports it again', () => {
    const open = (at: number) => {
      const s = shipping(later(at));
      s.lines = [line({ lineId: 'L1', state: 'INCIDENT_OPEN' })];
      return s;
    };
    const closed = shipping(later(3));
    const decisions = replay([open(1), open(2), closed, open(4)]);
    expect(decisions.map((d) => d.facts.map((f) => f.topic))).toEqual([
      ['orderReadyToShip', 'incidentOpened'],
      [],
      [],
      ['incidentOpened'],
    ]);
    expect(decisions[3]!.facts[0]!.idempotencyKey).toContain(
      `:INCIDENT_OPEN:${later(4).getTime()}`,
    );
  });

  it('given states that need no action (payment, shipped, unknown), emits nothing but remembers the version', () => {
    for (const state of ['WAITING_DEBIT_PAYMENT', 'SHIPPED', 'SOMETHING_NEW']) {
      const decision = decideOrderFacts(STORE, order({ state }), undefined);
      expect(decision.facts).toEqual([]);
      expect(decision.remember).toEqual({ version: T0.getTime(), marks: [] });
    }
  });

  it('is deterministic: the same snapshot and seen entry give the same keys (safe to re-run after a crash)', () => {
    const seen: SeenItem = { version: 0, marks: [] };
    const a = decideOrderFacts(STORE, shipping(later(9)), seen);
    const b = decideOrderFacts(STORE, shipping(later(9)), seen);
    expect(a.facts.map((f) => f.idempotencyKey)).toEqual(b.facts.map((f) => f.idempotencyKey));
  });

  it('ships only lines that were not refused, canceled or refunded', () => {
    const snapshot = shipping(later(1));
    snapshot.lines = [
      line({ lineId: 'L1', state: 'SHIPPING' }),
      line({ lineId: 'L2', state: 'REFUSED' }),
      line({ lineId: 'L3', state: 'CANCELED' }),
      line({ lineId: 'L4', state: 'REFUNDED' }),
    ];
    const [fact] = decideOrderFacts(STORE, snapshot, undefined).facts;
    expect(fact?.topic === 'orderReadyToShip' && fact.body.lines.map((l) => l.orderLineId)).toEqual(
      ['L1'],
    );
  });
});
