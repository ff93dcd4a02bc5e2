import { inspect } from 'node:util';
import { retry } from '@msync/platform';
import { startShipBobSimulator, type ShipBobSimulator } from '@msync/shipbob-sim';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { clientFor, newOrder, seedAccount } from './test-support/harness.js';

const PAT = 'test-only-shipbob-pat-not-real-0001';

/** Everything a thrown value could reveal: message, stack, cause chain, own and hidden fields. */
function reveal(error: unknown): string {
  const parts = [inspect(error, { depth: Infinity, showHidden: true })];
  let current: unknown = error;
  for (let i = 0; current instanceof Error && i < 10; i++) {
    parts.push(
      current.message,
      current.stack ?? '',
      JSON.stringify(current, Object.getOwnPropertyNames(current)),
    );
    current = current.cause;
  }
  return parts.join('\n');
}

describe('the PAT never leaks', () => {
  let sim: ShipBobSimulator;
  beforeAll(async () => {
    sim = await startShipBobSimulator({ port: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('into log lines, error messages or thrown objects, on success and on every failure', async () => {
    const account = seedAccount(sim, { pat: PAT });
    sim.world.seedProduct(account.merchantId, { sku: 'SKU-1', stock: { 1: 5 } });
    const { client, lines } = clientFor(sim, account, { timeoutMs: 100 });
    const wrong = clientFor(sim, { ...account, pat: `${PAT}-revoked` }, {});
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
      sim.addFault({ route: 'GET /fulfillment-center', times: 1, ...fault });
      await attempt(() => client.listFulfillmentCenters());
    }
    await attempt(() =>
      retry(() => client.listReturns({ referenceIds: ['x'] }), { retries: 1, initialDelayMs: 1 }),
    );

    expect(thrown.length).toBeGreaterThanOrEqual(7);
    expect(lines.length).toBeGreaterThan(5);
    const everything = [...lines, ...wrong.lines, ...thrown.map(reveal)].join('\n');
    expect(everything).not.toContain(PAT);
    expect(everything).not.toContain(PAT.slice(8, 24));
  });
});
