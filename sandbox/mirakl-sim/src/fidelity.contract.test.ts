import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startMiraklSimulator, type RunningMiraklSimulator } from './index.js';
import { miraklDocument, simulatorJournal } from './test-support/openapi.js';

/**
 * Behaviours checked against Mirakl's seller OpenAPI document and
 * docs/reference/mirakl-seller-api.md. Time is a hand-driven clock, so asynchronous imports and
 * exports complete when the test says so, without waiting.
 */

let sim: RunningMiraklSimulator;
let clockMs = Date.parse('2026-03-02T09:00:00.000Z');
const tick = (ms: number): void => {
  clockMs += ms;
};
let nextShop = 500;

function newShop(
  offers: { sku: string; quantity?: number; price?: number; title?: string }[] = [],
): { shopId: number; apiKey: string } {
  const shopId = nextShop++;
  return sim.control.addShop({ shopId, apiKey: `fidelity-key-${shopId}`, offers });
}

async function api(
  apiKey: string,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers = new Headers(init.headers);
  headers.set('Authorization', apiKey);
  const res = await fetch(`${sim.url}${path}`, { ...init, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // CSV and empty answers stay text.
  }
  return { status: res.status, body, headers: res.headers };
}

const putJson = (body: unknown): RequestInit => ({
  method: 'PUT',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

function csvUpload(csv: string, fields: Record<string, string> = {}): RequestInit {
  const form = new FormData();
  form.append('file', new Blob([csv]), 'file.csv');
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return { method: 'POST', body: form };
}

async function offersOf(apiKey: string, query = ''): Promise<Record<string, unknown>[]> {
  const res = await api(apiKey, `/api/offers${query}`);
  expect(res.status).toBe(200);
  return (res.body as { offers: Record<string, unknown>[] }).offers;
}

async function orderOf(apiKey: string, orderId: string): Promise<Record<string, unknown>> {
  const res = await api(apiKey, `/api/orders?order_ids=${orderId}`);
  return (res.body as { orders: Record<string, unknown>[] }).orders[0] ?? {};
}

beforeAll(async () => {
  sim = await startMiraklSimulator({
    now: () => new Date(clockMs),
    importDelayMs: 1_000,
    exportDelayMs: 1_000,
    paymentDelayMs: null,
  });
});

afterAll(async () => {
  await sim.close();
});

describe('OF54: export file prices', () => {
  it('describes each price with origin_price and volume prices from a quantity of one, no context for the default price', async () => {
    const { apiKey } = newShop([{ sku: 'PRICED', quantity: 3, price: 12.5 }]);
    const started = await api(apiKey, '/api/offers/export/async', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ export_type: 'application/json' }),
    });
    const trackingId = (started.body as { tracking_id: string }).tracking_id;
    tick(1_000);
    const status = await api(apiKey, `/api/offers/export/async/status/${trackingId}`);
    const [fileUrl] = (status.body as { urls: string[] }).urls;
    const file = await fetch(fileUrl ?? '', { headers: { Authorization: apiKey } });
    const [item] = (await file.json()) as Record<string, unknown>[];
    expect(item?.['prices']).toEqual([
      { origin_price: 12.5, volume_prices: [{ quantity_threshold: 1, unit_origin_price: 12.5 }] },
    ]);
  });
});

describe('OF52: duplicate export requests', () => {
  it('answers a request like one still being prepared with its tracking id, and a different one with a new id', async () => {
    const { apiKey } = newShop([{ sku: 'DUP', quantity: 1 }]);
    const start = async (body: Record<string, unknown>) =>
      (
        (
          await api(apiKey, '/api/offers/export/async', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ export_type: 'application/json', ...body }),
          })
        ).body as { tracking_id: string }
      ).tracking_id;
    const first = await start({});
    expect(await start({})).toBe(first);
    const differential = await start({ last_request_date: '2026-01-01T00:00:00Z' });
    expect(differential).not.toBe(first);
    tick(1_000);
    await api(apiKey, `/api/offers/export/async/status/${first}`);
    // Once the first export is done, the same request starts a new one.
    expect(await start({})).not.toBe(first);
  });
});

describe('OR21: acceptance body', () => {
  it('answers 400 ORDER_LINE_NULL_ELEMENT for a null order line, and changes nothing', async () => {
    const { shopId, apiKey } = newShop();
    const orderId = String(sim.control.createOrder(shopId, { lines: [{ sku: 'N1' }] })['order_id']);
    for (const lines of [[null], [{ id: `${orderId}-1`, accepted: true }, null]]) {
      const res = await api(
        apiKey,
        `/api/orders/${orderId}/accept`,
        putJson({ order_lines: lines }),
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: 400, code: 'ORDER_LINE_NULL_ELEMENT' });
    }
    expect(sim.control.snapshot(shopId).orders[0]?.state).toBe('WAITING_ACCEPTANCE');
  });
});

