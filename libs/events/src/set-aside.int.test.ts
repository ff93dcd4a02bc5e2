import { afterEach, describe, expect, it } from '@jest/globals';
import {
  PermanentError,
  RetriableError,
  connectMongo,
  createMetricsRegistry,
  type MongoHandle,
} from '@msync/platform';
import { capturingLogger, infra, uniqueName, withContext } from '@msync/test-support';
import { physicalTopic } from './catalog.js';
import { createEventConsumer, type ConsumedEventOf } from './consumer.js';
import type { DeadLetterWriter } from './dead-letter.js';
import type { RawMessage } from './delivery.js';
import { createMongoParkedEventStore } from './parked-store.js';
import {
  BEHIND_SET_ASIDE,
  drainParked,
  type DrainOptions,
  type ParkedEventStore,
} from './set-aside.js';
import {
  committedOffsets,
  eventually,
  orderConsumer,
  orderTopicHarness,
  topicsHarness,
  type EventsHarness,
} from './test-support/harness.js';
import { sampleEvents } from './test-support/samples.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(): Promise<{ h: EventsHarness; store: ParkedEventStore; mongo: MongoHandle }> {
  const h = await orderTopicHarness(1);
  cleanups.push(() => h.close());
  const mongo = await connectMongo(infra().MONGO_URL, {
    dbName: uniqueName('events').replace(/-/g, '_'),
    appName: 'test',
  });
  cleanups.push(async () => {
    await mongo.db.dropDatabase();
    await mongo.close();
  });
  return { h, store: await createMongoParkedEventStore(mongo.db), mongo };
}

const order = (storeId: string, orderId: string) => ({
  ...sampleEvents(storeId).orderReadyToShip,
  orderId,
});

/** A DLQ writer that records what it was given (the Kafka one is tested in events.int). */
function recordingDeadLetter(): DeadLetterWriter & {
  written: { message: RawMessage; error: unknown }[];
} {
  const written: { message: RawMessage; error: unknown }[] = [];
  const writer = (message: RawMessage, error: unknown) => {
    written.push({ message, error });
    return Promise.resolve();
  };
  return Object.assign(writer, { written });
}

