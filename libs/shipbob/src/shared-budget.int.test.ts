import { afterEach, describe, expect, it } from '@jest/globals';
import { connectMongo, type BudgetShape, type MongoHandle } from '@msync/platform';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { infra, uniqueName } from '@msync/test-support';
import { createRateLimiterRegistry } from './limiter.js';
import { SHIPBOB_BUDGET_COLLECTION, createShipBobSharedBudget } from './shared-budget.js';
import { clientFor, seedAccount } from './test-support/harness.js';

// ShipBob's 150 per 60 s, scaled down: 20 calls per 3 s. Slices live long enough for a claim's
// round trip to a busy FerretDB.
const SHAPE: BudgetShape = { limit: 20, windowMs: 3_000, sliceTtlMs: 1_500, slackMs: 500 };
const CALLS_EACH = 25;
const SLICE = 5;

let sim: RunningShipBobSimulator | undefined;
let mongo: MongoHandle | undefined;
afterEach(async () => {
  await sim?.close();
  await mongo?.db.dropDatabase();
  await mongo?.close();
  sim = undefined;
  mongo = undefined;
});

function maxInAnyWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('one ShipBob budget shared by several processes', () => {
  it('two limiter instances on one token, each allowed the whole budget locally, together never exceed it at ShipBob, claiming slices rather than a round trip per call', async () => {
    sim = await startShipBobSimulator({ port: 0, rateLimit: SHAPE });
    mongo = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('shipbob-budget').replaceAll('-', '_'),
      appName: 'shipbob-budget-test',
    });
    const account = seedAccount(sim);
    // Two processes: each its own registry (its own local limiter), one database. Each counts
    // its claims (database round trips) and the calls they granted.
    const claims = { 'process-a': { asked: 0, granted: 0 }, 'process-b': { asked: 0, granted: 0 } };
    const processes = (['process-a', 'process-b'] as const).map((holder) => {
      const budget = createShipBobSharedBudget(mongo!.db, { shape: SHAPE, holder });
      return createRateLimiterRegistry({
        limit: SHAPE.limit,
        windowMs: SHAPE.windowMs,
        shared: {
          budget: {
            shape: budget.shape,
            claim: async (key, want) => {
              const grant = await budget.claim(key, want);
              claims[holder].asked++;
              if (grant.granted) claims[holder].granted += grant.calls;
              return grant;
            },
          },
          sliceSize: SLICE,
        },
      });
    });
    await Promise.all(
      processes.map(async (registry, i) => {
        const holder = `process-${i}`;
        const { client } = clientFor(sim!, account, {
          storeId: holder,
          limiter: registry.forToken(account.pat),
          channelId: account.channelId,
          timeoutMs: 10_000,
        });
        // Four calls in flight at a time per process.
        let left = CALLS_EACH;
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (left-- > 0) await client.listFulfillmentCenters();
          }),
        );
      }),
    );

    const seen = sim.control.exchanges().filter((e) => e.caller === String(account.merchantId));
    expect(seen).toHaveLength(2 * CALLS_EACH);
    expect(seen.filter((e) => e.status === 429)).toEqual([]);
    expect(
      maxInAnyWindow(
        seen.map((e) => Date.parse(e.at!)),
        SHAPE.windowMs,
      ),
    ).toBeLessThanOrEqual(SHAPE.limit);
    // Each called only within what it claimed, and asked the database per slice, not per call.
    for (const holder of ['process-a', 'process-b'] as const) {
      expect(claims[holder].granted).toBeGreaterThanOrEqual(CALLS_EACH);
      expect(claims[holder].asked).toBeLessThan(CALLS_EACH / 2);
    }
    const slices = await mongo.db.collection(SHIPBOB_BUDGET_COLLECTION).countDocuments();
    expect(slices).toBeGreaterThan(0);
  });
});

describe('a whole-account read claims the shared budget for the pages it expects', () => {
  it('claims slices on the first read, then the last read’s page count at once, never more than the largest slice', async () => {
    sim = await startShipBobSimulator({ port: 0 });
    mongo = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('shipbob-budget').replaceAll('-', '_'),
      appName: 'shipbob-budget-test',
    });
    const account = seedAccount(sim);
    for (let i = 0; i < 24; i++)
      sim.control.world.seedProduct(account.merchantId, { sku: `PAGED-${i}`, stock: { 1: i } });
    const budget = createShipBobSharedBudget(mongo.db);
    const wants: number[] = [];
    const registry = createRateLimiterRegistry({
      shared: {
        budget: {
          shape: budget.shape,
          claim: (key, want) => {
            wants.push(want);
            return budget.claim(key, want);
          },
        },
        sliceSize: 5,
        maxSliceSize: 20,
      },
    });
    const pagesOfLevels = () =>
      sim!.control.exchanges().filter((e) => e.operation === 'GET /inventory-level').length;
    const reader = (pageSize: number) =>
      clientFor(sim!, account, {
        limiter: registry.forToken(account.pat),
        channelId: account.channelId,
        pageSize,
      }).client;

    // 24 items, 2 a page: 12 pages. Nothing known before the first read: slices of 5.
    const client = reader(2);
    expect(await client.readInventoryTotals()).toHaveLength(24);
    expect(pagesOfLevels()).toBe(12);
    expect(wants).toEqual([5, 5, 5]);

    // The second read expects 12 pages: one claim for the ones the first read's last slice
    // (3 calls left, for 5 s) does not cover.
    wants.length = 0;
    expect(await client.readInventoryTotals()).toHaveLength(24);
    expect(pagesOfLevels()).toBe(24);
    expect(wants).toHaveLength(1);
    expect(wants[0]).toBeGreaterThanOrEqual(12 - 3);
    expect(wants[0]).toBeLessThanOrEqual(12);

    // 24 pages expected: the largest slice, then the usual slice for the few pages left.
    const onePerPage = reader(1);
    await onePerPage.readInventoryTotals();
    wants.length = 0;
    await onePerPage.readInventoryTotals();
    expect(wants).toEqual([20, 5]);
  });
});
