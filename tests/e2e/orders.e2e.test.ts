import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@msync/test-support';
import {
  flowReadings,
  startOrdersFlow,
  type OrdersFlow,
  type Shop,
} from './support/orders-flow.js';

// The orders flow as a seller lives it: two stores connected through config-api's HTTP API, the
// five services of the flow running from their builds on real Kafka, registry and FerretDB, and
// both vendor simulators. Orders appear in Mirakl; the system accepts them, creates each once in
// ShipBob, and (store A only) ships them in Mirakl with the label's tracking.

const ORDERS_PER_STORE = 20;

let flow: OrdersFlow;
let shopA: Shop;
let shopB: Shop;
let read: ReturnType<typeof flowReadings>;
beforeAll(async () => {
  flow = await startOrdersFlow({ name: 'orders_e2e', path: process.env['PATH'] ?? '' });
  read = flowReadings(flow);
  shopA = flow.addShop('A');
  shopB = flow.addShop('B');
});

afterAll(async () => {
  await flow?.close();
});

describe('the orders flow across the services', () => {
  it('accepts, creates once in ShipBob and ships with tracking for A; B is accepted and created but gets no tracking', async () => {
    await flow.connectStore(shopA, { orders: true, tracking: true });
    await flow.connectStore(shopB, { orders: true, tracking: false });
    flow.createOrders(shopA, ORDERS_PER_STORE);
    flow.createOrders(shopB, ORDERS_PER_STORE);

    // The scheduler's first poll of a newly connected store is immediate, without the driver.
    await eventually(
      () => read.miraklCalls(shopA, 'OR11') > 0 && read.miraklCalls(shopB, 'OR11') > 0,
      "the scheduler's first poll of both stores reaching Mirakl",
      30_000,
    );

    flow.drivePolls([shopA, shopB], 2_000);

    await eventually(
      () => read.shippedWithTracking(shopA, shopA.orderIds),
      `all ${ORDERS_PER_STORE} orders of A SHIPPED in Mirakl with their tracking`,
      120_000,
    );
    await eventually(
      () =>
        shopB.orderIds.every((id) => read.shipbobOrder(id)?.shipments[0]?.tracking) &&
        read.outcomesOf(shopB, 'tracking', 'SKIPPED').length >= ORDERS_PER_STORE,
      "B's orders created and labeled in ShipBob, their tracking SKIPPED",
      60_000,
    );

    for (const id of [...shopA.orderIds, ...shopB.orderIds])
      expect(read.shipbobCreates(id)).toBe(1);
    const accepted = (shop: Shop) =>
      read
        .miraklOrders(shop)
        .filter((o) => shop.orderIds.includes(o.orderId) && o.acceptedLines.length === 2).length;
    expect([accepted(shopA), accepted(shopB)]).toEqual([ORDERS_PER_STORE, ORDERS_PER_STORE]);
    expect(read.miraklOrders(shopB).map((o) => o.state)).toEqual(
      Array<string>(ORDERS_PER_STORE).fill('SHIPPING'),
    );
    expect([read.miraklCalls(shopB, 'OR23'), read.miraklCalls(shopB, 'OR24')]).toEqual([0, 0]);
    expect([read.miraklCalls(shopA, 'OR23'), read.miraklCalls(shopA, 'OR24')]).toEqual([
      ORDERS_PER_STORE,
      ORDERS_PER_STORE,
    ]);
    expect(new Set(read.outcomesOf(shopB, 'tracking', 'SKIPPED').map((o) => o.reason))).toEqual(
      new Set(['flow-disabled']),
    );
    expect(flow.outcomes.filter((o) => o.outcome === 'FAILED')).toEqual([]);
  });

  it('makes no call for a disconnected store while polls keep coming, and on reconnect processes its new orders once', async () => {
    const disconnected = await flow.api('POST', `/v1/stores/${shopA.storeId}/disconnect`);
    expect([disconnected.status, disconnected.body['status']]).toEqual([200, 'DISCONNECTED']);
    const notConnected = (service: 'mirakl-poller' | 'shipbob-poller', stream: string) =>
      flow.service(service).metric('poll_requests_total', {
        stream,
        outcome: 'store-not-connected',
      });
    // Both pollers have seen the disconnection once they answer a request for A without calling.
    await eventually(
      async () =>
        (await notConnected('mirakl-poller', 'orders')) > 0 &&
        (await notConnected('shipbob-poller', 'shipments')) > 0,
      'both pollers turning down a request for the disconnected store',
    );
    const before = { mirakl: read.miraklCalls(shopA), shipbob: read.shipbobCalls(shopA) };
    const refusedBefore = {
      mirakl: await notConnected('mirakl-poller', 'orders'),
      shipbob: await notConnected('shipbob-poller', 'shipments'),
    };
    const late = flow.createOrders(shopA, 5);

    // Five more rounds of poll requests for A, each answered by both pollers without a call.
    const POLLS = 5;
    await eventually(
      async () =>
        (await notConnected('mirakl-poller', 'orders')) >= refusedBefore.mirakl + POLLS &&
        (await notConnected('shipbob-poller', 'shipments')) >= refusedBefore.shipbob + POLLS,
      `${POLLS} more poll requests for A answered by both pollers`,
      60_000,
    );
    expect({ mirakl: read.miraklCalls(shopA), shipbob: read.shipbobCalls(shopA) }).toEqual(before);
    expect(late.map((id) => read.miraklOrders(shopA).find((o) => o.orderId === id)?.state)).toEqual(
      Array<string>(5).fill('WAITING_ACCEPTANCE'),
    );

    const reconnected = await flow.api('POST', `/v1/stores/${shopA.storeId}/connect`);
    expect([reconnected.status, reconnected.body['status']]).toEqual([200, 'CONNECTED']);
    await eventually(
      () => read.shippedWithTracking(shopA, late),
      'the 5 orders created while A was disconnected SHIPPED with tracking',
      90_000,
    );
    for (const id of shopA.orderIds) expect(read.shipbobCreates(id)).toBe(1);
    expect(
      flow.shipbob.control.world.orders.filter((o) => o.referenceId.startsWith('A-')),
    ).toHaveLength(ORDERS_PER_STORE + 5);
    expect([read.miraklCalls(shopA, 'OR21'), read.miraklCalls(shopA, 'OR24')]).toEqual([
      ORDERS_PER_STORE + 5,
      ORDERS_PER_STORE + 5,
    ]);
    expect(flow.outcomes.filter((o) => o.outcome === 'FAILED')).toEqual([]);
  });
});
