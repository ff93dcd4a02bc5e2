import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, withContext } from '@msync/test-support';
import { freePort } from '@msync/infra';
import {
  flowReadings,
  startOrdersFlow,
  type OrdersFlow,
  type Shop,
} from './support/orders-flow.js';

// Tracking in seconds through ShipBob's webhooks, across the services: config-api subscribes the
// store (PUBLIC_WEBHOOK_BASE_URL leads to shipbob-poller's receiver), the ShipBob simulator
// delivers signed webhooks when the warehouse ships, and Mirakl gets the tracking without a
// shipments poll. Duplicated, reordered and badly signed deliveries change nothing; a webhook
// ShipBob never sends is caught by the next poll; a receiver down for two minutes loses nothing:
// the simulator's retries and polling deliver every tracking number once.

/** The receiver is down this long in the outage case (the two minutes). */
const OUTAGE_MS = 120_000;
/** The simulator's retry delays: ShipBob's schedule (5 s, 5 min, 30 min, …) made shorter. */
const RETRY_DELAYS_MS = [2_000, 10_000, 30_000, 60_000, 60_000, 60_000];

let flow: OrdersFlow;
let read: ReturnType<typeof flowReadings>;
let shop: Shop;

/** OR23 (tracking) calls Mirakl answered with success, per order of the shop. */
const trackingCalls = (orderId: string) =>
  flow.mirakl.control
    .exchanges()
    .filter(
      (e) =>
        e.caller === String(shop.shopId) &&
        e.operation === 'OR23' &&
        e.status < 300 &&
        e.path.includes(orderId),
    ).length;

const deliveries = () => flow.shipbob.control.webhookDeliveries();
const badlySigned = () =>
  deliveries().filter(
    (d) =>
      d.topic === 'order.shipped' &&
      d.fault === 'bad-signature' &&
      d.outcome === 'failed' &&
      d.status === 401,
  );
const shippedWebhooksFor = (outcome: 'delivered' | 'failed' | 'suppressed') =>
  deliveries().filter((d) => d.topic === 'order.shipped' && d.outcome === outcome);

/** The orders of the shop ShipBob has shipped (so its order.shipped webhook was due). */
const shippedInShipBob = (orderIds: readonly string[]) =>
  orderIds.filter((id) =>
    read.shipbobOrder(id)?.shipments.some((s) => s.status === 'Completed' || s.tracking !== null),
  );

/** New orders, accepted and created by the driven Mirakl polls, then tracked via webhooks. */
async function ordersThroughWebhooks(count: number, what: string): Promise<string[]> {
  const orderIds = flow.createOrders(shop, count);
  await eventually(
    () => read.shippedWithTracking(shop, orderIds),
    `${what}: ${count} orders SHIPPED in Mirakl with their tracking`,
    120_000,
  );
  return orderIds;
}

beforeAll(async () => {
  const webhookPort = await freePort();
  flow = await startOrdersFlow({
    name: 'webhooks_e2e',
    path: process.env['PATH'] ?? '',
    shipbob: {
      // The warehouse labels and ships a second after the order; webhooks on, retried quickly.
      autopilot: { labelAfterMs: 1_000, shipAfterMs: 1_000, deliverAfterMs: null, carrier: 'UPS' },
      webhooks: { deliver: true, retryDelaysMs: RETRY_DELAYS_MS, timeoutMs: 2_000 },
    },
    env: {
      'config-api': { PUBLIC_WEBHOOK_BASE_URL: `http://127.0.0.1:${webhookPort}` },
      'shipbob-poller': { WEBHOOK_PORT: String(webhookPort), WEBHOOK_HOST: '127.0.0.1' },
    },
  });
  read = flowReadings(flow);
  shop = flow.addShop('W');
  // Polled every 15 minutes: after the first poll of a new store, shipments are only polled when
  // this test asks, so a tracking number that reaches Mirakl came through a webhook.
  await flow.connectStore(shop, { orders: true, tracking: true }, { pollIntervalMinutes: 15 });
  await eventually(
    async () => {
      const store = await flow.api('GET', `/v1/stores/${shop.storeId}`);
      return (store.body['tracking'] as { mode?: string } | undefined)?.mode === 'webhooks';
    },
    'the store subscribed to ShipBob webhooks',
    30_000,
  );
  // Mirakl's orders are polled every 2 s; ShipBob's shipments are not.
  flow.drivePolls([shop], 2_000, ['orders']);
}, 180_000);

afterAll(async () => {
  await flow?.close();
}, 120_000);

