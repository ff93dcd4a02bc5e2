import { describe, expect, it } from '@jest/globals';
import { manualClock } from '@msync/sim-kit';
import { openApiProblems, PAT, useSimulator, validOrder } from './test-support/harness.js';

const BUDGET = 5;
const START = Date.parse('2026-03-01T12:00:00.000Z');

// What happens around an operation rather than in it: the gateway (PAT, budget), paths and
// methods ShipBob does not serve, the journal and the simulator clock.
describe('ShipBob simulator gateway and journal', () => {
  const clock = manualClock(START);
  const t = useSimulator({ now: clock, rateLimit: { limit: BUDGET, windowMs: 60_000 } });
  const remaining = (response: Response): string | null =>
    response.headers.get('x-remaining-calls');

  it('answers a path or method it does not serve after the gateway: 401 without a PAT, else a bare 404 that spends budget', async () => {
    const anonymous = await fetch(`${t.sim.url}/2025-07/no-such-thing`);
    expect(anonymous.status).toBe(401);
    const calls = [
      await t.api('/2025-07/no-such-thing', { offSpec: true }),
      await t.api('/2024-01/channel', { offSpec: true }),
      await t.api('/2025-07/channel', { method: 'HEAD', offSpec: true }),
      await t.api('/2025-07/order', { method: 'OPTIONS', offSpec: true }),
      await t.api('/2025-07/order', { method: 'PATCH', offSpec: true }),
    ];
    expect(calls.map((r) => [r.status, remaining(r), r.headers.get('allow')])).toEqual([
      [404, '4', null],
      [404, '3', null],
      [404, '2', null],
      [404, '1', null],
      [404, '0', null],
    ]);
    expect(await Promise.all(calls.map((r) => r.text()))).toEqual(['', '', '', '', '']);
  });

  it('counts a call that failed behind the gateway, and answers 429 before any fault once the budget is spent', async () => {
    t.sim.control.addFault({ operation: 'GET /channel', kind: 'status', status: 503 });
    const statuses: number[] = [];
    for (let i = 0; i < BUDGET + 1; i++)
      statuses.push((await t.api('/2025-07/channel', { offSpec: true })).status);
    expect(statuses).toEqual([503, 503, 503, 503, 503, 429]);
    clock.advance(60_000);
    expect((await t.api('/2025-07/channel', { offSpec: true })).status).toBe(503);
  });

  it('journals each exchange by operation with the merchant as caller (never the PAT) and the fault or limit that shaped it', async () => {
    t.sim.control.addFault({ operation: 'POST /order', kind: 'drop-after-commit', times: 1 });
    await expect(
      t.api('/2025-07/order', {
        method: 'POST',
        channel: t.channelId,
        body: JSON.stringify(validOrder('JOURNAL-1')),
        offSpec: true,
      }),
    ).rejects.toThrow();
    await t.api('/2025-07/order/123:cancel', { offSpec: true });
    await t.api('/2025-07/channel', { token: 'unknown-pat', offSpec: true });
    for (let i = 0; i < BUDGET; i++) await t.api('/2025-07/fulfillment-center', { offSpec: true });

    const exchanges = t.sim.control.exchanges();
    expect(exchanges.slice(0, 3).map((e) => [e.operation, e.status, e.caller, e.fault])).toEqual([
      ['POST /order', 201, String(t.merchantId), 'drop-after-commit'],
      ['unknown', 404, String(t.merchantId), undefined],
      ['GET /channel', 401, undefined, undefined],
    ]);
    expect(exchanges.at(-1)).toMatchObject({
      operation: 'GET /fulfillment-center',
      status: 429,
      fault: 'rate-limit',
    });
    expect(JSON.stringify(exchanges)).not.toContain(PAT);
    expect(t.sim.control.world.orders.map((o) => o.referenceId)).toEqual(['JOURNAL-1']);
  });

  it('stamps what it creates and what it journals with the simulator clock', async () => {
    clock.set(Date.parse('2026-03-02T08:30:00.000Z'));
    const created = await t.json<{ created_date: string }>('/2025-07/order', {
      method: 'POST',
      channel: t.channelId,
      body: JSON.stringify(validOrder('CLOCKED')),
    });
    expect(created.body.created_date).toBe('2026-03-02T08:30:00.000Z');
    expect(t.sim.control.exchanges().at(-1)?.at).toBe('2026-03-02T08:30:00.000Z');
  });

  it('reads a JSON body whatever its content type, and answers a broken one with a field-less 400', async () => {
    const plain = await t.api('/2025-07/order', {
      method: 'POST',
      channel: t.channelId,
      body: JSON.stringify(validOrder('PLAIN-TEXT')),
      contentType: 'text/plain',
      offSpec: true,
    });
    expect(plain.status).toBe(201);
    const broken = await t.json<unknown>('/2025-07/order', {
      method: 'POST',
      channel: t.channelId,
      body: '{"reference_id": ',
      offSpec: true,
    });
    expect(broken).toEqual({ status: 400, body: { '': ['The request body is not valid JSON.'] } });
  });

  it('names an unknown control route in its 404', async () => {
    const response = await fetch(`${t.sim.url}/_sim/no-such-route`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'No control route POST /no-such-route' });
  });

  it('every answer above that the documents cover validates against ShipBob’s OpenAPI documents', () => {
    expect(t.exchanges.length).toBeGreaterThan(0);
    expect(openApiProblems(t.exchanges)).toEqual([]);
  });
});