describe('OF21: sort and order', () => {
  const seeds = [
    { sku: 'MID', price: 20, title: 'Alpha' },
    { sku: 'CHEAP', price: 5, title: 'Charlie' },
    { sku: 'DEAR', price: 40, title: 'Bravo' },
  ];
  const skus = (offers: Record<string, unknown>[]): unknown[] => offers.map((o) => o['shop_sku']);

  it('sorts by total price ascending by default', async () => {
    const { apiKey } = newShop(seeds);
    expect(skus(await offersOf(apiKey))).toEqual(['CHEAP', 'MID', 'DEAR']);
    expect(skus(await offersOf(apiKey, '?order=desc'))).toEqual(['DEAR', 'MID', 'CHEAP']);
  });

  it('sorts by price and by product title, in either order', async () => {
    const { apiKey } = newShop(seeds);
    expect(skus(await offersOf(apiKey, '?sort=price&order=desc'))).toEqual([
      'DEAR',
      'MID',
      'CHEAP',
    ]);
    expect(skus(await offersOf(apiKey, '?sort=productTitle'))).toEqual(['MID', 'DEAR', 'CHEAP']);
    expect(skus(await offersOf(apiKey, '?sort=productTitle&order=desc'))).toEqual([
      'CHEAP',
      'DEAR',
      'MID',
    ]);
  });

  it('refuses a sort field the operation does not have', async () => {
    const { apiKey } = newShop(seeds);
    const res = await api(apiKey, '/api/offers?sort=dateCreated');
    expect(res.status).toBe(400);
  });
});

describe('STO01: warehouse-code', () => {
  it('keeps per-warehouse quantities whose sum is the offer quantity; an empty code sets the global quantity', async () => {
    const { shopId, apiKey } = newShop([{ sku: 'W1', quantity: 1 }]);
    const header = '"offer-sku";"quantity";"warehouse-code";"update-delete"\n';
    const perWarehouse = await api(
      apiKey,
      '/api/offers/stock/imports',
      csvUpload(`${header}"W1";"5";"WH-A";"update"\n"W1";"3";"WH-B";"update"\n`),
    );
    expect(perWarehouse.status).toBe(201);
    tick(1_000);
    const [split] = await offersOf(apiKey, '?sku=W1');
    expect(split).toMatchObject({
      quantity: 8,
      warehouses: [
        { code: 'WH-A', quantity: 5 },
        { code: 'WH-B', quantity: 3 },
      ],
    });
    expect(sim.control.snapshot(shopId).offers[0]).toMatchObject({
      quantity: 8,
      warehouses: { 'WH-A': 5, 'WH-B': 3 },
    });

    await api(apiKey, '/api/offers/stock/imports', csvUpload(`${header}"W1";"4";"";"update"\n`));
    tick(1_000);
    const [global] = await offersOf(apiKey, '?sku=W1');
    expect(global?.['quantity']).toBe(4);
    expect(global?.['warehouses'] ?? []).toEqual([]);
  });
});

describe('OR11: addresses of orders that never shipped', () => {
  it('keeps the addresses hidden on an order canceled or refused before SHIPPING', async () => {
    const { shopId, apiKey } = newShop();
    const canceled = String(
      sim.control.createOrder(shopId, { lines: [{ sku: 'A1' }] })['order_id'],
    );
    const accepted = await api(
      apiKey,
      `/api/orders/${canceled}/accept`,
      putJson({ order_lines: [{ id: `${canceled}-1`, accepted: true }] }),
    );
    expect(accepted.status).toBe(204);
    sim.control.cancelByOperator(shopId, canceled);
    const refused = String(sim.control.createOrder(shopId, { lines: [{ sku: 'A2' }] })['order_id']);
    sim.control.expireAcceptance(shopId, refused);
    const seededCanceled = String(
      sim.control.createOrder(shopId, { lines: [{ sku: 'A3' }], state: 'CANCELED' })['order_id'],
    );

    for (const id of [canceled, refused, seededCanceled]) {
      const order = await orderOf(apiKey, id);
      expect(order['order_state']).toMatch(/CANCELED|REFUSED/);
      expect(order['customer']).toMatchObject({ shipping_address: null, billing_address: null });
    }
  });

  it('still shows the addresses of an order canceled after it reached SHIPPING', async () => {
    const { shopId, apiKey } = newShop();
    const id = String(sim.control.createOrder(shopId, { lines: [{ sku: 'B1' }] })['order_id']);
    await api(
      apiKey,
      `/api/orders/${id}/accept`,
      putJson({ order_lines: [{ id: `${id}-1`, accepted: true }] }),
    );
    sim.control.confirmPayment(shopId, id);
    expect((await api(apiKey, `/api/orders/${id}/cancel`, { method: 'PUT' })).status).toBe(204);
    const order = await orderOf(apiKey, id);
    expect(order['order_state']).toBe('CANCELED');
    expect(order['customer']).toMatchObject({ shipping_address: { country_iso_code: 'USA' } });
  });
});

