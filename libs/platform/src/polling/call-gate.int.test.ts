import { afterEach, describe, expect, it } from '@jest/globals';
import type { Db } from 'mongodb';
import { Registry } from 'prom-client';
import { infra, uniqueName } from '@msync/test-support';
import { RateLimitedError } from '../errors.js';
import { connectMongo, type MongoHandle } from '../mongo.js';
import { createMongoCallGate } from './call-gate.js';

let handle: MongoHandle | undefined;
afterEach(async () => {
  await handle?.db.dropDatabase();
  await handle?.close();
  handle = undefined;
});

const KEY = 'mirakl:shop.example:2001:STO02';
const INTERVAL = 60_000;

async function database(metrics?: Registry) {
  handle = await connectMongo(infra().MONGO_URL, {
    dbName: uniqueName('gate').replace(/-/g, '_'),
    appName: 'call-gate-test',
    ...(metrics ? { metrics } : {}),
  });
  return handle.db;
}

/** Two processes' gates on one collection, on one clock the test moves. */
async function twoProcesses(metrics?: Registry) {
  const db = await database(metrics);
  const clock = { now: 1_000_000 };
  const gate = () => createMongoCallGate({ db, now: () => clock.now });
  return { db, clock, a: gate(), b: gate() };
}

/** The wait a refused claim names, or null when the claim was granted. */
const refusal = (claim: Promise<void>) =>
  claim.then(
    () => null,
    (error: unknown) => {
      if (error instanceof RateLimitedError) return error.retryAfterMs;
      throw error;
    },
  );

/** Inserts claim 2 on KEY, made at `now`, as a process does, its head left as it was. */
async function insertSecondClaim(db: Db, now: number) {
  const gate = db.collection<{ _id: string }>('call_gate');
  await gate.insertOne({
    _id: `${KEY}#2`,
    key: KEY,
    seq: 2,
    nextAt: now + INTERVAL,
    claimedAt: new Date(now),
    kind: 'call',
  } as { _id: string });
  return gate;
}

