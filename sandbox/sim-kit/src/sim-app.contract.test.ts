import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createSimApp } from './app.js';
import { bodyOf } from './body.js';
import { manualClock } from './clock.js';
import { commonControlRoutes, simRouter } from './control.js';
import { SimHttpError } from './errors.js';
import { FaultBook } from './faults.js';
import { operationGate } from './gate.js';
import { RequestJournal } from './journal.js';
import { listen, type ListeningServer } from './listen.js';
import { callerOf, hasFault } from './locals.js';
import { MinIntervalLimiter } from './rate-limits.js';
import type { SimVendor } from './vendor.js';

/**
 * A toy vendor on the kit: `GET /items` (LIST), `POST /items` (CREATE), key in `X-Key`, errors
 * as `{error: {status, text, code?}}`, retry hint in `X-Wait`.
 */
type Op = 'LIST' | 'CREATE';
const OPS: readonly Op[] = ['LIST', 'CREATE'];

const vendor: SimVendor = {
  errorBody: (e) => ({ error: { status: e.status, text: e.message, code: e.code } }),
  retryAfterHeaders: (seconds) => ({ 'X-Wait': String(seconds) }),
  malformedBody: '{"items": [<html>',
  wrongShapeBody: { nothing: 'here' },
};

const clock = manualClock(Date.parse('2026-05-01T12:00:00Z'));
const faults = new FaultBook<Op>();
const journal = new RequestJournal<Op>({ clock });
const limiter = new MinIntervalLimiter<Op>();
const items: string[] = [];
const slept: number[] = [];
let resets = 0;
let server: ListeningServer;

const gate = operationGate<Op, { user: string }>({
  vendor,
  faults,
  authenticate: (req) => {
    const key = req.headers['x-key'];
    if (key !== 'good') throw new SimHttpError(401, 'Who are you?');
    return { user: 'u1' };
  },
  callerId: (caller) => caller.user,
  limit: (caller, op) => {
    const d = limiter.check(caller.user, op, clock().getTime());
    return d.allowed ? undefined : { retryAfterSeconds: d.retryAfterSeconds, reason: 'budget' };
  },
  sleep: async (ms) => {
    slept.push(ms);
  },
});

const api = simRouter();
api.get('/items', gate('LIST'), (_req, res) => {
  const list = hasFault(res, 'page-drift') ? items.slice(1) : items;
  res.json({ items: list, by: callerOf<{ user: string }>(res).user });
});
api.post('/items', gate('CREATE'), (req, res) => {
  const body = bodyOf(req) as { name?: unknown } | undefined;
  if (typeof body?.name !== 'string')
    throw new SimHttpError(422, 'name is required', { code: 'NO_NAME' });
  items.push(body.name);
  res.status(201).json({ created: body.name });
});
api.get('/boom', () => {
  throw new Error('internal detail that must not leak');
});

const control = simRouter();
control.get('/items', (_req, res) => {
  res.json(items);
});

