import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, type Db } from 'mongodb';
import { infra, uniqueName } from '@msync/test-support';
import { ORDER_STEPS } from '../domain/order-steps.js';
import { MongoActivity } from './mongo-activity.js';

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
});