async function setAsideCount(metrics: ReturnType<typeof createMetricsRegistry>, reason: string) {
  const metric = await metrics.getSingleMetric('events_set_aside_total')?.get();
  return (metric?.values ?? [])
    .filter((v) => v.labels['reason'] === reason)
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * Parks `length` orders of store-1 in one lane, in order: the first failed (its attempts and
 * when it is due as given; tried never and due now otherwise), the others behind it.
 */
async function parkOrderLane(
  h: EventsHarness,
  store: ParkedEventStore,
  groupId: string,
  length: number,
  head: { attempts: number; nextAttemptAt: Date } = { attempts: 0, nextAttemptAt: new Date() },
) {
  const topic = physicalTopic('orderReadyToShip', h.namespace);
  const events = Array.from({ length }, (_, i) => order('store-1', `O-${i}`));
  const values = await h.codec.encodeAll('orderReadyToShip', events);
  await store.parkMany!(
    values.map((value, i) => ({
      groupId,
      key: 'store-1',
      topic,
      partition: 0,
      offset: String(i),
      value,
      headers: {},
      ...(i === 0
        ? { reason: 'shipbob-unavailable', ...head }
        : { reason: BEHIND_SET_ASIDE, attempts: 0, nextAttemptAt: new Date() }),
    })),
  );
  return events;
}

/** Drains store-1's lane of orders with `handle` (dead letters recorded unless given). */
function drainOrderLane(
  h: EventsHarness,
  store: ParkedEventStore,
  groupId: string,
  handle: (event: ConsumedEventOf<'orderReadyToShip'>) => Promise<void>,
  options: Partial<DrainOptions<'orderReadyToShip'>> = {},
) {
  return drainParked({
    store,
    codec: h.codec,
    groupId,
    key: 'store-1',
    topics: ['orderReadyToShip'],
    namespace: h.namespace,
    handle,
    deadLetter: recordingDeadLetter(),
    ...options,
  });
}

describe('setting events aside without blocking the partition', () => {
  it.each([1, 4])(
    'parks a retriable failure and every later event of its store, commits past them, lets other stores flow, and drains them in order (%i keys at a time)',
    async (keysConsumedConcurrently) => {
      const { h, store } = await setup();
      const topic = physicalTopic('orderReadyToShip', h.namespace);
      const groupId = uniqueName('group');
      const metrics = createMetricsRegistry('test');
      let shipbobDown = true;
      const attempted: string[] = [];
      const applied: string[] = [];
      const handle = async (event: ConsumedEventOf<'orderReadyToShip'>) => {
        attempted.push(event.value.orderId);
        if (shipbobDown && event.key === 'store-down') {
          throw new RetriableError('ShipBob is unavailable', { reason: 'shipbob-unavailable' });
        }
        applied.push(event.value.orderId);
      };
      const consumer = orderConsumer(h, {
        groupId,
        handle,
        metrics,
        setAside: store,
        keysConsumedConcurrently,
        retry: { initialDelayMs: 100, maxDelayMs: 500 },
        commit: { intervalMs: 100, everyMessages: 1_000 },
      });
      cleanups.push(() => consumer.stop());
      await consumer.start();

      // One partition, in this order: offsets 0..4.
      await h.publisher.publish('orderReadyToShip', [
        order('store-down', 'DOWN-1'),
        order('store-up', 'UP-1'),
        order('store-down', 'DOWN-2'),
        order('store-up', 'UP-2'),
        order('store-down', 'DOWN-3'),
      ]);

      await eventually(
        async () => (await committedOffsets(h.kafka, groupId, topic)).get(0) === '5',
        'every offset committed, the failing store included',
      );
      expect(applied).toEqual(['UP-1', 'UP-2']);
      // Only the first event of the failing store was tried; the others queued behind it.
      expect(attempted.filter((id) => id.startsWith('DOWN'))).toEqual(['DOWN-1']);
      const parked = await store.list(groupId, 'store-down');
      expect(parked.map((p) => [p.offset, p.reason, p.attempts])).toEqual([
        ['0', 'shipbob-unavailable', 1],
        ['2', BEHIND_SET_ASIDE, 0],
        ['4', BEHIND_SET_ASIDE, 0],
      ]);
      expect(parked[0]!.error).toContain('ShipBob is unavailable');
      expect(await store.parkedKeys(groupId)).toEqual(['store-down']);
      expect(await setAsideCount(metrics, 'shipbob-unavailable')).toBe(1);
      expect(await setAsideCount(metrics, BEHIND_SET_ASIDE)).toBe(2);

      // ShipBob is back: a retrier drains the store's lane in order.
      shipbobDown = false;
      const result = await drainParked({
        store,
        codec: h.codec,
        groupId,
        key: 'store-down',
        topics: ['orderReadyToShip'],
        namespace: h.namespace,
        handle,
        deadLetter: recordingDeadLetter(),
        now: () => new Date(Date.now() + 60_000),
      });
      expect(result).toMatchObject({ outcome: 'drained', replayed: 3, deadLettered: 0 });
      expect(applied).toEqual(['UP-1', 'UP-2', 'DOWN-1', 'DOWN-2', 'DOWN-3']);
      expect(await store.hasParked(groupId, 'store-down')).toBe(false);

      // The lane is empty again: the store's next event is handled directly, not parked.
      await h.publisher.publish('orderReadyToShip', order('store-down', 'DOWN-4'));
      await eventually(() => applied.includes('DOWN-4'), 'the next event of the drained store');
      expect(await store.list(groupId, 'store-down')).toEqual([]);
      expect(await setAsideCount(metrics, BEHIND_SET_ASIDE)).toBe(2);
    },
  );

  it('keeps the lane order through redeliveries, and stops draining at a failure that retrying may fix', async () => {
    const { h, store } = await setup();
    const groupId = uniqueName('group');
    const topic = physicalTopic('orderReadyToShip', h.namespace);
    const events = ['A', 'B', 'C', 'D'].map((id) => order('store-1', id));
    const values = await h.codec.encodeAll('orderReadyToShip', events);
    const park = (i: number) =>
      store.park({
        groupId,
        key: 'store-1',
        topic,
        partition: 0,
        offset: String(i),
        value: values[i]!,
        headers: { 'event-id': events[i]!.envelope.eventId },
        reason: i === 0 ? 'shipbob-unavailable' : BEHIND_SET_ASIDE,
        attempts: i === 0 ? 1 : 0,
        nextAttemptAt: new Date(Date.now() + 60_000),
      });
    for (const i of [0, 1, 2, 3]) await park(i);
    await park(1); // a redelivery after a crash before the commit: no second entry
    await store.park({ ...(await store.list(groupId, 'store-1'))[0]!, groupId: 'other-group' });

    const lane = await store.list(groupId, 'store-1');
    expect(lane.map((p) => [p.offset, p.seq])).toEqual([
      ['0', 1],
      ['1', 2],
      ['2', 3],
      ['3', 4],
    ]);
    expect(lane[1]!.value).toEqual(values[1]);
    expect(lane[1]!.headers).toEqual({ 'event-id': events[1]!.envelope.eventId });
    expect(await store.parkedKeys('other-group')).toEqual(['store-1']);

    const drain = (handle: (e: ConsumedEventOf<'orderReadyToShip'>) => Promise<void>, now: Date) =>
      drainOrderLane(h, store, groupId, handle, { deadLetter, now: () => now });
    const deadLetter = recordingDeadLetter();

    // The head is not due before its next attempt time.
    const untouched: string[] = [];
    expect(
      await drain(async (e) => void untouched.push(e.value.orderId), new Date()),
    ).toMatchObject({ outcome: 'not-due', replayed: 0 });
    expect(untouched).toEqual([]);

    // A: done; B: rejected for good (dead-lettered); C: still failing, so C and D stay.
    const applied: string[] = [];
    const later = new Date(Date.now() + 120_000);
    const result = await drain(async (event) => {
      const id = event.value.orderId;
      if (id === 'B') throw new PermanentError('unknown SKU', { reason: 'unknown-sku' });
      if (id === 'C') throw new RetriableError('ShipBob 503', { reason: 'shipbob-unavailable' });
      applied.push(id);
    }, later);
    expect(result).toMatchObject({ outcome: 'failed', replayed: 1, deadLettered: 1 });
    expect(applied).toEqual(['A']);
    expect(deadLetter.written.map((w) => w.message.offset)).toEqual(['1']);
    expect(deadLetter.written[0]!.message.key?.toString()).toBe('store-1');
    const left = await store.list(groupId, 'store-1');
    expect(left.map((p) => [p.offset, p.attempts, p.reason])).toEqual([
      ['2', 1, 'shipbob-unavailable'],
      ['3', 0, BEHIND_SET_ASIDE],
    ]);
    expect(left[0]!.nextAttemptAt.getTime()).toBeGreaterThan(later.getTime());
  });

  it('prepares a lane 200 events at a time before handling them, releasing each chunk after it, and nothing past a failure (ADR 0153)', async () => {
    const { h, store } = await setup();
    const groupId = uniqueName('group');
    await parkOrderLane(h, store, groupId, 450);
    // What happened, in order: a chunk prepared (its first and last ids), an event handled, a
    // chunk released.
    const steps: string[] = [];
    const result = await drainOrderLane(
      h,
      store,
      groupId,
      (event) => {
        const id = event.value.orderId;
        if (id === 'O-250')
          throw new RetriableError('ShipBob 503', { reason: 'shipbob-unavailable' });
        steps.push(id);
        return Promise.resolve();
      },
      {
        prepare: (chunk) => {
          const ids = chunk.map((e) => e.value.orderId);
          steps.push(`prepare ${ids[0]}..${ids.at(-1)} (${ids.length})`);
          return Promise.resolve(() => void steps.push(`release ${ids[0]}`));
        },
      },
    );
    expect(result).toMatchObject({ outcome: 'failed', replayed: 250 });
    const handled = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => `O-${from + i}`);
    expect(steps).toEqual([
      'prepare O-0..O-199 (200)',
      ...handled(0, 200),
      'release O-0',
      'prepare O-200..O-399 (200)',
      ...handled(200, 250),
      'release O-200',
    ]);
    expect((await store.list(groupId, 'store-1')).map((p) => p.offset)).toEqual(
      handled(250, 450).map((id) => id.slice(2)),
    );
  });

  it('reads a long lane a chunk at a time from its head: a head not due costs one chunk, a drain every event in order (ADR 0158)', async () => {
    const { h, store: real } = await setup();
    const groupId = uniqueName('group');
    const later = new Date(Date.now() + 60_000);
    const events = await parkOrderLane(h, real, groupId, 450, {
      attempts: 1,
      nextAttemptAt: later,
    });
    // The real store, with what each of its reads gave.
    const reads: number[] = [];
    const store: ParkedEventStore = {
      ...real,
      list: async (...args) => {
        const lane = await real.list(...args);
        reads.push(lane.length);
        return lane;
      },
    };
    const handled: string[] = [];
    const drain = (now: Date) =>
      drainOrderLane(
        h,
        store,
        groupId,
        (event) => {
          handled.push(event.value.orderId);
          return Promise.resolve();
        },
        { now: () => now },
      );

    expect(await drain(new Date())).toMatchObject({ outcome: 'not-due', replayed: 0 });
    expect(reads).toEqual([200]);
    expect(handled).toEqual([]);

    reads.length = 0;
    expect(await drain(new Date(later.getTime() + 1))).toMatchObject({
      outcome: 'drained',
      replayed: 450,
    });
    expect(reads).toEqual([200, 200, 50, 0]);
    expect(handled).toEqual(events.map((e) => e.orderId));
    expect(await real.list(groupId, 'store-1')).toEqual([]);
  });

  it("sets a store's later events aside behind its failure a run at a time, in order, and a redelivered run once", async () => {
    const { h, store } = await setup();
    const groupId = uniqueName('group');
    const topic = physicalTopic('orderReadyToShip', h.namespace);
    // The real store, its writes counted
    const writes = { park: 0, parkMany: 0 };
    const counted: ParkedEventStore = {
      ...store,
      park: (event) => {
        writes.park++;
        return store.park(event);
      },
      parkMany: (events) => {
        writes.parkMany++;
        return store.parkMany!(events);
      },
    };
    const applied: string[] = [];
    const consumer = orderConsumer(h, {
      groupId,
      handle: (event) => {
        if (event.key === 'store-down')
          return Promise.reject(new RetriableError('ShipBob is unavailable', { reason: 'down' }));
        applied.push(event.value.orderId);
        return Promise.resolve();
      },
      setAside: counted,
      keysConsumedConcurrently: 4,
      retry: { initialDelayMs: 100, maxDelayMs: 500 },
      commit: { intervalMs: 100, everyMessages: 1_000 },
    });
    cleanups.push(() => consumer.stop());
    await consumer.start();

    // Given 300 events of a store whose first fails, among 30 of a store that works
    const events = Array.from({ length: 330 }, (_, i) =>
      i % 11 === 5 ? order('store-up', `UP-${i}`) : order('store-down', `DOWN-${i}`),
    );
    await h.publisher.publish('orderReadyToShip', events);

    // Then every offset is committed, the working store applied, the failing one parked in order
    await eventually(
      async () => (await committedOffsets(h.kafka, groupId, topic)).get(0) === '330',
      'every offset committed',
    );
    expect(applied).toHaveLength(30);
    const lane = await store.list(groupId, 'store-down');
    const downOffsets = events.flatMap((e, i) => (e.orderId.startsWith('DOWN') ? [String(i)] : []));
    expect(lane.map((p) => p.offset)).toEqual(downOffsets);
    expect(lane.map((p) => p.seq)).toEqual(downOffsets.map((_, i) => i + 1));
    // One write for the failure, then a write per fetched run behind it, not one per event
    expect(writes.park).toBe(1);
    withContext(`${writes.parkMany} writes for 299 events behind`, () =>
      expect(writes.parkMany).toBeLessThanOrEqual(10),
    );

    // When a run is delivered again after a crash (part of it parked already), plus a new one
    const again = lane.slice(-3).map(({ id: _id, seq: _seq, parkedAt: _at, ...event }) => event);
    const next = { ...again[2]!, offset: '330' };
    await store.parkMany!([...again, next]);
    // Then each is parked once, the new one at the end
    const after = await store.list(groupId, 'store-down');
    expect(after.map((p) => p.offset)).toEqual([...downOffsets, '330']);
  });

  it.each([
    { name: 'one lane per key (the default)', lanes: undefined, expected: 'set aside behind it' },
    { name: 'a lane per key and topic (laneOf)', lanes: 'per-topic', expected: 'handled' },
  ] as const)(
    "with $name, a store's event of another topic is $expected while its failed event is set aside (ADR 0100)",
    async ({ lanes, expected }) => {
      const h = await topicsHarness(['orderReadyToShip', 'orderCanceledOnMarketplace']);
      cleanups.push(() => h.close());
      const { store } = await setup();
      const groupId = uniqueName('group');
      const metrics = createMetricsRegistry('test');
      type Topic = 'orderReadyToShip' | 'orderCanceledOnMarketplace';
      const handled: string[] = [];
      const consumer = createEventConsumer<Topic>({
        kafka: h.kafka,
        codec: h.codec,
        logger: capturingLogger('error').logger,
        topics: ['orderReadyToShip', 'orderCanceledOnMarketplace'],
        dlqProducer: h.publisher.producer,
        namespace: h.namespace,
        groupId,
        metrics,
        setAside: store,
        ...(lanes ? { laneOf: (topic: Topic, key: string) => `${key}|${topic}` } : {}),
        handle: async (event) => {
          if (event.topicKey === 'orderReadyToShip')
            throw new RetriableError('ShipBob is unavailable', { reason: 'shipbob-unavailable' });
          handled.push(event.topicKey);
        },
        retry: { initialDelayMs: 100, maxDelayMs: 500 },
        commit: { intervalMs: 100 },
      });
      cleanups.push(() => consumer.stop());
      await consumer.start();

      await h.publisher.publish('orderReadyToShip', order('store-down', 'DOWN-1'));
      await eventually(
        async () => (await setAsideCount(metrics, 'shipbob-unavailable')) === 1,
        'the failed event set aside',
      );
      await h.publisher.publish(
        'orderCanceledOnMarketplace',
        sampleEvents('store-down').orderCanceledOnMarketplace,
      );
      const failedLane = lanes ? 'store-down|orderReadyToShip' : 'store-down';
      if (expected === 'handled') {
        await eventually(() => handled.length === 1, 'the other topic’s event handled');
        expect(await setAsideCount(metrics, BEHIND_SET_ASIDE)).toBe(0);
      } else {
        await eventually(
          async () => (await setAsideCount(metrics, BEHIND_SET_ASIDE)) === 1,
          'the other topic’s event set aside behind the failure',
        );
        expect(handled).toEqual([]);
      }
      expect(await store.parkedKeys(groupId)).toEqual([failedLane]);
      expect((await store.list(groupId, failedLane)).map((p) => p.reason)).toEqual(
        expected === 'handled'
          ? ['shipbob-unavailable']
          : ['shipbob-unavailable', BEHIND_SET_ASIDE],
      );
    },
  );
});
