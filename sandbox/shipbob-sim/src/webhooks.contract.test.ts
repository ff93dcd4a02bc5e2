import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { eventually, openApiProblems, useSimulator, validOrder } from './test-support/harness.js';

interface Received {
  headers: Record<string, string>;
  body: string;
}

const SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;

/** Standard Webhooks, as ShipBob's docs describe it: HMAC-SHA256 over `id.timestamp.body`. */
function expectedSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

describe('ShipBob simulator webhooks', () => {
  const t = useSimulator({ webhooks: { deliver: true, retryDelaysMs: [20, 20] } });
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];
  /** Statuses the receiver answers with, in order; 204 once used up. */
  const answers: number[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(answers.shift() ?? 204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });
  beforeEach(() => {
    received.length = 0;
    answers.length = 0;
  });

  const subscribe = (version: string, topics: string[], secret: string | undefined = SECRET) =>
    t.json<Record<string, unknown>>(`/${version}/webhook`, {
      method: 'POST',
      body: JSON.stringify({ topics, url: receiverUrl, description: 'sync', secret }),
    });
  const createOrder = async (ref: string) =>
    (
      await t.json<{ id: number; shipments: { id: number }[] }>('/2026-01/order', {
        method: 'POST',
        channel: t.channelId,
        body: JSON.stringify(validOrder(ref)),
      })
    ).body;
  const deliveries = () =>
    t.control('GET', '/webhooks/deliveries') as Promise<
      {
        topic: string;
        outcome: string;
        webhookId: string;
        attempt: number;
        subscriptionId: string;
        fault?: string;
      }[]
    >;

  it.each(['2025-07', '2026-01'])('%s creates, lists and deletes subscriptions', async (v) => {
    const created = await subscribe(v, ['order.shipped', 'return.created']);
    expect(created.status).toBe(200);
    expect(typeof created.body['id']).toBe('string');
    expect(created.body).toMatchObject({
      secret: SECRET,
      topics: ['order.shipped', 'return.created'],
      url: receiverUrl,
    });
    const generated = await subscribe(v, ['order.shipped'], undefined);
    expect(generated.body['secret']).toMatch(/^whsec_[a-zA-Z0-9+/]{32}$/);

    const listed = await t.json<{ items: { id: string; enabled: boolean }[] }>(`/${v}/webhook`);
    expect(listed.body.items.map((w) => w.id).sort()).toEqual(
      [created.body['id'], generated.body['id']].sort(),
    );
    expect(listed.body.items.every((w) => w.enabled && !('secret' in w))).toBe(true);

    const deleted = await t.api(`/${v}/webhook/${String(created.body['id'])}`, {
      method: 'DELETE',
    });
    expect(deleted.status).toBe(204);
    const after = await t.json<{ items: { id: string }[] }>(`/${v}/webhook?RecordsPerPage=1`);
    expect(after.body.items.map((w) => w.id)).toEqual([generated.body['id']]);
  });

  it('refuses topics of another version, and URLs that are not absolute http(s) (422)', async () => {
    expect((await subscribe('2025-07', ['billing.charge.created'])).status).toBe(422);
    expect((await subscribe('2026-01', ['billing.charge.created'])).status).toBe(200);
    const badUrl = await t.json<Record<string, unknown>>('/2026-01/webhook', {
      method: 'POST',
      body: JSON.stringify({ topics: ['order.shipped'], url: 'not a url' }),
    });
    expect(badUrl.status).toBe(422);
    expect(badUrl.body).toMatchObject({ status_code: 422 });
  });

  it('delivers signed events when orders and returns change', async () => {
    await subscribe('2026-01', [
      'order.shipped',
      'order.shipment.cancelled',
      'return.created',
      'return.completed',
    ]);
    const order = await createOrder('HOOK-1');
    await t.control('POST', `/shipments/${order.shipments[0]!.id}/label`, {
      trackingNumber: 'TN-HOOK',
    });
    await eventually(() => received.length === 1, 'order.shipped delivered');
    const shipped = received[0]!;
    expect(shipped.headers['x-webhook-topic']).toBe('order.shipped');
    expect(shipped.headers['content-type']).toContain('application/json');
    const [version, signature] = shipped.headers['webhook-signature']!.split(',');
    expect(version).toBe('v1');
    expect(signature).toBe(
      expectedSignature(
        SECRET,
        shipped.headers['webhook-id']!,
        shipped.headers['webhook-timestamp']!,
        shipped.body,
      ),
    );
    expect(Math.abs(Number(shipped.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(
      60,
    );
    expect(JSON.parse(shipped.body)).toMatchObject({
      id: order.id,
      shipments: [{ tracking: { tracking_number: 'TN-HOOK' } }],
    });

    const cancelled = await createOrder('HOOK-2');
    await t.api(`/2026-01/order/${cancelled.id}:cancel`, { method: 'POST', channel: t.channelId });
    await eventually(() => received.length === 2, 'order.shipment.cancelled delivered');
    expect(received[1]!.headers['x-webhook-topic']).toBe('order.shipment.cancelled');
    expect(JSON.parse(received[1]!.body)).toMatchObject({
      id: cancelled.shipments[0]!.id,
      status: 'Cancelled',
    });

    const ret = await t.json<{ id: number }>('/2026-01/return', {
      method: 'POST',
      channel: t.channelId,
      body: JSON.stringify({
        reference_id: 'RMA-HOOK',
        fulfillment_center: { id: 1 },
        inventory: [{ id: t.inventoryId, quantity: 1, requested_action: 'Restock' }],
      }),
    });
    await t.control('POST', `/returns/${ret.body.id}/complete`);
    await eventually(() => received.length === 4, 'return events delivered');
    expect(received.slice(2).map((r) => r.headers['x-webhook-topic'])).toEqual([
      'return.created',
      'return.completed',
    ]);
    expect(JSON.parse(received[3]!.body)).toMatchObject({ id: ret.body.id, status: 'Completed' });
    // The receiver sees a request before the simulator journals its answer.
    await eventually(async () => (await deliveries()).length === 4, 'four journal entries');
    expect((await deliveries()).map((d) => [d.topic, d.outcome])).toEqual([
      ['order.shipped', 'delivered'],
      ['order.shipment.cancelled', 'delivered'],
      ['return.created', 'delivered'],
      ['return.completed', 'delivered'],
    ]);
  });

  it('reports a shipment in exception and a delivered shipment with the shipment as body', async () => {
    await subscribe('2025-07', ['order.shipment.exception', 'order.shipment.delivered']);
    const stuck = (
      await t.json<{ shipments: { id: number }[] }>('/2025-07/order', {
        method: 'POST',
        channel: t.channelId,
        body: JSON.stringify(validOrder('TOO-MANY', 'SKU-1', 50)),
      })
    ).body;
    await eventually(() => received.length === 1, 'order.shipment.exception delivered');
    expect(received[0]!.headers['x-webhook-topic']).toBe('order.shipment.exception');
    expect(JSON.parse(received[0]!.body)).toMatchObject({
      id: stuck.shipments[0]!.id,
      status: 'Exception',
      status_details: [{ name: 'OutOfStock' }],
    });

    const order = await createOrder('DELIVER-1');
    const shipmentId = order.shipments[0]!.id;
    await t.control('POST', `/shipments/${shipmentId}/ship`);
    await t.control('POST', `/shipments/${shipmentId}/deliver`);
    await eventually(() => received.length === 2, 'order.shipment.delivered delivered');
    expect(received[1]!.headers['x-webhook-topic']).toBe('order.shipment.delivered');
    expect(JSON.parse(received[1]!.body)).toMatchObject({
      id: shipmentId,
      status: 'Completed',
      status_details: [{ name: 'Delivered' }],
      delivery_date: expect.stringMatching(/^\d{4}-/) as unknown,
    });
  });

  it('retries a failed delivery with the same webhook-id and records every attempt', async () => {
    await subscribe('2025-07', ['order.shipped']);
    answers.push(500, 503);
    const order = await createOrder('RETRY-1');
    await t.control('POST', `/shipments/${order.shipments[0]!.id}/label`);
    await eventually(() => received.length === 3, 'third attempt');
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    await eventually(async () => (await deliveries()).length === 3, 'three journal entries');
    const journal = await deliveries();
    expect(journal.map((d) => [d.attempt, d.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'delivered'],
    ]);
  });

  it('can switch delivery off; suppressed events are journaled, not sent', async () => {
    await subscribe('2026-01', ['order.shipped']);
    await t.control('PUT', '/webhooks/delivery', { enabled: false });
    const quiet = await createOrder('QUIET');
    await t.control('POST', `/shipments/${quiet.shipments[0]!.id}/label`);
    expect((await deliveries()).map((d) => d.outcome)).toEqual(['suppressed']);

    await t.control('PUT', '/webhooks/delivery', { enabled: true });
    const loud = await createOrder('LOUD');
    await t.control('POST', `/shipments/${loud.shipments[0]!.id}/label`);
    await eventually(() => received.length >= 1, 'delivery after switching on');
    expect(received.map((r) => (JSON.parse(r.body) as { id: number }).id)).toEqual([loud.id]);
  });

  describe('delivery faults', () => {
    const label = async (ref: string) => {
      const order = await createOrder(ref);
      await t.control('POST', `/shipments/${order.shipments[0]!.id}/label`);
      return order;
    };
    const orderIdOf = (r: Received) => (JSON.parse(r.body) as { id: number }).id;

    it('duplicate: each first attempt is sent twice at once with the same webhook-id', async () => {
      await subscribe('2026-01', ['order.shipped']);
      expect(await t.control('PUT', '/webhooks/faults', { duplicate: true })).toMatchObject({
        duplicate: true,
        badSignature: false,
      });
      await label('DUP-1');
      await eventually(() => received.length === 2, 'both copies');
      expect(received[0]!.headers['webhook-id']).toBe(received[1]!.headers['webhook-id']);
      expect(received[0]!.body).toBe(received[1]!.body);
      await eventually(async () => (await deliveries()).length === 2, 'two journal entries');
      expect((await deliveries()).map((d) => d.fault ?? 'none').sort()).toEqual([
        'duplicate',
        'none',
      ]);
    });

    it('reorder window: events of one window arrive newest first', async () => {
      await subscribe('2026-01', ['order.shipped']);
      // Wide enough for both labels to land in one window on a loaded machine (150 ms was not).
      await t.control('PUT', '/webhooks/faults', { reorderWindowMs: 2_000 });
      const first = await label('ORDER-A');
      const second = await label('ORDER-B');
      await eventually(() => received.length === 2, 'both events');
      expect(received.map(orderIdOf)).toEqual([second.id, first.id]);
    });

    it('bad signature: the signature does not verify with the subscription secret', async () => {
      await subscribe('2026-01', ['order.shipped']);
      await t.control('PUT', '/webhooks/faults', { badSignature: true });
      await label('BADSIG');
      await eventually(() => received.length === 1, 'delivery');
      const [r] = received;
      expect(r!.headers['webhook-signature']!.slice(3)).not.toBe(
        expectedSignature(
          SECRET,
          r!.headers['webhook-id']!,
          r!.headers['webhook-timestamp']!,
          r!.body,
        ),
      );
      await eventually(async () => (await deliveries()).length === 1, 'journal entry');
      expect((await deliveries())[0]).toMatchObject({ fault: 'bad-signature' });
    });

    it('refuses an unknown switch or a wrong type (400)', async () => {
      for (const bad of [{ duplicates: true }, { reorderWindowMs: -1 }, { badSignature: 'yes' }]) {
        const response = await fetch(`${t.sim.url}/_sim/webhooks/faults`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(bad),
        });
        expect(response.status).toBe(400);
      }
    });

    it('a subscription whose retries are exhausted is disabled and sent nothing more', async () => {
      const failing = await subscribe('2026-01', ['order.shipped']);
      answers.push(500, 500, 500);
      await label('EXHAUST-1');
      await eventually(async () => (await deliveries()).length === 3, 'three attempts');
      const listed = await t.json<{ items: { enabled: boolean }[] }>('/2026-01/webhook');
      expect(listed.body.items[0]?.enabled).toBe(false);

      // A healthy subscription is sent the next event at the same moment the disabled one would be.
      const healthy = await subscribe('2026-01', ['order.shipped']);
      await label('EXHAUST-2');
      await eventually(
        async () => (await deliveries()).some((d) => d.subscriptionId === healthy.body['id']),
        'the healthy subscription served',
      );
      const perSubscription = (await deliveries()).map((d) => d.subscriptionId);
      expect(perSubscription.filter((id) => id === failing.body['id'])).toHaveLength(3);
    });

    it('control: a disabled or lost subscription gets nothing', async () => {
      const disabled = await subscribe('2026-01', ['order.shipped']);
      const lost = await subscribe('2026-01', ['order.shipped']);
      await t.control('POST', `/webhooks/subscriptions/${String(disabled.body['id'])}/disable`);
      await t.control('DELETE', `/webhooks/subscriptions/${String(lost.body['id'])}`);
      const listed = await t.json<{ items: { id: string; enabled: boolean }[] }>(
        '/2026-01/webhook',
      );
      expect(listed.body.items).toEqual([
        expect.objectContaining({ id: disabled.body['id'], enabled: false }),
      ]);
      const live = await subscribe('2026-01', ['order.shipped']);
      await label('AFTER-DISABLE');
      await eventually(async () => (await deliveries()).length === 1, 'one delivery');
      expect((await deliveries()).map((d) => d.subscriptionId)).toEqual([live.body['id']]);
    });
  });

  it('every answer above validates against ShipBob’s OpenAPI documents', () => {
    expect(t.exchanges.length).toBeGreaterThan(15);
    expect(openApiProblems(t.exchanges)).toEqual([]);
  });
});
