import {
  startShipBobSimulator,
  type RequestLogEntry,
  type ShipBobSimulator,
} from '@msync/shipbob-sim';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createRateLimiterRegistry, type RateLimiter } from './limiter.js';
import { clientFor, seedAccount } from './test-support/harness.js';

// ShipBob allows 150 requests per 60 s per token. The same invariant is checked here with a
// proportional budget of 20 per 500 ms so the test takes seconds, not minutes.
const BUDGET = { limit: 20, windowMs: 500 };

function maxInAnyWindow(entries: RequestLogEntry[], windowMs: number): number {
  const times = entries.map((e) => e.at).sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

/** Records the order in which stores are granted slots. */
function recording(limiter: RateLimiter, grants: string[]): RateLimiter {
  return {
    acquire: async (storeId, signal) => {
      const release = await limiter.acquire(storeId, signal);
      grants.push(storeId);
      return release;
    },
    pause: (ms) => limiter.pause(ms),
  };
}

describe('10 stores sharing one ShipBob token', () => {
  let sim: ShipBobSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('never exceed the budget at ShipBob, and every store is served in turn', async () => {
    sim = await startShipBobSimulator({ port: 0, rateLimit: BUDGET });
    const account = seedAccount(sim);
    const registry = createRateLimiterRegistry(BUDGET);
    const grants: string[] = [];
    const stores = Array.from({ length: 10 }, (_, i) => `store-${i}`);
    // store-0 asks for 40 calls at once (two windows' worth); the nine others make 3 calls one
    // after another. Served first-come-first-served, the backlog would go first.
    const finished = new Map<string, number>();
    const started = Date.now();
    await Promise.all(
      stores.map(async (store) => {
        const limiter = recording(registry.forToken(account.pat), grants);
        const { client } = clientFor(sim!, account, {
          storeId: store,
          limiter,
          channelId: account.channelId,
        });
        if (store === 'store-0')
          await Promise.all(Array.from({ length: 40 }, () => client.listFulfillmentCenters()));
        else for (let i = 0; i < 3; i++) await client.listFulfillmentCenters();
        finished.set(store, Date.now() - started);
      }),
    );

    const seen = sim.requests.filter((r) => r.token === account.pat);
    expect(seen).toHaveLength(40 + 9 * 3);
    expect(seen.filter((r) => r.status === 429)).toEqual([]);
    expect(maxInAnyWindow(seen, BUDGET.windowMs)).toBeLessThanOrEqual(BUDGET.limit);
    // The backlog took the idle first window; from then on every store is served in turn.
    expect(grants.slice(0, BUDGET.limit)).toEqual(Array(BUDGET.limit).fill('store-0'));
    expect(grants.slice(BUDGET.limit, BUDGET.limit + 10).sort()).toEqual([...stores].sort());
    // So the nine small stores all finish before the backlog is through.
    for (const store of stores.slice(1))
      expect(finished.get(store)!).toBeLessThan(finished.get('store-0')!);
  });

  it('a different token has its own budget', async () => {
    const registry = createRateLimiterRegistry(BUDGET);
    expect(registry.forToken('token-a')).toBe(registry.forToken('token-a'));
    expect(registry.forToken('token-a')).not.toBe(registry.forToken('token-b'));
  });
});
