import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { recordingFetch, type RecordedExchange } from '@msync/test-support';
import { openApiProblems } from './test-support/harness.js';
import { startShipBobSimulator, type RunningShipBobSimulator } from './server.js';

const PAT = 'sim-test-pat';
// Statuses the simulator sends on purpose that ShipBob's documents do not declare.
const UNDECLARED_ALLOWED = [429, 503];

describe('ShipBob simulator over HTTP', () => {
  let sim: RunningShipBobSimulator;
  let channelId: number;
  let readOnlyChannelId: number;
  const exchanges: RecordedExchange[] = [];
  const recorded = recordingFetch(exchanges);

  /** A vendor API call; `offSpec` marks calls that probe behaviour outside the documents. */
  const api = (
    path: string,
    init: RequestInit & { channel?: number; token?: string; offSpec?: boolean } = {},
  ) =>
    (init.offSpec ? fetch : recorded)(`${sim.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${init.token ?? PAT}`,
        'content-type': 'application/json',
        ...(init.channel === undefined ? {} : { shipbob_channel_id: String(init.channel) }),
      },
    });
  const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${sim.url}/_sim${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    const text = await response.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  const order = (referenceId: string, sku = 'SKU-1') => ({
    reference_id: referenceId,
    type: 'DTC',
    shipping_method: 'Standard',
    recipient: {
      name: 'Ada',
      address: { address1: '1 Main St', city: 'Springfield', country: 'US' },
    },
    products: [{ reference_id: sku, name: 'Thing', quantity: 2 }],
  });

  beforeAll(async () => {
    // A clock that stands still: the budget window cannot slide while a slow machine sends the
    // requests of one test (each test starts from a reset simulator).
    const frozen = new Date('2026-03-02T09:00:00.000Z');
    sim = await startShipBobSimulator({
      port: 0,
      rateLimit: { limit: 30, windowMs: 1_000 },
      now: () => new Date(frozen),
    });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    await control('POST', '/reset');
    const merchant = (await control('POST', '/merchants', {
      pats: [PAT],
      withOtherChannel: true,
    })) as {
      id: number;
      patChannelId: number;
      channels: { id: number }[];
    };
    channelId = merchant.patChannelId;
    readOnlyChannelId = merchant.channels.find((c) => c.id !== channelId)!.id;
    await control('POST', `/merchants/${merchant.id}/products`, { sku: 'SKU-1', stock: { 1: 3 } });
  });

  it('answers 401 without a body to a missing or unknown token', async () => {
    const missing = await fetch(`${sim.url}/2025-07/channel`);
    const unknown = await api('/2025-07/channel', { token: 'nope' });
    expect([missing.status, unknown.status]).toEqual([401, 401]);
    expect(await unknown.text()).toBe('');
  });

  it('requires shipbob_channel_id on writes (400) and refuses a read-only channel (403)', async () => {
    const body = JSON.stringify(order('X-1'));
    expect((await api('/2025-07/order', { method: 'POST', body })).status).toBe(400);
    expect(
      (await api('/2025-07/order', { method: 'POST', body, channel: readOnlyChannelId })).status,
    ).toBe(403);
    expect((await api('/2025-07/order', { method: 'POST', body, channel: 999 })).status).toBe(403);
    expect((await api('/2025-07/order', { method: 'POST', body, channel: channelId })).status).toBe(
      201,
    );
  });

  it('keeps reference ids unique per channel with ShipBob’s 422 body', async () => {
    const body = JSON.stringify(order('DUP-1'));
    expect((await api('/2026-01/order', { method: 'POST', body, channel: channelId })).status).toBe(
      201,
    );
    const duplicate = await api('/2026-01/order', { method: 'POST', body, channel: channelId });
    expect(duplicate.status).toBe(422);
    expect(await duplicate.json()).toEqual({
      '': ['Cannot insert order with existing ReferenceId'],
    });
  });

  it('counts orders created and refused duplicates per reference id, beyond the journal', async () => {
    const post = (referenceId: string, channel = channelId) =>
      api('/2026-01/order', {
        method: 'POST',
        body: JSON.stringify(order(referenceId)),
        channel,
      });
    for (const status of [201, 422, 422]) expect((await post('COUNT-1')).status).toBe(status);
    expect((await post('COUNT-2')).status).toBe(201);
    // Refused for another reason (a read-only channel): neither created nor a duplicate.
    expect((await post('COUNT-3', readOnlyChannelId)).status).toBe(403);
    await control('DELETE', '/exchanges');

    expect(sim.control.world.orderCreates('COUNT-1')).toEqual({ created: 1, duplicates: 2 });
    expect(await control('GET', '/orders/creates')).toEqual({
      'COUNT-1': { created: 1, duplicates: 2 },
      'COUNT-2': { created: 1, duplicates: 0 },
    });
    expect(await control('GET', '/orders/creates?referenceId=COUNT-3')).toEqual({
      'COUNT-3': { created: 0, duplicates: 0 },
    });
    await control('POST', '/reset');
    expect(sim.control.world.orderCreates('COUNT-1')).toEqual({ created: 0, duplicates: 0 });
  });

  it('routes the literal ":" action paths and moves shipments through their lifecycle', async () => {
    const created = (await (
      await api('/2025-07/order', {
        method: 'POST',
        body: JSON.stringify(order('LIFE-1')),
        channel: channelId,
      })
    ).json()) as {
      id: number;
      shipments: { id: number; status: string }[];
    };
    const shipmentId = created.shipments[0]!.id;
    expect(created.shipments[0]!.status).toBe('Processing');
    expect((await api(`/2025-07/order/${created.id}:cancel`, { offSpec: true })).status).toBe(404); // GET is not routed
    await control('POST', `/shipments/${shipmentId}/label`, {
      carrier: 'FedEx',
      trackingNumber: 'FX1',
    });
    const labeled = (await (await api(`/2025-07/shipment/${shipmentId}`)).json()) as {
      status: string;
      tracking: { tracking_number: string };
    };
    expect(labeled).toMatchObject({
      status: 'LabeledCreated',
      tracking: { tracking_number: 'FX1' },
    });
    const cancel = (await (
      await api(`/2025-07/order/${created.id}:cancel`, { method: 'POST', channel: channelId })
    ).json()) as { status: string };
    expect(cancel.status).toBe('Failure');
    await control('POST', `/shipments/${shipmentId}/ship`);
    const shipped = (await (await api(`/2025-07/order/${created.id}`)).json()) as {
      status: string;
      shipments: { status: string }[];
    };
    expect(shipped).toMatchObject({ status: 'Fulfilled', shipments: [{ status: 'Completed' }] });
    const state = (await control('GET', '/state')) as {
      inventory: { total_on_hand_quantity: number }[];
    };
    expect(state.inventory[0]!.total_on_hand_quantity).toBe(1);
  });

  it('puts an order it cannot allocate in exception and releases it when stock arrives', async () => {
    const created = (await (
      await api('/2025-07/order', {
        method: 'POST',
        body: JSON.stringify({
          ...order('OOS-1'),
          products: [{ reference_id: 'SKU-1', quantity: 5 }],
        }),
        channel: channelId,
      })
    ).json()) as {
      status: string;
      shipments: { status: string; status_details: { name: string }[] }[];
    };
    expect(created).toMatchObject({
      status: 'Exception',
      shipments: [{ status: 'Exception', status_details: [{ name: 'OutOfStock' }] }],
    });
    const inventoryId = sim.control.world.inventory[0]!.id;
    const level = (await (
      await api(`/2025-07/inventory-level?InventoryIds=${inventoryId}`)
    ).json()) as { items: { total_exception_quantity: number }[] };
    expect(level.items[0]!.total_exception_quantity).toBe(5);
    await control('PUT', `/inventory/${inventoryId}/stock`, { fulfillmentCenterId: 2, onHand: 10 });
    const after = (await (await api('/2025-07/order?ReferenceIds=OOS-1')).json()) as {
      status: string;
      shipments: { location: { id: number } }[];
    }[];
    expect(after[0]).toMatchObject({ status: 'Processing', shipments: [{ location: { id: 2 } }] });
  });

  it('lists an inventory item under the SKU the seller renamed it to, and refuses a SKU another variant holds', async () => {
    const inventoryId = sim.control.world.inventory[0]!.id;
    await control('PUT', `/inventory/${inventoryId}/sku`, { sku: 'SKU-1-NEW' });
    const levels = (await (await api('/2025-07/inventory-level')).json()) as {
      items: { inventory_id: number; sku: string }[];
    };
    expect(levels.items.map((l) => [l.inventory_id, l.sku])).toEqual([[inventoryId, 'SKU-1-NEW']]);
    const products = (await (await api('/2025-07/product?SKU=SKU-1-NEW')).json()) as {
      items: { variants: { sku: string }[] }[];
    };
    expect(products.items.map((p) => p.variants[0]!.sku)).toEqual(['SKU-1-NEW']);
    const merchantId = sim.control.world.inventory[0]!.merchantId;
    await control('POST', `/merchants/${merchantId}/products`, { sku: 'SKU-2' });
    const refused = await fetch(`${sim.url}/_sim/inventory/${inventoryId}/sku`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'SKU-2' }),
    });
    expect(refused.status).toBe(422);
  });

  it('pages orders with Page/Limit and the Page-* headers', async () => {
    for (let i = 0; i < 5; i++)
      await api('/2025-07/order', {
        method: 'POST',
        body: JSON.stringify({
          ...order(`PG-${i}`),
          products: [{ reference_id: 'SKU-1', quantity: 1 }],
        }),
        channel: channelId,
      });
    const page = await api('/2025-07/order?Limit=2&Page=2&SortOrder=Oldest');
    expect(page.headers.get('total-pages')).toBe('3');
    expect(page.headers.get('total-count')).toBe('5');
    expect(page.headers.get('next-page')).toContain('Page=3');
    expect(((await page.json()) as { reference_id: string }[]).map((o) => o.reference_id)).toEqual([
      'PG-2',
      'PG-3',
    ]);
  });

  it('moves a return through AwaitingArrival → Arrived → Processing → Completed with the action taken', async () => {
    const inventoryId = sim.control.world.inventory[0]!.id;
    const returnRequest = JSON.stringify({
      reference_id: 'RMA-1',
      fulfillment_center: { id: 1 },
      inventory: [{ id: inventoryId, quantity: 1, requested_action: 'Default' }],
    });
    const create = await api('/2025-07/return', {
      method: 'POST',
      channel: channelId,
      body: returnRequest,
    });
    const created = (await create.json()) as { id: number; status: string };
    expect([create.status, created.status]).toEqual([201, 'AwaitingArrival']);
    await control('POST', `/returns/${created.id}/advance`);
    await control('POST', `/returns/${created.id}/advance`);
    await control('POST', `/returns/${created.id}/complete`, {
      actions: [{ inventoryId, action: 'Dispose', reason: 'Damaged' }],
    });
    const list = (await (
      await api('/2025-07/return?Status=Completed', { channel: channelId })
    ).json()) as {
      items: {
        status: string;
        status_history: { status: string }[];
        inventory: { action_taken: { action: string }[] }[];
      }[];
    };
    expect(list.items[0]!.status_history.map((h) => h.status)).toEqual([
      'AwaitingArrival',
      'Arrived',
      'Processing',
      'Completed',
    ]);
    expect(list.items[0]!.inventory[0]!.action_taken[0]!.action).toBe('Dispose');
    const duplicate = await api('/2025-07/return', {
      method: 'POST',
      channel: channelId,
      body: returnRequest,
    });
    expect(duplicate.status).toBe(422);
  });

  it('limits each token to its budget per sliding window with x-retry-after', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await api('/2025-07/fulfillment-center')).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    const limited = await api('/2025-07/fulfillment-center');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-retry-after')).toBe('1');
    expect(limited.headers.get('x-remaining-calls')).toBe('0');
  });

  it('switches faults on per endpoint through the control API', async () => {
    await control('POST', '/faults', {
      operation: 'GET /channel',
      kind: 'status',
      status: 503,
      times: 1,
    });
    await control('POST', '/faults', {
      operation: 'GET /fulfillment-center',
      kind: 'malformed',
      times: 1,
    });
    expect((await api('/2025-07/channel')).status).toBe(503);
    expect((await api('/2025-07/channel')).status).toBe(200);
    await expect((await api('/2025-07/fulfillment-center')).json()).rejects.toThrow();
    await control('POST', '/faults', { operation: '*', kind: 'drop' });
    await expect(api('/2025-07/channel')).rejects.toThrow();
    await control('DELETE', '/faults');
    expect((await api('/2025-07/channel')).status).toBe(200);
  });

  it('every answer above validates against ShipBob’s OpenAPI documents (requests here may be wrong on purpose)', () => {
    expect(exchanges.length).toBeGreaterThan(40);
    expect(openApiProblems(exchanges, UNDECLARED_ALLOWED)).toEqual([]);
  });
});