describe('OR29: full cancellation, only when can_cancel', () => {
  const accept = (apiKey: string, id: string) =>
    api(
      apiKey,
      `/api/orders/${id}/accept`,
      putJson({ order_lines: [{ id: `${id}-1`, accepted: true }] }),
    );
  const cancel = (apiKey: string, id: string) =>
    api(apiKey, `/api/orders/${id}/cancel`, { method: 'PUT' });

  it('says can_cancel from acceptance until shipment, cancels with 204, then refuses with the current status', async () => {
    const { shopId, apiKey } = newShop();
    const id = String(sim.control.createOrder(shopId, { lines: [{ sku: 'C1' }] })['order_id']);
    expect((await orderOf(apiKey, id))['can_cancel']).toBe(false);
    const early = await cancel(apiKey, id);
    expect(early).toMatchObject({ status: 400, body: { status: 400 } });
    expect(String((early.body as { message: string }).message)).toContain(
      'Current status is WAITING_ACCEPTANCE',
    );
    await accept(apiKey, id);
    expect((await orderOf(apiKey, id))['can_cancel']).toBe(true);
    sim.control.confirmPayment(shopId, id);
    expect(await orderOf(apiKey, id)).toMatchObject({
      order_state: 'SHIPPING',
      can_cancel: true,
      payment_workflow: 'PAY_ON_ACCEPTANCE',
      customer_debited_date: expect.any(String),
    });
    expect((await cancel(apiKey, id)).status).toBe(204);
    expect(await orderOf(apiKey, id)).toMatchObject({ order_state: 'CANCELED', can_cancel: false });
    const again = await cancel(apiKey, id);
    expect(again).toMatchObject({ status: 400, body: { code: 'ORDER_INVALID_STATE' } });
    expect(String((again.body as { message: string }).message)).toContain(
      'Current status is CANCELED',
    );
  });

  it('refuses a shipped order', async () => {
    const { shopId, apiKey } = newShop();
    const id = String(
      sim.control.createOrder(shopId, { lines: [{ sku: 'C2' }], state: 'SHIPPED' })['order_id'],
    );
    expect((await orderOf(apiKey, id))['can_cancel']).toBe(false);
    const shipped = await cancel(apiKey, id);
    expect(shipped.status).toBe(400);
    expect(String((shipped.body as { message: string }).message)).toContain(
      'Current status is SHIPPED',
    );
  });

  it('lets a pay-later order be canceled only while its customer is not debited', async () => {
    const { shopId, apiKey } = newShop();
    const id = String(
      sim.control.createOrder(shopId, {
        lines: [{ sku: 'C3' }],
        paymentWorkflow: 'PAY_ON_DUE_DATE',
      })['order_id'],
    );
    await accept(apiKey, id);
    sim.control.confirmPayment(shopId, id);
    const shipping = await orderOf(apiKey, id);
    expect(shipping).toMatchObject({
      order_state: 'SHIPPING',
      can_cancel: true,
      payment_workflow: 'PAY_ON_DUE_DATE',
    });
    expect(shipping['customer_debited_date']).toBeUndefined();
    sim.control.debitCustomer(shopId, id);
    expect(await orderOf(apiKey, id)).toMatchObject({
      can_cancel: false,
      customer_debited_date: expect.any(String),
    });
    const refused = await cancel(apiKey, id);
    expect(refused.status).toBe(400);
    expect(String((refused.body as { message: string }).message)).toContain('already debited');
    expect((await orderOf(apiKey, id))['order_state']).toBe('SHIPPING');
  });
});

