import { describe, expect, it } from '@jest/globals';
import { openApiProblems, useSimulator, validOrder } from './test-support/harness.js';

describe('ShipBob simulator fidelity', () => {
  const t = useSimulator({ rateLimit: { limit: 40, windowMs: 60_000 } });
  const createOrder = (version: string, body: unknown) =>
    t.json<Record<string, string[]>>(`/${version}/order`, {
      method: 'POST',
      channel: t.channelId,
      body: JSON.stringify(body),
    });

  it('2026-01 order create needs `type` and answers 400 field → messages', async () => {
    const { type: _type, ...withoutType } = validOrder('NO-TYPE');
    const rejected = await createOrder('2026-01', withoutType);
    expect(rejected.status).toBe(400);
    expect(rejected.body).toEqual({ type: [expect.stringContaining('required')] });
    // 2025-07 makes it optional (DTC by default).
    expect((await createOrder('2025-07', withoutType)).status).toBe(201);
  });

  it('2026-01 order create needs a name on every reference_id line', async () => {
    const body = validOrder('NO-NAME');
    const rejected = await createOrder('2026-01', {
      ...body,
      products: [{ reference_id: 'SKU-1', quantity: 1 }],
    });
    expect(rejected.status).toBe(400);
    expect(Object.keys(rejected.body)).toEqual(['products[0].name']);
  });

  it('2026-01 order create refuses a sales_channel outside the documented enum', async () => {
    const rejected = await createOrder('2026-01', {
      ...validOrder('BAD-CHANNEL'),
      sales_channel: 'Mirakl',
    });
    expect(rejected.status).toBe(400);
    expect(Object.keys(rejected.body)).toEqual(['sales_channel']);
    const accepted = await createOrder('2026-01', {
      ...validOrder('GOOD-CHANNEL'),
      sales_channel: 'walmart',
    });
    expect(accepted.status).toBe(201);
    // 2025-07 takes any string of up to 100 characters.
    expect(
      (await createOrder('2025-07', { ...validOrder('FREE-CHANNEL'), sales_channel: 'Mirakl' }))
        .status,
    ).toBe(201);
  });

  it.each(['2025-07', '2026-01'])(
    '%s return create needs requested_action on every item (400 ProblemDetails)',
    async (version) => {
      const rejected = await t.json<Record<string, unknown>>(`/${version}/return`, {
        method: 'POST',
        channel: t.channelId,
        body: JSON.stringify({
          reference_id: `RMA-${version}`,
          fulfillment_center: { id: 1 },
          inventory: [{ id: t.inventoryId, quantity: 1 }],
        }),
      });
      expect(rejected.status).toBe(400);
      expect(rejected.body).toMatchObject({
        status: 400,
        errors: { 'inventory[0].requested_action': [expect.any(String)] },
      });
    },
  );

  it('answers 400s on list endpoints in the shape each endpoint documents', async () => {
    const orders = await t.json<Record<string, unknown>>('/2025-07/order?Limit=999');
    expect(orders.status).toBe(400);
    expect(orders.body).toEqual({ Limit: [expect.any(String)] });
    const products = await t.json<Record<string, unknown>>('/2026-01/product?PageSize=0');
    expect(products.status).toBe(400);
    expect(products.body).toEqual({ PageSize: [expect.any(String)] });
    const channels = await t.json<Record<string, unknown>>('/2025-07/channel?Cursor=garbage');
    expect(channels.status).toBe(400);
    expect(channels.body).toEqual({ Cursor: [expect.any(String)] });
    const inventory = await t.json<Record<string, unknown>>('/2025-07/inventory-level?PageSize=0');
    expect([inventory.body['status'], typeof inventory.body['title']]).toEqual([400, 'string']);
    const returns = await t.json<Record<string, unknown>>('/2026-01/return?StartDate=yesterday');
    expect([returns.body['status'], typeof returns.body['title']]).toEqual([400, 'string']);
  });

  it('answers a 429 with ShipBob’s {statusCode, message} body', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 41 && !limited; i++) {
      const response = await t.api('/2025-07/fulfillment-center', { offSpec: true });
      if (response.status === 429) limited = response;
      else await response.arrayBuffer();
    }
    expect(limited?.status).toBe(429);
    const retryAfter = limited!.headers.get('x-retry-after');
    expect(await limited!.json()).toEqual({
      statusCode: 429,
      message: `Rate limit is exceeded. Try again in ${retryAfter} seconds.`,
    });
  });

  it('reads `%2C`-encoded comma lists as one value, like ShipBob', async () => {
    for (const ref of ['A', 'B'])
      expect((await createOrder('2025-07', validOrder(ref))).status).toBe(201);
    const plain = await t.json<unknown[]>('/2025-07/order?ReferenceIds=A,B');
    expect(plain.body).toHaveLength(2);
    const encoded = await t.json<unknown[]>('/2025-07/order?ReferenceIds=A%2CB');
    expect(encoded.body).toEqual([]);
    const operator = await t.json<{ items: unknown[] }>('/2025-07/product?SKU=any:SKU-1,SKU-9');
    expect(operator.body.items).toHaveLength(1);
    const encodedOperator = await t.json<{ items: unknown[] }>('/2025-07/product?SKU=any%3ASKU-1');
    expect(encodedOperator.body.items).toEqual([]);
  });

  it('gives an unlabeled shipment `tracking: null`', async () => {
    const created = await t.json<{ shipments: Record<string, unknown>[] }>('/2025-07/order', {
      method: 'POST',
      channel: t.channelId,
      body: JSON.stringify(validOrder('UNLABELED')),
    });
    expect(created.body.shipments[0]).toHaveProperty('tracking', null);
  });

  it('never reports negative fulfillable when stock drops below what is committed', async () => {
    expect((await createOrder('2025-07', validOrder('COMMIT', 'SKU-1', 3))).status).toBe(201);
    await t.control('PUT', `/inventory/${t.inventoryId}/stock`, {
      fulfillmentCenterId: 1,
      onHand: 1,
    });
    const level = await t.json<{ items: Record<string, number>[] }>(
      `/2025-07/inventory-level?InventoryIds=${t.inventoryId}`,
    );
    expect(level.body.items[0]).toMatchObject({
      total_on_hand_quantity: 1,
      total_committed_quantity: 3,
      total_fulfillable_quantity: 0,
    });
    const locations = await t.json<{ items: { locations: { fulfillable_quantity: number }[] }[] }>(
      `/2025-07/inventory-level/locations?InventoryIds=${t.inventoryId}`,
    );
    expect(locations.body.items[0]!.locations[0]!.fulfillable_quantity).toBe(0);
  });

  it('every answer above validates against ShipBob’s OpenAPI documents', () => {
    expect(t.exchanges.length).toBeGreaterThan(20);
    expect(openApiProblems(t.exchanges)).toEqual([]);
  });
});
