import { inspect } from 'node:util';
import { retry } from '@msync/platform';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { clientFor, closedPortUrl, newOrder, seedAccount } from './test-support/harness.js';
import type { RecordedExchange } from '@msync/test-support';

const PAT = 'test-only-shipbob-pat-not-real-0001';

/** Everything a thrown value could reveal: message, stack, cause chain, own and hidden fields. */
function reveal(error: unknown): string {
  const parts = [String(error), inspect(error, { depth: Infinity, showHidden: true })];
  let current: unknown = error;
  for (let i = 0; typeof current === 'object' && current !== null && i < 10; i++) {
    parts.push(
      (current as { stack?: string }).stack ?? '',
      JSON.stringify(current),
      JSON.stringify(current, Object.getOwnPropertyNames(current)),
    );
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

/** Fields of an error or its causes that hold an HTTP client's request, config or response. */
function requestCarryingFields(error: unknown): string[] {
  const found: string[] = [];
  let current: unknown = error;
  for (let i = 0; typeof current === 'object' && current !== null && i < 10; i++) {
    for (const field of ['config', 'request', 'response', 'headers'])
      if (field in current) found.push(`${String((current as Error).name)}.${field}`);
    current = (current as { cause?: unknown }).cause;
  }
  return found;
}

describe('the PAT never leaks', () => {
  let sim: RunningShipBobSimulator;
  beforeAll(async () => {
    sim = await startShipBobSimulator({ port: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('into log lines, error messages or thrown objects, on success and on every failure', async () => {
    const account = seedAccount(sim, { pat: PAT });
    sim.control.world.seedProduct(account.merchantId, { sku: 'SKU-1', stock: { 1: 5 } });
    const exchanges: RecordedExchange[] = [];
    const { client, lines } = clientFor(sim, account, { timeoutMs: 100, exchanges });
    const wrong = clientFor(sim, { ...account, pat: `${PAT}-revoked` }, { exchanges });
    const nobodyListens = clientFor(sim, account, { baseUrl: await closedPortUrl(), exchanges });
    const thrown: unknown[] = [];
    const attempt = async (fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (error) {
        thrown.push(error);
      }
    };

    await attempt(() => client.verifyToken());
    await attempt(() => client.createOrder(newOrder('SECRET-1')));
    await attempt(() => client.createOrder(newOrder('SECRET-1')));
    await attempt(() =>
      client.createOrder({
        ...newOrder('SECRET-2'),
        lines: [{ sku: 'NOPE', name: '', quantity: 1 }],
      }),
    );
    await attempt(() => wrong.client.listFulfillmentCenters());
    for (const fault of [
      { kind: 'status', status: 429, retryAfterSeconds: 0.01 },
      { kind: 'status', status: 500 },
      { kind: 'latency', ms: 300 },
      { kind: 'drop' },
      { kind: 'malformed' },
    ] as const) {
      sim.control.addFault({ operation: 'GET /fulfillment-center', times: 1, ...fault });
      await attempt(() => client.listFulfillmentCenters());
    }
    await attempt(() =>
      retry(() => client.listReturns({ referenceIds: ['x'] }), { retries: 1, initialDelayMs: 1 }),
    );

    await attempt(() => nobodyListens.client.listFulfillmentCenters());

    expect(thrown.length).toBeGreaterThanOrEqual(8);
    expect(lines.length).toBeGreaterThan(5);
    const everything = [
      ...lines,
      ...wrong.lines,
      ...nobodyListens.lines,
      ...thrown.map(reveal),
      JSON.stringify(exchanges),
    ].join('\n');
    expect(everything).not.toContain(PAT);
    expect(everything).not.toContain(PAT.slice(8, 24));
    for (const text of ['(401)', 'answered 500', 'timed out', 'ECONNREFUSED'])
      expect(everything).toContain(text);
    // The exchanges were recorded (with the header present but redacted), failures included.
    expect(exchanges.some((e) => e.status === undefined)).toBe(true);
    expect(exchanges.every((e) => e.requestHeaders?.['authorization'] === '[REDACTED]')).toBe(true);
    // Nothing in a cause chain carries an HTTP client's request or response objects.
    expect(thrown.flatMap(requestCarryingFields)).toEqual([]);
  });
});
