import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, type Db } from 'mongodb';
import { connectMongo, createMetricsRegistry, type MongoHandle } from '@msync/platform';
import { infra, uniqueName } from '@msync/test-support';
import type { ActivityEntry, TimelineUpdate } from '../domain/activity-events.js';
import { ORDER_STEPS } from '../domain/order-steps.js';
import { MongoActivity, type OrderTimelineDocument } from './mongo-activity.js';

// The timeline writes on the real database (FerretDB here): concurrent updates of one order,
// as the five topics deliver them, must all land.

let mongo: MongoClient;
let db: Db;

beforeAll(async () => {
  mongo = new MongoClient(infra().MONGO_URL, { retryWrites: false });
  await mongo.connect();
  db = mongo.db(uniqueName('config-api-timelines'));
});

afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
});

describe('order timelines on the database', () => {
  it('keeps every step when updates of one order arrive at the same time, from two writers', async () => {
    const writers = [new MongoActivity(db), new MongoActivity(db)];
    await writers[0]!.ensureIndexes();
    const at = (i: number) => new Date(Date.UTC(2026, 10, 30, 9, i));
    await Promise.all(
      ORDER_STEPS.map((step, i) =>
        writers[i % 2]!.applyTimeline({
          storeId: 'store-1',
          orderId: 'MKP-1',
          at: at(i),
          reached: [step],
          details: step === 'labeled' ? { shipbobOrderId: '555' } : {},
        }),
      ),
    );
    const timeline = await writers[0]!.findTimeline('store-1', 'MKP-1');
    expect(timeline?.steps).toEqual(Object.fromEntries(ORDER_STEPS.map((s, i) => [s, at(i)])));
    expect(timeline).toMatchObject({
      shipbobOrderId: '555',
      firstEventAt: at(0),
      lastEventAt: at(ORDER_STEPS.length - 1),
      finishedAt: at(ORDER_STEPS.indexOf('shipped')),
    });
  });

  it('keeps the earliest time of a step and the latest failure, whatever the arrival order', async () => {
    const store = new MongoActivity(db);
    const at = (i: number) => new Date(Date.UTC(2026, 10, 30, 10, i));
    const failure = (i: number) => ({
      at: at(i),
      eventId: `e-${i}`,
      flow: 'orders',
      action: null,
      steps: ['accepted' as const],
      outcome: 'FAILED',
      reason: null,
      detail: `attempt ${i}`,
    });
    const base = { storeId: 'store-1', orderId: 'MKP-2', details: {} };
    for (const i of [5, 2, 7, 2]) {
      await store.applyTimeline({ ...base, at: at(i), reached: ['accepted'] });
      await store.applyTimeline({ ...base, at: at(i), reached: [], failure: failure(i) });
    }
    const timeline = await store.findTimeline('store-1', 'MKP-2');
    expect(timeline?.steps).toEqual({ accepted: at(2) });
    expect(timeline?.lastFailure).toEqual(failure(7));
    expect([timeline?.firstEventAt, timeline?.lastEventAt]).toEqual([at(2), at(7)]);
  });

  it('applies a batch of changes with three writes, leaves a timeline another writer holds, and ends as one by one would', async () => {
    const registry = createMetricsRegistry('test');
    const counted: MongoHandle = await connectMongo(infra().MONGO_URL, {
      dbName: db.databaseName,
      appName: 'timelines-test',
      metrics: registry,
    });
    try {
      const batch = new MongoActivity(counted.db);
      const single = new MongoActivity(db);
      const at = (i: number) => new Date(Date.UTC(2026, 10, 30, 11, i));
      const failure = {
        at: at(4),
        eventId: 'e-4',
        flow: 'orders',
        action: null,
        steps: ['createdInShipBob' as const],
        outcome: 'FAILED',
        reason: null,
        detail: 'no product',
      };
      const updates = (storeId: string, orderId: string): TimelineUpdate[] => [
        { storeId, orderId, at: at(3), reached: ['accepted' as const], details: {} },
        { storeId, orderId, at: at(1), reached: ['accepted' as const], details: {} },
        { storeId, orderId, at: at(4), reached: [], details: {}, failure },
        {
          storeId,
          orderId,
          at: at(5),
          reached: ['createdInShipBob' as const],
          details: { shipbobOrderId: '77' },
        },
      ];
      const orders = ['B-1', 'B-2', 'B-3'];
      // Another writer holds B-3's timeline.
      await db
        .collection('order_timeline_locks')
        .insertOne({ _id: 'batch/B-3' as never, token: 'other', at: new Date() });
      const before = await commandCount(registry);

      const left = await batch.applyTimelines(orders.flatMap((o) => updates('batch', o)));

      expect(await commandCount(registry)).toBe(before + 3);
      expect(left).toEqual(updates('batch', 'B-3'));
      for (const update of orders.flatMap((o) => updates('single', o)))
        await single.applyTimeline(update);
      const shape = (doc: OrderTimelineDocument | null) => {
        if (!doc) return null;
        const { _id: _ignoredId, storeId: _ignoredStore, ...rest } = doc;
        return rest;
      };
      for (const orderId of ['B-1', 'B-2']) {
        expect(shape(await batch.findTimeline('batch', orderId))).toEqual(
          shape(await single.findTimeline('single', orderId)),
        );
      }
      expect(await batch.findTimeline('batch', 'B-3')).toBeNull();
      expect(await db.collection('order_timeline_locks').find({}).toArray()).toEqual([
        expect.objectContaining({ _id: 'batch/B-3', token: 'other' }),
      ]);
    } finally {
      await counted.close();
    }
  });

  it('adds a batch of entries in one write and answers only those that were new', async () => {
    const store = new MongoActivity(db);
    const entry = (id: string): ActivityEntry => ({
      id,
      storeId: 'store-e',
      at: new Date(Date.UTC(2026, 10, 30, 12, 0)),
      flow: 'orders',
      action: 'accept',
      effectKey: `accept:${id}`,
      target: 'MIRAKL',
      outcome: 'APPLIED',
      subjectId: `order-${id}`,
      orderId: `order-${id}`,
      steps: ['accepted'],
      reason: null,
      detail: null,
      externalIds: {},
      latencyMs: 5,
      correlationId: `c-${id}`,
    });
    expect(await store.addEntries([entry('e1'), entry('e2')], new Date())).toEqual(
      new Set(['e1', 'e2']),
    );
    expect(await store.addEntries([entry('e2'), entry('e3'), entry('e1')], new Date())).toEqual(
      new Set(['e3']),
    );
    expect(await db.collection('activity_entries').countDocuments({ storeId: 'store-e' })).toBe(3);
  });
});

/** Database commands sent through the counted client so far. */
async function commandCount(registry: ReturnType<typeof createMetricsRegistry>): Promise<number> {
  const metric = await registry.getSingleMetric('mongodb_commands_total')?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}