async function call(
  path: string,
  init: RequestInit & { key?: string } = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const headers = new Headers(init.headers);
  headers.set('X-Key', init.key ?? 'good');
  const res = await fetch(`${server.url}${path}`, { ...init, headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const post = (body: string, type = 'application/json'): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': type },
  body,
});

const lastExchange = () => journal.entries().at(-1);

beforeAll(async () => {
  const app = createSimApp({
    vendor,
    journal,
    api: [api],
    control: [
      commonControlRoutes({
        faults,
        journal,
        operations: OPS,
        reset: () => {
          resets++;
        },
      }),
      control,
    ],
    controlAliases: ['/_old'],
    bodyLimit: 200,
  });
  server = await listen(app, { host: '0.0.0.0' });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  faults.clear();
  journal.clear();
  limiter.setIntervals({});
  items.length = 0;
  slept.length = 0;
});

describe('sim-kit app: the vendor API side', () => {
  it('serves on a loopback URL even when bound to every interface', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('reads JSON bodies and journals request and answer, without the credential', async () => {
    const res = await call('/items?x=1&x=2', post('{"name":"a"}'));
    expect(res.status).toBe(201);
    expect(lastExchange()).toEqual({
      operation: 'CREATE',
      at: '2026-05-01T12:00:00.000Z',
      method: 'POST',
      path: '/items',
      query: { x: ['1', '2'] },
      requestHeaders: {
        authorization: undefined,
        'content-type': 'application/json',
        'content-length': '12',
        accept: '*/*',
      },
      requestContentType: 'application/json',
      requestBody: { name: 'a' },
      caller: 'u1',
      status: 201,
      responseContentType: 'application/json',
      responseBody: { created: 'a' },
    });
  });

  it('answers every failure in the vendor shape: thrown, bad JSON, too large, unknown route, crash', async () => {
    expect(await call('/items', post('{}'))).toMatchObject({
      status: 422,
      text: JSON.stringify({ error: { status: 422, text: 'name is required', code: 'NO_NAME' } }),
    });
    expect(JSON.parse((await call('/items', post('{"name":'))).text)).toEqual({
      error: { status: 400, text: 'The request body is not valid JSON' },
    });
    const large = await call('/items', post(JSON.stringify({ name: 'x'.repeat(500) })));
    expect(large.status).toBe(413);
    expect(JSON.parse(large.text)).toMatchObject({ error: { status: 413 } });
    const unknown = await call('/nowhere');
    expect(JSON.parse(unknown.text)).toEqual({ error: { status: 404, text: 'Not Found' } });
    expect(lastExchange()?.operation).toBe('unknown');
    const crash = await call('/boom');
    expect(crash.status).toBe(500);
    expect(crash.text).not.toContain('internal detail');
  });

  it('refuses an unknown caller before any fault is consumed', async () => {
    faults.add({ operation: 'LIST', kind: 'status', status: 503, times: 1 });
    expect((await call('/items', { key: 'bad' })).status).toBe(401);
    expect(faults.list()).toHaveLength(1);
    expect((await call('/items')).status).toBe(503);
  });

  it('answers a 429 fault with the vendor retry header, and journals the fault', async () => {
    faults.add({ operation: 'LIST', kind: 'status', status: 429, retryAfterSeconds: 7, times: 1 });
    const limited = await call('/items');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-wait')).toBe('7');
    expect(lastExchange()).toMatchObject({ status: 429, fault: 'status' });
    expect((await call('/items')).status).toBe(200);
  });

  it('drops the connection before processing, or after it', async () => {
    faults.add({ operation: 'CREATE', kind: 'drop', times: 1 });
    await expect(call('/items', post('{"name":"dropped"}'))).rejects.toThrow();
    expect(items).toEqual([]);
    expect(lastExchange()).toMatchObject({ status: 0, fault: 'drop' });

    faults.add({ operation: 'CREATE', kind: 'drop-after-commit', times: 1 });
    await expect(call('/items', post('{"name":"committed"}'))).rejects.toThrow();
    expect(items).toEqual(['committed']);
    expect(lastExchange()).toMatchObject({ fault: 'drop-after-commit' });
  });

  it('deforms answers after the handler: truncated, truncated JSON, malformed, wrong shape', async () => {
    items.push('a', 'b', 'c');
    const whole = JSON.stringify({ items: ['a', 'b', 'c'], by: 'u1' });

    faults.add({ operation: 'LIST', kind: 'truncated', times: 1 });
    await expect(call('/items')).rejects.toThrow();

    faults.add({ operation: 'LIST', kind: 'truncated-json', times: 1 });
    expect(await call('/items')).toMatchObject({
      status: 200,
      text: whole.slice(0, Math.floor(whole.length / 2)),
    });
    expect(lastExchange()?.responseBody).toEqual({ items: ['a', 'b', 'c'], by: 'u1' });

    faults.add({ operation: 'LIST', kind: 'malformed', times: 1 });
    expect((await call('/items')).text).toBe('{"items": [<html>');

    faults.add({ operation: 'LIST', kind: 'wrong-shape', times: 1 });
    expect(JSON.parse((await call('/items')).text)).toEqual({ nothing: 'here' });
  });

  it('hands data faults to the handler and waits out latency through the injected sleep', async () => {
    items.push('a', 'b');
    faults.add({ operation: 'LIST', kind: 'latency', ms: 250, times: 1 });
    faults.add({ operation: 'LIST', kind: 'page-drift', times: 1 });
    expect(JSON.parse((await call('/items')).text)).toMatchObject({ items: ['b'] });
    expect(slept).toEqual([250]);
    expect(JSON.parse((await call('/items')).text)).toMatchObject({ items: ['a', 'b'] });
  });

  it('applies the vendor limit after faults, with its own journal label', async () => {
    limiter.setIntervals({ LIST: 10_000 });
    expect((await call('/items')).status).toBe(200);
    const refused = await call('/items');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-wait')).toBe('10');
    expect(lastExchange()).toMatchObject({ status: 429, fault: 'budget' });
    clock.advance(10_000);
    expect((await call('/items')).status).toBe(200);
  });
});

describe('sim-kit app: the control API', () => {
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };

  it('has health, reset, faults and exchanges under /_sim, and answers its aliases', async () => {
    expect(await control('GET', '/_sim/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await control('GET', '/_old/health')).status).toBe(200);
    const before = resets;
    expect((await control('POST', '/_sim/reset')).status).toBe(204);
    expect(resets).toBe(before + 1);

    const added = await control('POST', '/_sim/faults', { operation: 'LIST', kind: 'drop' });
    expect(added.body).toMatchObject({
      operation: 'LIST',
      kind: 'drop',
      id: expect.any(String) as unknown,
    });
    expect((await control('GET', '/_sim/faults')).body).toHaveLength(1);
    expect((await control('DELETE', '/_sim/faults')).status).toBe(204);
    expect(faults.list()).toEqual([]);

    await call('/items');
    expect((await control('GET', '/_sim/exchanges')).body).toHaveLength(1);
    expect((await control('DELETE', '/_sim/exchanges')).status).toBe(204);
    expect(journal.entries()).toEqual([]);
  });

  it('keeps its own calls out of the journal and runs the simulator-specific routes', async () => {
    items.push('seeded');
    expect((await control('GET', '/_sim/items')).body).toEqual(['seeded']);
    expect(journal.entries()).toEqual([]);
  });

  it('refuses a fault it cannot apply, and names unknown control routes', async () => {
    const bad = await control('POST', '/_sim/faults', { operation: 'LIST', kind: 'explode' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: { text: expect.stringContaining('kind must be') as unknown },
    });
    expect(await control('GET', '/_sim/nothing')).toEqual({
      status: 404,
      body: { error: { status: 404, text: 'No control route GET /nothing' } },
    });
  });
});