describe('OF01: Location header', () => {
  it('points the 201 at the import status URL', async () => {
    const { apiKey } = newShop([{ sku: 'L1' }]);
    const res = await api(
      apiKey,
      '/api/offers/imports',
      csvUpload('"sku";"quantity";"update-delete"\n"L1";"2";"update"\n', { import_mode: 'NORMAL' }),
    );
    expect(res.status).toBe(201);
    const importId = (res.body as { import_id: number }).import_id;
    expect(res.headers.get('location')).toBe(`${sim.url}/api/offers/imports/${importId}`);
    expect(
      (await api(apiKey, new URL(res.headers.get('location') ?? '').pathname)).body,
    ).toMatchObject({ import_id: importId });
  });
});

describe('OR64: resolve an incident', () => {
  it('needs a reason_code, and resolves with one', async () => {
    const { shopId, apiKey } = newShop();
    const id = String(sim.control.createOrder(shopId, { lines: [{ sku: 'I1' }] })['order_id']);
    sim.control.openIncident(shopId, id, { lineId: `${id}-1` });
    const path = `/api/orders/${id}/lines/${id}-1/resolve_incident`;
    for (const init of [{ method: 'PUT' }, putJson({}), putJson({ reason_code: '' })]) {
      const res = await api(apiKey, path, init);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        status: 400,
        message: expect.stringContaining('reason_code') as unknown,
      });
    }
    expect(sim.control.snapshot(shopId).orders[0]?.hasIncident).toBe(true);
    expect((await api(apiKey, path, putJson({ reason_code: '8' }))).status).toBe(204);
    expect(sim.control.snapshot(shopId).orders[0]?.hasIncident).toBe(false);
  });
});

describe('shop_id: users with access to several shops', () => {
  it('answers A01 for the shop named by shop_id, the default shop without it, and refuses other shops', async () => {
    const home = newShop();
    const other = newShop();
    const stranger = newShop();
    sim.control.grantShopAccess(other.shopId, home.apiKey);

    expect((await api(home.apiKey, '/api/account')).body).toMatchObject({ shop_id: home.shopId });
    expect((await api(home.apiKey, `/api/account?shop_id=${other.shopId}`)).body).toMatchObject({
      shop_id: other.shopId,
    });
    expect((await api(home.apiKey, `/api/account?shop_id=${home.shopId}`)).body).toMatchObject({
      shop_id: home.shopId,
    });
    const refused = await api(home.apiKey, `/api/account?shop_id=${stranger.shopId}`);
    expect(refused.status).toBe(403);
    expect((await api(home.apiKey, '/api/account?shop_id=two')).status).toBe(400);
    // The shop's own key is not widened by the grant.
    expect((await api(other.apiKey, `/api/account?shop_id=${home.shopId}`)).status).toBe(403);
  });

  it('applies shop_id to the other operations too', async () => {
    const home = newShop([{ sku: 'HOME' }]);
    const other = newShop([{ sku: 'OTHER' }]);
    sim.control.grantShopAccess(other.shopId, home.apiKey);
    const skus = (await offersOf(home.apiKey, `?shop_id=${other.shopId}`)).map(
      (o) => o['shop_sku'],
    );
    expect(skus).toEqual(['OTHER']);
  });
});

describe('call frequency: switched on and off at run time', () => {
  it('enforces the frequencies set over the control API, and stops when they are cleared', async () => {
    const { apiKey } = newShop();
    const control = (method: string, body?: unknown): Promise<Response> =>
      fetch(`${sim.url}/_sim/call-frequency`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    expect((await control('PUT', { OR11: 60_000 })).status).toBe(200);
    expect(await (await control('GET')).json()).toEqual({ OR11: 60_000 });
    expect((await api(apiKey, '/api/orders')).status).toBe(200);
    const limited = await api(apiKey, '/api/orders');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    tick(60_000);
    expect((await api(apiKey, '/api/orders')).status).toBe(200);

    expect((await control('PUT', 'documented')).status).toBe(200);
    expect(await (await control('GET')).json()).toMatchObject({ OR11: 60_000, OF53: 10_000 });

    expect((await control('DELETE')).status).toBe(204);
    expect((await api(apiKey, '/api/orders')).status).toBe(200);
    expect((await api(apiKey, '/api/orders')).status).toBe(200);
  });
});

describe("every answer above against Mirakl's published OpenAPI document", () => {
  it('validates each success answer no fault deformed (requests here may be wrong on purpose)', () => {
    const exchanges = sim.control.exchanges();
    const judged = exchanges.filter((e) => simulatorJournal.answerNotJudged!(e) === undefined);
    expect(judged.length).toBeGreaterThan(15);
    expect(
      miraklDocument().problems(exchanges, { ...simulatorJournal, answersOnly: true }),
    ).toEqual([]);
  });
});
