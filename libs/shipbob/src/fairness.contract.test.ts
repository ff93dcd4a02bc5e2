import {
  startShipBobSimulator,
  type Exchange,
  type RunningShipBobSimulator,
} from '@msync/shipbob-sim';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createRateLimiterRegistry, type RateLimiter } from './limiter.js';
import { clientFor, seedAccount } from './test-support/harness.js';
import { ManualClock, settle } from './test-support/manual-clock.js';

// ShipBob allows 150 requests per 60 s per token. The same invariant is checked with a
// proportional budget of 20 per 500 ms. The limiter and the simulator's rate-limit window run on
// one manual clock that only moves when every request in flight has been answered, so the
// schedule is the same on every run, however fast or slow the machine is.
const BUDGET = { limit: 20, windowMs: 500 };

function maxInAnyWindow(entries: readonly Exchange[], windowMs: number): number {
  const times = entries.map((e) => Date.parse(e.at!)).sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

interface Grant {
  store: string;
  at: number;
}

/** Records each grant (store and clock time) and counts requests granted but not yet answered. */
function recording(
  limiter: RateLimiter,
  clock: ManualClock,
  grants: Grant[],
  inFlight: { count: number },
): RateLimiter {
  return {
    acquire: async (storeId, signal) => {
      const release = await limiter.acquire(storeId, signal);
      grants.push({ store: storeId, at: clock.now() });
      inFlight.count += 1;
      return () => {
        inFlight.count -= 1;
        release();
      };
    },
    pause: (ms) => limiter.pause(ms),
  };
}

/**
 * Runs `work` to the end, moving the clock to the limiter's next wake-up only once nothing can
 * progress without time passing: no request in flight, every callback run. Fails instead of
 * hanging when work is left but no timer is.
 */
async function driveToCompletion(
  clock: ManualClock,
  inFlight: { count: number },
  work: Promise<unknown>,
): Promise<void> {
  let done = false;
  const finished = work.finally(() => (done = true));
  finished.catch(() => undefined); // its failure is rethrown below, once the loop stops
  for (;;) {
    do await settle();
    while (inFlight.count > 0);
    await settle();
    if (done) break;
    if (!(await clock.runNextTimer()))
      throw new Error('stalled: work is waiting but no timer is set');
  }
  await finished;
}

describe('10 stores sharing one ShipBob token', () => {
  let sim: RunningShipBobSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('never exceed the budget at ShipBob, and every store with a call waiting is served in every window', async () => {
    const clock = new ManualClock();
    sim = await startShipBobSimulator({
      port: 0,
      rateLimit: BUDGET,
      now: () => new Date(clock.now()),
    });
    const account = seedAccount(sim);
    const registry = createRateLimiterRegistry({ ...BUDGET, clock });
    const grants: Grant[] = [];
    const inFlight = { count: 0 };
    const stores = Array.from({ length: 10 }, (_, i) => `store-${i}`);
    const small = stores.slice(1);
    // store-0 asks for 40 calls at once (two windows' worth); the nine others make 3 calls one
    // after another. Served first-come-first-served, the backlog would take the first two
    // windows and the small stores would wait until the third for their first call.
    const finished = new Map<string, number>();
    const work = Promise.all(
      stores.map(async (store) => {
        const limiter = recording(registry.forToken(account.pat), clock, grants, inFlight);
        const { client } = clientFor(sim!, account, {
          storeId: store,
          limiter,
          channelId: account.channelId,
        });
        if (store === 'store-0')
          await Promise.all(Array.from({ length: 40 }, () => client.listFulfillmentCenters()));
        else for (let i = 0; i < 3; i++) await client.listFulfillmentCenters();
        finished.set(store, clock.now());
      }),
    );
    await driveToCompletion(clock, inFlight, work);

    // The journal names the caller by merchant (never by token); this merchant has one token.
    const seen = sim.control.exchanges().filter((e) => e.caller === String(account.merchantId));
    expect(seen).toHaveLength(40 + 9 * 3);
    expect(seen.filter((r) => r.status === 429)).toEqual([]);
    expect(maxInAnyWindow(seen, BUDGET.windowMs)).toBeLessThanOrEqual(BUDGET.limit);

    const grantTimes = (store: string): number[] =>
      grants.filter((g) => g.store === store).map((g) => g.at);
    // The backlog asked first and took the idle first window whole.
    expect(grants.slice(0, BUDGET.limit).map((g) => g.store)).toEqual(
      Array(BUDGET.limit).fill('store-0'),
    );
    // From then on each store is served once before any is served twice...
    expect(
      grants
        .slice(BUDGET.limit, BUDGET.limit + 10)
        .map((g) => g.store)
        .sort(),
    ).toEqual([...stores].sort());
    // ...so every small store has a call granted in each window after the first; only which
    // two of them win the slots left over at 1 000 ms depends on which answer arrives first.
    for (const store of small) {
      const [first, second, third] = grantTimes(store);
      expect([first, second]).toEqual([500, 1_000]);
      expect([1_000, 1_500]).toContain(third);
      expect(finished.get(store)).toBe(third);
    }
    const perWindow = (at: number): number => grants.filter((g) => g.at === at).length;
    expect([0, 500, 1_000, 1_500].map(perWindow)).toEqual([20, 20, 20, 7]);
    // The backlog spreads over the slots left: 20, then 11, then its last 9.
    expect(
      [0, 500, 1_000].map((at) => grantTimes('store-0').filter((t) => t === at).length),
    ).toEqual([20, 11, 9]);
    expect(finished.get('store-0')).toBe(1_000);
  });

  it('a different token has its own budget', () => {
    const registry = createRateLimiterRegistry(BUDGET);
    expect(registry.forToken('token-a')).toBe(registry.forToken('token-a'));
    expect(registry.forToken('token-a')).not.toBe(registry.forToken('token-b'));
  });
});