describe('tracking through ShipBob webhooks across the services', () => {
  it('sends the tracking of each shipped order to Mirakl once, from the webhook, with no shipments poll', async () => {
    const orderIds = await ordersThroughWebhooks(6, 'webhooks on');
    for (const id of orderIds) withContext(id, () => expect(trackingCalls(id)).toBe(1));
    // The simulator records a delivery once the receiver's 200 reached it, which may come after
    // the tracking the webhook carried reached Mirakl.
    await eventually(
      () => shippedWebhooksFor('delivered').length >= orderIds.length,
      'a delivered order.shipped webhook per order',
      30_000,
    );
  }, 180_000);

  it('duplicated and reordered deliveries change nothing: one tracking per order', async () => {
    flow.shipbob.control.setWebhookFaults({ duplicate: true, reorderWindowMs: 1_500 });
    try {
      const orderIds = await ordersThroughWebhooks(6, 'with duplicated and reordered webhooks');
      for (const id of orderIds) withContext(id, () => expect(trackingCalls(id)).toBe(1));
      expect(deliveries().some((d) => d.fault === 'duplicate')).toBe(true);
    } finally {
      flow.shipbob.control.setWebhookFaults({ duplicate: false, reorderWindowMs: 0 });
    }
  }, 180_000);

  it('badly signed deliveries are refused and emit nothing; the retries signed right bring each tracking once', async () => {
    // While the switch is on every attempt is signed with the wrong key: it goes off once each
    // order's webhook was refused, and the simulator's retries deliver them.
    const refusedBefore = badlySigned().length;
    flow.shipbob.control.setWebhookFaults({ badSignature: true });
    try {
      const orderIds = flow.createOrders(shop, 3);
      await eventually(
        () => badlySigned().length >= refusedBefore + orderIds.length,
        "the 3 orders' webhooks refused for their signature (401)",
        120_000,
      );
      expect(read.shippedWithTrackingCount(shop, orderIds)).toBe(0);
      flow.shipbob.control.setWebhookFaults({ badSignature: false });
      await eventually(
        () => read.shippedWithTracking(shop, orderIds),
        'after the retries: 3 orders SHIPPED in Mirakl with their tracking',
        120_000,
      );
      for (const id of orderIds) withContext(id, () => expect(trackingCalls(id)).toBe(1));
    } finally {
      flow.shipbob.control.setWebhookFaults({ badSignature: false });
    }
  }, 300_000);

  it('a webhook ShipBob never sends is caught by the next shipments poll, once', async () => {
    flow.shipbob.control.setWebhookDelivery(false);
    const suppressedBefore = shippedWebhooksFor('suppressed').length;
    const orderIds = flow.createOrders(shop, 3);
    try {
      // Each order shipped in ShipBob and its webhook withheld: only polling can report it now.
      await eventually(
        () =>
          shippedInShipBob(orderIds).length === orderIds.length &&
          shippedWebhooksFor('suppressed').length >= suppressedBefore + orderIds.length,
        'the 3 orders shipped in ShipBob, their webhooks withheld',
        120_000,
      );
      expect(read.shippedWithTrackingCount(shop, orderIds)).toBe(0);
    } finally {
      flow.shipbob.control.setWebhookDelivery(true);
    }
    await flow.requestPolls([shop], ['shipments']);
    await eventually(
      () => read.shippedWithTracking(shop, orderIds),
      'the 3 orders SHIPPED in Mirakl after the poll',
      60_000,
    );
    for (const id of orderIds) withContext(id, () => expect(trackingCalls(id)).toBe(1));
  }, 240_000);

  it('a receiver down for two minutes loses nothing: retries and polling deliver every tracking once', async () => {
    await flow.stop('shipbob-poller');
    const failedBefore = shippedWebhooksFor('failed').length;
    const downSince = Date.now();
    const orderIds = flow.createOrders(shop, 4);
    await eventually(
      () => shippedWebhooksFor('failed').length >= failedBefore + orderIds.length,
      "the 4 orders' webhooks failing against the stopped receiver",
      90_000,
    );
    expect(read.shippedWithTrackingCount(shop, orderIds)).toBe(0);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, downSince + OUTAGE_MS - Date.now())),
    );
    await flow.start('shipbob-poller');
    const restartedAt = Date.now();
    // Both paths at once: the simulator's next retries, and a poll right after the restart.
    await flow.requestPolls([shop], ['shipments']);
    await eventually(
      () => read.shippedWithTracking(shop, orderIds),
      'the 4 orders SHIPPED in Mirakl after the receiver came back',
      120_000,
    ).catch((error: unknown) => {
      process.stderr.write(
        `shipbob-poller output:\n${flow.logs('shipbob-poller').slice(-20_000)}\n`,
      );
      throw error;
    });
    for (const id of orderIds) withContext(id, () => expect(trackingCalls(id)).toBe(1));
    // The retries went on after the restart and reached the receiver.
    await eventually(
      () =>
        deliveries().some(
          (d) =>
            d.topic === 'order.shipped' &&
            d.outcome === 'delivered' &&
            d.attempt > 1 &&
            d.at >= restartedAt,
        ),
      'a retried delivery accepted after the outage',
      90_000,
    );
    for (const id of orderIds) withContext(id, () => expect(trackingCalls(id)).toBe(1));
  }, 420_000);

  it('made one ShipBob order and one tracking per Mirakl order in the whole run', () => {
    for (const id of shop.orderIds) {
      withContext(id, () => {
        expect(read.shipbobCreates(id)).toBe(1);
        expect(trackingCalls(id)).toBe(1);
      });
    }
  });
});
