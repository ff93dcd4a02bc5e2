import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startMiraklSimulator, type RunningMiraklSimulator } from './server.js';
import { miraklDocument, simulatorJournal } from './test-support/openapi.js';

let sim: RunningMiraklSimulator;
const KEY = 'sim-key-1';
// Time is a hand-driven clock: timed steps (payment, imports) happen when a test moves it.
let clockMs = Date.parse('2026-03-02T09:00:00.000Z');
const tick = (ms: number): void => {
  clockMs += ms;
};

async function api(
  path: string,
  init: RequestInit & { key?: string | null } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (init.key !== null) headers.set('Authorization', init.key ?? KEY);
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

async function control(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sim.url}/_control${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

beforeAll(async () => {
  sim = await startMiraklSimulator({
    now: () => new Date(clockMs),
    paymentDelayMs: 100,
    importDelayMs: 20,
    updateOverlapMs: 50,
  });
  await control('POST', '/shops', { shopId: 1, apiKey: KEY, offers: [{ sku: 'A', quantity: 1 }] });
  await control('POST', '/shops', { shopId: 2, apiKey: 'sim-key-2' });
});

afterAll(async () => {
  await sim.close();
});

describe('Mirakl simulator', () => {
  it('answers 401 for a missing, unknown or Bearer-prefixed key, and keeps shops apart', async () => {
    expect((await api('/api/account', { key: null })).status).toBe(401);
    expect((await api('/api/account', { key: 'nope' })).body).toEqual({
      status: 401,
      message: 'Unauthorized',
    });
    expect((await api('/api/account', { key: `Bearer ${KEY}` })).status).toBe(401);
    expect((await api('/api/account')).body).toMatchObject({ shop_id: 1 });
    expect((await api('/api/offers', { key: 'sim-key-2' })).body).toMatchObject({
      offers: [],
      total_count: 0,
    });
  });

  it('tells a listener of every journaled exchange as it is recorded', async () => {
    const heard: string[] = [];
    sim.control.onExchange((e) => heard.push(`${e.operation} ${e.status} ${e.caller ?? '-'}`));
    await api('/api/account');
    await api('/api/account', { key: 'nope' });
    expect(heard).toEqual(['A01 200 1', 'A01 401 -']);
  });

  it('pages with offset and max, capping max at 100', async () => {
    await control(
      'POST',
      '/shops/2/offers',
      Array.from({ length: 120 }, (_, i) => ({ sku: `P${i}`, quantity: i })),
    );
    const first = await api('/api/offers?max=500', { key: 'sim-key-2' });
    expect(first.body).toMatchObject({ total_count: 120 });
    expect((first.body as { offers: unknown[] }).offers).toHaveLength(100);
    const last = await api('/api/offers?max=50&offset=100', { key: 'sim-key-2' });
    expect((last.body as { offers: unknown[] }).offers).toHaveLength(20);
  });

  it('rejects more than 100 order ids', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `O-${i}`).join(',');
    const res = await api(`/api/orders?order_ids=${ids}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message: expect.stringContaining('limit of 100') as unknown });
  });

  it('runs the order state machine: hidden address, timed payment, shipping', async () => {
    const created = (
      await control('POST', '/shops/1/orders', { lines: [{ sku: 'A', quantity: 1 }] })
    ).body as { order_id: string };
    const id = created.order_id;
    const read = async (): Promise<Record<string, unknown>> =>
      ((await api(`/api/orders?order_ids=${id}`)).body as { orders: Record<string, unknown>[] })
        .orders[0] ?? {};
    expect(await read()).toMatchObject({
      order_state: 'WAITING_ACCEPTANCE',
      customer: { shipping_address: null },
    });
    const accept = await api(`/api/orders/${id}/accept`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ order_lines: [{ id: `${id}-1`, accepted: true }] }),
    });
    expect(accept.status).toBe(204);
    expect(await read()).toMatchObject({
      order_state: 'WAITING_DEBIT_PAYMENT',
      customer: { shipping_address: null },
    });
    tick(120);
    expect(await read()).toMatchObject({
      order_state: 'SHIPPING',
      can_shop_ship: true,
      customer: { shipping_address: { country_iso_code: 'USA' } },
    });
    const ship = await api(`/api/orders/${id}/ship`, { method: 'PUT' });
    expect(ship.body).toMatchObject({
      status: 400,
      message: 'Tracking details are mandatory for this shipping method',
    });
  });

  it('needs a decision for every line, refuses mixed decisions without partial acceptance, and refuses all-refused orders', async () => {
    const created = (
      await control('POST', '/shops/1/orders', { lines: [{ sku: 'A' }, { sku: 'B' }] })
    ).body as { order_id: string };
    const id = created.order_id;
    const decide = (
      lines: { id: string; accepted: boolean }[],
    ): Promise<{ status: number; body: unknown }> =>
      api(`/api/orders/${id}/accept`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ order_lines: lines }),
      });
    expect((await decide([{ id: `${id}-1`, accepted: true }])).body).toMatchObject({
      code: 'ORDER_LINE_ACCEPTANCE_DECISION_MISSING',
    });
    expect(
      (
        await decide([
          { id: `${id}-1`, accepted: true },
          { id: `${id}-2`, accepted: false },
        ])
      ).body,
    ).toMatchObject({
      code: 'ORDER_PARTIAL_ACCEPTANCE_DISABLED',
    });
    expect(
      (
        await decide([
          { id: `${id}-1`, accepted: false },
          { id: `${id}-2`, accepted: false },
        ])
      ).status,
    ).toBe(204);
    const snapshot = (await control('GET', '/shops/1')).body as {
      orders: { orderId: string; state: string; refusedLines: string[] }[];
    };
    expect(snapshot.orders.find((o) => o.orderId === id)).toMatchObject({
      state: 'REFUSED',
      refusedLines: [`${id}-1`, `${id}-2`],
    });
  });

  it('widens start_update_date by its overlap', async () => {
    const created = (await control('POST', '/shops/1/orders', { lines: [{ sku: 'A' }] })).body as {
      order_id: string;
      last_updated_date: string;
    };
    const justAfter = new Date(Date.parse(created.last_updated_date) + 10).toISOString();
    const res = await api(`/api/orders?start_update_date=${encodeURIComponent(justAfter)}`);
    expect(
      (res.body as { orders: { order_id: string }[] }).orders.map((o) => o.order_id),
    ).toContain(created.order_id);
  });

  it('filters by a comma list of order states, with or without an update date', async () => {
    const order = async (state?: string) =>
      (
        (
          await control('POST', '/shops/2/orders', {
            lines: [{ sku: 'A' }],
            ...(state ? { state } : {}),
          })
        ).body as { order_id: string }
      ).order_id;
    const waiting = await order();
    const shipping = await order('SHIPPING');
    const shipped = await order('SHIPPING');
    expect(
      (
        await api(`/api/orders/${shipped}/tracking`, {
          method: 'PUT',
          key: 'sim-key-2',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ carrier_code: 'UPS', tracking_number: '1Z1' }),
        })
      ).status,
    ).toBe(204);
    expect(
      (await api(`/api/orders/${shipped}/ship`, { method: 'PUT', key: 'sim-key-2' })).status,
    ).toBe(204);

    const listed = async (query: string) =>
      (
        (await api(`/api/orders?${query}`, { key: 'sim-key-2' })).body as {
          orders: { order_id: string; order_state: string }[];
        }
      ).orders.map((o) => [o.order_id, o.order_state]);
    expect(await listed('order_state_codes=WAITING_ACCEPTANCE,SHIPPING')).toEqual([
      [waiting, 'WAITING_ACCEPTANCE'],
      [shipping, 'SHIPPING'],
    ]);
    expect(await listed('order_state_codes=SHIPPED')).toEqual([[shipped, 'SHIPPED']]);
    const future = encodeURIComponent(new Date(clockMs + 3600_000).toISOString());
    expect(await listed(`order_state_codes=SHIPPING&start_update_date=${future}`)).toEqual([]);
  });

  it('requires import_mode on OF01 and runs stock imports asynchronously', async () => {
    const form = new FormData();
    form.append('file', new Blob(['"sku";"quantity"\n"A";"2"\n']), 'offers.csv');
    expect((await api('/api/offers/imports', { method: 'POST', body: form })).status).toBe(400);

    const stock = new FormData();
    stock.append(
      'file',
      new Blob(['"offer-sku";"quantity";"warehouse-code";"update-delete"\n"A";"9";"";"update"\n']),
      's.csv',
    );
    const started = await api('/api/offers/stock/imports', { method: 'POST', body: stock });
    expect(started.status).toBe(201);
    const importId = (started.body as { import_id: string }).import_id;
    expect(typeof importId).toBe('string');
    expect((await api(`/api/offers/stock/imports/${importId}/status`)).body).toMatchObject({
      status: 'WAITING',
    });
    tick(30);
    expect((await api(`/api/offers/stock/imports/${importId}/status`)).body).toMatchObject({
      status: 'COMPLETE',
      lines_in_success: 1,
    });
    const snapshot = (await control('GET', '/shops/1')).body as {
      offers: { sku: string; quantity: number }[];
      stockHistory: unknown[];
    };
    expect(snapshot.offers.find((o) => o.sku === 'A')?.quantity).toBe(9);
    expect(snapshot.stockHistory).toEqual([
      expect.objectContaining({ sku: 'A', from: 1, to: 9, via: 'STO01' }),
    ]);
  });

  it('holds a shop’s stock imports RUNNING until released, then applies them in order', async () => {
    const stockFile = (quantity: number) => {
      const form = new FormData();
      form.append(
        'file',
        new Blob([
          `"offer-sku";"quantity";"warehouse-code";"update-delete"\n"A";"${quantity}";"";"update"\n`,
        ]),
        's.csv',
      );
      return form;
    };
    const status = async (id: string) =>
      ((await api(`/api/offers/stock/imports/${id}/status`)).body as { status: string }).status;
    const quantityOfA = async () =>
      (
        (await control('GET', '/shops/1')).body as { offers: { sku: string; quantity: number }[] }
      ).offers.find((o) => o.sku === 'A')?.quantity;
    const before = await quantityOfA();

    expect((await control('POST', '/shops/1/imports-held', { held: true })).status).toBe(204);
    const start = async (quantity: number) =>
      (
        (await api('/api/offers/stock/imports', { method: 'POST', body: stockFile(quantity) }))
          .body as { import_id: string }
      ).import_id;
    const first = await start(41);
    tick(30);
    const second = await start(42);
    tick(3_600_000);
    expect([await status(first), await status(second)]).toEqual(['RUNNING', 'RUNNING']);
    expect(await quantityOfA()).toBe(before);

    expect((await control('POST', '/shops/1/imports-held', { held: false })).status).toBe(204);
    expect([await status(first), await status(second)]).toEqual(['COMPLETE', 'COMPLETE']);
    // Oldest first: the later import's quantity stands.
    expect(await quantityOfA()).toBe(42);
  });

  it('holds a shop’s offer exports PENDING until released, then completes them', async () => {
    expect((await control('POST', '/shops/1/exports-held', { held: true })).status).toBe(204);
    const started = await api('/api/offers/export/async', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ export_type: 'application/json' }),
    });
    expect(started.status).toBe(200);
    const trackingId = (started.body as { tracking_id: string }).tracking_id;
    const status = async () =>
      (await api(`/api/offers/export/async/status/${trackingId}`)).body as {
        status: string;
        urls?: string[];
      };
    tick(3_600_000);
    expect((await status()).status).toBe('PENDING');

    expect((await control('POST', '/shops/1/exports-held', { held: false })).status).toBe(204);
    const done = await status();
    expect(done.status).toBe('COMPLETED');
    expect(done.urls?.length).toBeGreaterThan(0);
  });

  it('switches faults on per operation over the control API', async () => {
    await control('POST', '/faults', {
      operation: 'V01',
      kind: 'status',
      status: 429,
      retryAfterSeconds: 7,
      times: 1,
    });
    const limited = await api('/api/version');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await api('/api/version')).status).toBe(200);
    await control('POST', '/faults', { operation: 'V01', kind: 'status', status: 503 });
    expect((await api('/api/version')).status).toBe(503);
    await control('DELETE', '/faults');
    expect((await api('/api/version')).status).toBe(200);
  });

  it('enforces call frequencies when asked to', async () => {
    const strict = await startMiraklSimulator({
      callFrequencyMs: { OR11: 60_000 },
      shops: [{ apiKey: 'k' }],
    });
    try {
      const call = (): Promise<Response> =>
        fetch(`${strict.url}/api/orders`, { headers: { Authorization: 'k' } });
      expect((await call()).status).toBe(200);
      const second = await call();
      expect(second.status).toBe(429);
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(50);
    } finally {
      await strict.close();
    }
  });
});

describe("every answer above against Mirakl's published OpenAPI document", () => {
  it('validates each success answer no fault deformed (requests here may be wrong on purpose)', () => {
    const exchanges = sim.control.exchanges();
    const judged = exchanges.filter((e) => simulatorJournal.answerNotJudged!(e) === undefined);
    expect(judged.length).toBeGreaterThan(10);
    expect(
      miraklDocument().problems(exchanges, { ...simulatorJournal, answersOnly: true }),
    ).toEqual([]);
  });
});
