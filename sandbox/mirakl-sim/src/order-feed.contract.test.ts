import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@msync/test-support';
import { startMiraklSimulator, type RunningMiraklSimulator } from './server.js';

// The demo feed: orders appear by themselves and move like any other once accepted.

const FED = { shopId: 2001, apiKey: 'feed-key-2001' };
const QUIET = { shopId: 2002, apiKey: 'feed-key-2002' };
let sim: RunningMiraklSimulator;

beforeAll(async () => {
  sim = await startMiraklSimulator({
    port: 0,
    shops: [FED, QUIET],
    paymentDelayMs: 200,
    orderFeed: { everyMs: 100, skus: ['DEMO-SKU-1', 'DEMO-SKU-2'], shopIds: [FED.shopId] },
  });
});

afterAll(async () => {
  await sim.close();
});

const orders = (shopId: number) => sim.control.snapshot(shopId).orders;

const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: FED.apiKey, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
};

describe('the new-order feed', () => {
  it('creates orders awaiting acceptance for the fed shop only, each with the configured SKUs', async () => {
    await eventually(() => orders(FED.shopId).length >= 3, 'three fed orders');
    const fed = orders(FED.shopId);
    expect(new Set(fed.map((o) => o.orderId)).size).toBe(fed.length);
    for (const order of fed.slice(0, 3)) {
      expect(order.state).toBe('WAITING_ACCEPTANCE');
      expect(order.lines.map((l) => l.sku)).toEqual(['DEMO-SKU-1', 'DEMO-SKU-2']);
    }
    expect(orders(QUIET.shopId)).toEqual([]);
  });

  it('lets a fed order be accepted over OR21, then pays it after the payment delay', async () => {
    const [order] = orders(FED.shopId);
    const accepted = await call('PUT', `/api/orders/${order!.orderId}/accept`, {
      order_lines: order!.lines.map((l) => ({ id: l.lineId, accepted: true })),
    });
    expect(accepted.status).toBe(204);
    await eventually(async () => {
      const listed = await call('GET', `/api/orders?order_ids=${order!.orderId}`);
      const [seen] = (listed.body as { orders: { order_state: string }[] }).orders;
      return seen?.order_state === 'SHIPPING';
    }, 'the accepted order in SHIPPING');
  });
});