describe('the call gate on the real MongoDB-compatible server', () => {
  it("given a claim in one process, the other's claim waits out the interval, then is granted", async () => {
    const { clock, a, b } = await twoProcesses();
    await a.claim(KEY, INTERVAL);

    clock.now += 20_000;
    expect(await refusal(b.claim(KEY, INTERVAL))).toBe(40_000);
    expect(await b.waitMs(KEY)).toBe(40_000);

    clock.now += 40_000;
    expect(await refusal(b.claim(KEY, INTERVAL))).toBeNull();
    expect(await refusal(a.claim(KEY, INTERVAL))).toBe(INTERVAL);
  });

  it('given many claims at the same instant from two processes, exactly one is granted', async () => {
    const { a, b } = await twoProcesses();
    const waits = await Promise.all(
      Array.from({ length: 6 }, (_, i) => refusal((i % 2 ? a : b).claim(KEY, INTERVAL))),
    );
    expect(waits.filter((w) => w === null)).toHaveLength(1);
    expect(waits.filter((w) => w === INTERVAL)).toHaveLength(5);
  });

  it("given a push-back in one process, the other's next claim waits for it, and a shorter one never brings it forward", async () => {
    const { clock, a, b } = await twoProcesses();
    await a.claim(KEY, INTERVAL);
    // The call was answered 5 s later: the next one waits the interval from the answer.
    clock.now += 5_000;
    await a.pushBack(KEY, INTERVAL);
    await a.pushBack(KEY, 1_000);

    clock.now += INTERVAL - 1;
    expect(await refusal(b.claim(KEY, INTERVAL))).toBe(1);
    clock.now += 1;
    expect(await refusal(b.claim(KEY, INTERVAL))).toBeNull();
  });

  it('given a push-back on a key never claimed, its first claim waits for it', async () => {
    const { clock, a, b } = await twoProcesses();
    await a.pushBack(KEY, 30_000);
    expect(await refusal(b.claim(KEY, INTERVAL))).toBe(30_000);
    clock.now += 30_000;
    expect(await refusal(b.claim(KEY, INTERVAL))).toBeNull();
  });

  it('given push-backs of two processes at once on a key never claimed, each of them resolves', async () => {
    const { clock, a, b } = await twoProcesses();
    // The first writes of the key's head race for its `_id`.
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).pushBack(KEY, 10_000 + i * 1_000)),
    );
    // FerretDB may lose one of two concurrent updates (ADR 0103): some push-back holds.
    expect(await a.waitMs(KEY)).toBeGreaterThanOrEqual(10_000);
    clock.now += 17_000;
    expect(await refusal(b.claim(KEY, INTERVAL))).toBeNull();
  });

  it('given claims and a head written before ADR 0115 (no instant on the head), their instant still holds', async () => {
    const { db, clock, a } = await twoProcesses();
    const gate = db.collection<{ _id: string }>('call_gate');
    const claimedAt = new Date(clock.now);
    const claim = (seq: number, nextAt: number, kind: string) => ({
      _id: `${KEY}#${seq}`,
      key: KEY,
      seq,
      nextAt,
      claimedAt,
      kind,
    });
    await gate.insertMany([
      claim(7, clock.now + 10_000, 'call'),
      // An older process's push-back was a claim of its own, after the head it last wrote.
      claim(8, clock.now + 45_000, 'push-back'),
      { _id: KEY, head: 7 } as { _id: string },
    ]);

    expect(await refusal(a.claim(KEY, INTERVAL))).toBe(45_000);
    clock.now += 45_000;
    expect(await refusal(a.claim(KEY, INTERVAL))).toBeNull();
    expect(await gate.findOne({ _id: `${KEY}#9` })).toMatchObject({ seq: 9, kind: 'call' });
    // Written for both versions: a process of the older one reads `head` and finds claim 9.
    expect(await gate.findOne({ _id: KEY })).toMatchObject({
      head: 9,
      top: 9,
      nextAt: clock.now + INTERVAL,
    });
  });

  it('given a head an older process moved past the instant it counts, the newer claim is read', async () => {
    const { db, clock, a } = await twoProcesses();
    await a.claim(KEY, INTERVAL);
    clock.now += INTERVAL;
    // A process of the version before ADR 0115 claims: its claim, and `head` alone on the head.
    const gate = await insertSecondClaim(db, clock.now);
    await gate.updateOne({ _id: KEY }, { $max: { head: 2 } });

    clock.now += 1_000;
    expect(await refusal(a.claim(KEY, INTERVAL))).toBe(INTERVAL - 1_000);
  });

  it("given another process's claim whose head update was lost, a claim collides with it and waits for it", async () => {
    const { db, clock, a, b } = await twoProcesses();
    await a.claim(KEY, INTERVAL);
    clock.now += INTERVAL;
    // Process a's next claim, inserted; its head update never made it.
    const gate = await insertSecondClaim(db, clock.now);

    clock.now += 1_000;
    expect(await refusal(b.claim(KEY, INTERVAL))).toBe(INTERVAL - 1_000);
    clock.now += INTERVAL;
    expect(await refusal(b.claim(KEY, INTERVAL))).toBeNull();
    expect(await gate.countDocuments({ _id: `${KEY}#3` })).toBe(1);
  });

  it('a claim and the push-back after its answer cost five database commands together, not twelve', async () => {
    const metrics = new Registry();
    const { clock, a } = await twoProcesses(metrics);
    await a.claim(KEY, INTERVAL);
    clock.now += INTERVAL;
    const commands = async () =>
      (await metrics.getSingleMetricAsString('mongodb_commands_total'))
        .split('\n')
        .filter((line) => line.includes('collection="call_gate"'))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    const before = await commands();

    await a.claim(KEY, INTERVAL);
    await a.pushBack(KEY, INTERVAL);

    // Claim: the head, the insert, the head's update, an old claim's delete (ADR 0159: no try
    // past the head before an insert collides). Push-back: the head's update.
    expect((await commands()) - before).toBe(5);
  });
});
