import { afterEach, describe, expect, it } from '@jest/globals';
import {
  RateLimitedError,
  connectMongo,
  createMongoCallGate,
  type CallGate,
  type MongoHandle,
} from '@msync/platform';
import { infra, uniqueName } from '@msync/test-support';
import { afterMiraklCall, claimMiraklCall } from './call-gate.js';

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
