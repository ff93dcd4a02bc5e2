import { afterEach, describe, expect, it } from '@jest/globals';
import { createMongoParkedEventStore, physicalTopic, type ParkedEventStore } from '@msync/events';
import { RetriableError, createMetricsRegistry, createMongoLeases, sleep } from '@msync/platform';
import { capturingLogger, counted } from '@msync/test-support';
import type { Fact } from './applier.js';
import { applierMetrics } from './metrics.js';
import { createRetrier, type Retrier } from './retrier.js';
import { applierHarness, eventually, type ApplierHarness } from './test-support/harness.js';
import { awaitingAcceptance } from './test-support/facts.js';

const LEASE_MS = 2_000;
const FACTS = 8;
/** Each replayed fact takes this long: the lane takes three times the lease to drain. */
const HANDLE_MS = 500;

let h: ApplierHarness | undefined;
const retriers: Retrier[] = [];
afterEach(async () => {
  for (const retrier of retriers.splice(0)) await retrier.stop();
  await h?.close();
  h = undefined;
});

interface Replay {
  by: string;
  orderId: string;
  startedAt: number;
  endedAt: number;
}

const GROUP = 'sync-applier-retrier-test';
const STORE = 'store-slow-lane';

/** Parks one acceptance fact of `storeId` in the store's lane. */
async function parkFact(
  harness: ApplierHarness,
  store: ParkedEventStore,
  fact: { storeId: string; orderId: string; offset: number; reason: string },
): Promise<void> {
  await store.park({
    groupId: GROUP,
    key: fact.storeId,
    topic: physicalTopic('orderAwaitingAcceptance', harness.namespace),
    partition: 0,
    offset: String(fact.offset),
    value: await harness.codec.encode(
      'orderAwaitingAcceptance',
      awaitingAcceptance({ storeId: fact.storeId, orderId: fact.orderId }),
    ),
    headers: {},
    reason: fact.reason,
    attempts: 0,
    nextAttemptAt: new Date(),
  });
}

async function parkLane(harness: ApplierHarness, store: ParkedEventStore): Promise<string[]> {
  const orderIds = Array.from({ length: FACTS }, (_, i) => `${STORE}-${i + 1}-A`);
  for (const [i, orderId] of orderIds.entries()) {
    const reason = i === 0 ? 'http-500' : 'behind-set-aside';
    await parkFact(harness, store, { storeId: STORE, orderId, offset: i, reason });
  }
  return orderIds;
}

/** A retrier whose effect is slow (or `handle`, when given): who replays what, when. */
function startRetrier(
  harness: ApplierHarness,
  store: ParkedEventStore,
  name: string,
  replays: Replay[],
  handle?: (fact: Fact) => Promise<void>,
  backoff?: { initialDelayMs: number; maxDelayMs: number },
) {
  const registry = createMetricsRegistry('retrier-test');
  const retrier = createRetrier({
    store,
    leases: createMongoLeases({
      db: harness.mongo.db,
      collection: 'retrier_leases',
      leaseMs: LEASE_MS,
      holder: name,
    }),
    renewEveryMs: LEASE_MS / 4,
    codec: harness.codec,
    namespace: harness.namespace,
    groups: { store: GROUP, waiting: `${GROUP}.waiting` },
    // The effect is slow; what it does is not the point here, only who replays what, when.
    handle:
      handle ??
      (async (fact: Fact) => {
        const startedAt = Date.now();
        await sleep(HANDLE_MS);
        if (fact.topicKey !== 'orderAwaitingAcceptance') throw new Error('unexpected fact');
        replays.push({ by: name, orderId: fact.value.orderId, startedAt, endedAt: Date.now() });
      }),
    dlqProducer: harness.publisher.producer,
    logger: capturingLogger('error').logger,
    metrics: applierMetrics(registry),
    registry,
    intervalMs: 50,
    ...(backoff ? { backoff } : {}),
  });
  retriers.push(retrier);
  retrier.start();
  return { retrier, registry };
}

