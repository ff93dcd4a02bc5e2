import { afterEach, describe, expect, it } from '@jest/globals';
import {
  RateLimitedError,
  connectMongo,
  createMongoCallGate,
  type CallGate,
  type MongoHandle,
} from '@msync/platform';
import { infra, uniqueName } from '@msync/test-support';
import { afterMiraklCall, claimMiraklCall, gatedSpacing } from './call-gate.js';
import type { StockImportStarted } from './domain.js';
import { NO_CALL_LIMITS, fastClient, startSimulator } from './test-support/harness.js';

let handle: MongoHandle | undefined;
afterEach(async () => {
  await handle?.db.dropDatabase();
  await handle?.close();
  handle = undefined;
});

const INTERVAL_MS = 60_000;
const shop = { storeUrl: 'https://acme.mirakl.net', shopId: '2001' };

/** The shared gate on the real server, read on a clock the test moves. */
async function gateAt(clock: { now: number }): Promise<CallGate> {
  handle = await connectMongo(infra().MONGO_URL, {
    dbName: uniqueName('gate').replaceAll('-', '_'),
    appName: 'call-gate-test',
  });
  return createMongoCallGate({ db: handle.db, now: () => clock.now });
}

/** The wait a refused claim asks for, or null when the claim is granted. */
async function waitOf(gate: CallGate): Promise<number | null> {
  try {
    await claimMiraklCall(gate, shop, 'OR11', INTERVAL_MS);
    return null;
  } catch (error) {
    if (error instanceof RateLimitedError) return error.retryAfterMs;
    throw error;
  }
}

describe('a gated Mirakl call spaced from its answer', () => {
  it('given a call that took 5 s to answer, the next claim waits the interval from the answer, not from the claim', async () => {
    const clock = { now: 1_000_000 };
    const gate = await gateAt(clock);
    expect(await waitOf(gate)).toBeNull();
    clock.now += 5_000; // the call was answered 5 s after the claim
    await afterMiraklCall(gate, shop, 'OR11', INTERVAL_MS);

    clock.now += INTERVAL_MS - 5_000; // the interval after the claim: too early for Mirakl
    expect(await waitOf(gate)).toBe(5_000);
    clock.now += 5_000; // the interval after the answer
    expect(await waitOf(gate)).toBeNull();
  });

  it('given a 429, the next claim waits its Retry-After from the answer', async () => {
    const clock = { now: 2_000_000 };
    const gate = await gateAt(clock);
    expect(await waitOf(gate)).toBeNull();
    clock.now += 1_000;
    await afterMiraklCall(
      gate,
      shop,
      'OR11',
      INTERVAL_MS,
      new RateLimitedError('slow down', 90_000),
    );

    clock.now += INTERVAL_MS;
    expect(await waitOf(gate)).toBe(30_000);
    clock.now += 30_000;
    expect(await waitOf(gate)).toBeNull();
  });
});

describe('an import followed by two processes through the shared gate', () => {
  it("keeps STO02's interval between the two processes' status reads of the shop, and both see the import end", async () => {
    handle = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('gate').replaceAll('-', '_'),
      appName: 'call-gate-test',
    });
    const gate = createMongoCallGate({ db: handle.db });
    const sim = await startSimulator({ callFrequencyMs: { STO02: 1_500 } });
    try {
      const { shopId, apiKey } = sim.control.addShop({
        apiKey: 'gated-follow-key',
        offers: [{ sku: 'G', quantity: 0 }],
      });
      const shared = gatedSpacing(
        gate,
        { storeUrl: sim.url, shopId: String(shopId) },
        {
          STO02: 1_600,
        },
      );
      // Two processes: each its own client and limiter, the gate in common.
      const oneProcess = () =>
        fastClient(sim.url, apiKey, {
          importFirstPollDelayMs: 50,
          limiter: { minIntervalMs: { ...NO_CALL_LIMITS, STO02: 1_600 }, maxWaitMs: 0 },
          maxRetryAfterMs: 0,
          sharedSpacing: shared,
        });
      const started: StockImportStarted[] = [];
      const pushed = await oneProcess().pushStock([{ sku: 'G', quantity: 2 }], {
        onStarted: (s) => {
          started.push(s);
          return Promise.resolve();
        },
      });
      // The other process follows the same import right after the first one's read.
      const followed = await oneProcess().followStockImport(started[0]!, [
        { sku: 'G', quantity: 2 },
      ]);
      expect([pushed.status, followed.status]).toEqual(['COMPLETE', 'COMPLETE']);
      const reads = sim.control.exchanges().filter((e) => e.operation === 'STO02');
      expect(reads.map((e) => e.status)).toEqual([200, 200]);
      expect(Date.parse(reads[1]!.at!) - Date.parse(reads[0]!.at!)).toBeGreaterThanOrEqual(1_500);
    } finally {
      await sim.close();
    }
  });
});