describe('the retrier holds a lane for as long as it drains it', () => {
  it('renews its lease during a drain three times longer than the lease: the other instance never enters the lane, every fact is replayed once, in order', async () => {
    h = await applierHarness();
    const store = await createMongoParkedEventStore(h.mongo.db);
    const orderIds = await parkLane(h, store);
    const replays: Replay[] = [];
    const a = startRetrier(h, store, 'instance-a', replays);
    const b = startRetrier(h, store, 'instance-b', replays);

    await eventually(() => replays.length >= FACTS, 'every parked fact replayed');
    await eventually(async () => !(await store.hasParked(GROUP, STORE)), 'the lane is empty');
    expect(replays.map((r) => r.orderId)).toEqual(orderIds);
    const drainer = replays[0]!.by;
    expect(replays.every((r) => r.by === drainer)).toBe(true);
    for (let i = 1; i < replays.length; i++)
      expect(replays[i]!.startedAt).toBeGreaterThanOrEqual(replays[i - 1]!.endedAt);
    expect(replays[FACTS - 1]!.endedAt - replays[0]!.startedAt).toBeGreaterThan(2 * LEASE_MS);
    // The other instance kept trying the lane while it was drained, and found it held.
    const other = drainer === 'instance-a' ? b : a;
    expect(
      await counted(other.registry, 'sync_applier_retrier_attempts_total', { result: 'busy' }),
    ).toBeGreaterThan(0);
  });

  it('stops draining before its next fact once its lease was taken over, and leaves the rest of the lane in order', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await createMongoParkedEventStore(harness.mongo.db);
    const orderIds = await parkLane(harness, store);
    const replays: Replay[] = [];
    const a = startRetrier(harness, store, 'instance-a', replays);
    await eventually(() => replays.length >= 2, 'two facts replayed');

    // Another holder takes the lane over (as after a pause longer than the lease).
    const leases = harness.mongo.db.collection<{ _id: string; owner: string; expiresAt: number }>(
      'retrier_leases',
    );
    await leases.deleteOne({ _id: `${GROUP}|${STORE}` });
    await leases.insertOne({
      _id: `${GROUP}|${STORE}`,
      owner: 'intruder',
      expiresAt: Date.now() + 60_000,
    });

    await eventually(
      async () =>
        (await counted(a.registry, 'sync_applier_retrier_attempts_total', {
          result: 'lease-lost',
        })) === 1,
      'the drain noticed the lost lease',
    );
    // The fact in flight when the renewal failed finishes; nothing after it starts.
    await eventually(
      async () =>
        (await counted(a.registry, 'sync_applier_retrier_attempts_total', { result: 'busy' })) > 0,
      'the lane found held by its new holder',
    );
    const replayed = replays.map((r) => r.orderId);
    expect(replayed.length).toBeLessThan(FACTS);
    expect(replayed).toEqual(orderIds.slice(0, replayed.length));
    const left = await store.list(GROUP, STORE);
    expect(left.map((p) => p.offset)).toEqual(
      orderIds.slice(replayed.length).map((id) => String(orderIds.indexOf(id))),
    );
  });
});

describe('the retrier drains parked stores side by side', () => {
  it("replays another store's lane while one store's replay still waits on its vendor", async () => {
    h = await applierHarness();
    const harness = h;
    const store = await createMongoParkedEventStore(harness.mongo.db);
    // Lanes are listed by key: the slow store's comes first.
    const slow = 'store-a-waiting-on-mirakl';
    const quick = 'store-b-next-in-line';
    for (const [offset, storeId] of [slow, quick].entries()) {
      const orderId = `${storeId}-A`;
      await parkFact(harness, store, { storeId, orderId, offset, reason: 'live-deadline' });
    }
    let release = (): void => undefined;
    const vendorAnswers = new Promise<void>((resolve) => (release = resolve));
    const replayed: string[] = [];
    // The slow store's fact waits (an import Mirakl still runs) until the test lets it end.
    startRetrier(harness, store, 'instance-a', [], async (fact: Fact) => {
      if (fact.topicKey !== 'orderAwaitingAcceptance') throw new Error('unexpected fact');
      if (fact.value.envelope.storeId === slow) await vendorAnswers;
      replayed.push(fact.value.envelope.storeId);
    });

    await eventually(() => replayed.includes(quick), "the other store's lane replayed");
    expect(replayed).toEqual([quick]);
    release();
    await eventually(() => replayed.includes(slow), "the slow store's lane replayed");
    await eventually(async () => !(await store.hasParked(GROUP, slow)), 'the slow lane is empty');
    expect(await store.hasParked(GROUP, quick)).toBe(false);
  });
});

describe('the retrier leaves a lane alone while its head waits out its backoff', () => {
  it('reads a lane whose head is not due once, not every pass, and replays it in order once due (ADR 0158)', async () => {
    h = await applierHarness();
    const real = await createMongoParkedEventStore(h.mongo.db);
    const orderIds = await parkLane(h, real);
    // The real store, counting the reads of the lane and keeping when its head is due.
    let reads = 0;
    let dueAt = 0;
    const store: ParkedEventStore = {
      ...real,
      list: (...args) => {
        reads++;
        return real.list(...args);
      },
      recordFailedAttempt: (id, failure) => {
        dueAt = failure.nextAttemptAt.getTime();
        return real.recordFailedAttempt(id, failure);
      },
    };
    const BACKOFF_MS = 2_000;
    let failedAt = 0;
    const replays: Replay[] = [];
    startRetrier(
      h,
      store,
      'instance-a',
      replays,
      async (fact: Fact) => {
        if (fact.topicKey !== 'orderAwaitingAcceptance') throw new Error('unexpected fact');
        if (failedAt === 0) {
          failedAt = Date.now();
          throw new RetriableError('ShipBob 503', { reason: 'http-503' });
        }
        const startedAt = Date.now();
        replays.push({ by: 'a', orderId: fact.value.orderId, startedAt, endedAt: startedAt });
        await Promise.resolve();
      },
      { initialDelayMs: BACKOFF_MS, maxDelayMs: BACKOFF_MS },
    );

    await eventually(() => replays.length === FACTS, 'every parked fact replayed');
    expect(replays.map((r) => r.orderId)).toEqual(orderIds);
    // The backoff (2 s, half of it jittered) was waited out.
    expect(dueAt - failedAt).toBeGreaterThanOrEqual(BACKOFF_MS / 2);
    expect(replays[0]!.startedAt).toBeGreaterThanOrEqual(dueAt);
    // Passes every 50 ms over a wait of 1–2 s would have read the lane 20–40 times: it was read
    // for the failed attempt, once to find its head not due, then to replay it (and to find it
    // empty).
    expect(reads).toBeLessThanOrEqual(5);
  });
});
