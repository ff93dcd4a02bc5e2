import { afterEach, describe, expect, it } from '@jest/globals';
import { createEventConsumer, physicalTopic, type EventConsumer } from '@msync/events';
import { PermanentError, connectMongo, type MongoHandle } from '@msync/platform';
import { capturingLogger, infra, uniqueName } from '@msync/test-support';
import { eventually, type EventsHarness } from '../../../libs/events/src/test-support/harness.js';
import { ordersTopicHarness } from './test-support/orders-topic.js';
import { sampleEvents } from '../../../libs/events/src/test-support/samples.js';
import { deadLetters } from './read.js';
import { REDRIVES_COLLECTION, redriveDeadLetters, type RedriveLine } from './redrive.js';

let h: EventsHarness | undefined;
let mongo: MongoHandle | undefined;
let consumer: EventConsumer | undefined;
afterEach(async () => {
  await consumer?.stop();
  await h?.close();
  await mongo?.db.dropDatabase();
  await mongo?.close();
  consumer = mongo = h = undefined;
});

describe('dlq redrive', () => {
  it('sends dead letters back after a fix, each at most once, the reason kept; a dry run sends and writes nothing', async () => {
    const { logger } = capturingLogger('error');
    h = await ordersTopicHarness(logger);
    const harness = h;
    mongo = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('redrive').replaceAll('-', '_'),
      appName: 'stream-test',
    });
    const db = mongo.db;
    const a = { ...sampleEvents('store-a').orderAwaitingAcceptance, orderId: 'MKP-A' };
    const b = { ...sampleEvents('store-b').orderAwaitingAcceptance, orderId: 'MKP-B' };
    // A handler with a bug for these two orders, fixed later.
    const broken = new Set(['MKP-A', 'MKP-B']);
    const handled: string[] = [];
    consumer = createEventConsumer({
      kafka: harness.kafka,
      codec: harness.codec,
      logger,
      groupId: uniqueName('group'),
      topics: ['orderAwaitingAcceptance'],
      namespace: harness.namespace,
      dlqProducer: harness.publisher.producer,
      handle: async (event) => {
        if (broken.has(event.value.orderId))
          throw new PermanentError('a bug refused it', { reason: 'bug' });
        handled.push(event.value.orderId);
      },
    });
    await consumer.start();
    await harness.publisher.publish('orderAwaitingAcceptance', [a, b]);
    const letters: { id: string; key: string | null }[] = [];
    await eventually(
      async () => {
        letters.length = 0;
        await deadLetters(
          {
            kafka: harness.kafka,
            namespace: harness.namespace,
            topicKey: 'orderAwaitingAcceptance',
          },
          (e) => letters.push(e),
        );
        return letters.length === 2;
      },
      'both dead-lettered',
      30_000,
    );
    const source = physicalTopic('orderAwaitingAcceptance', harness.namespace);
    const end = async () => {
      const admin = harness.kafka.admin();
      await admin.connect();
      try {
        return (await admin.fetchTopicOffsets(source)).map((p) => p.high).join(',');
      } finally {
        await admin.disconnect();
      }
    };
    const base = {
      kafka: harness.kafka,
      db,
      namespace: harness.namespace,
      topicKey: 'orderAwaitingAcceptance' as const,
      producer: harness.publisher.producer,
    };
    const run = async (options: { storeId?: string; ids?: string[]; dryRun: boolean }) => {
      const lines: RedriveLine[] = [];
      const counts = await redriveDeadLetters({ ...base, ...options }, (l) => lines.push(l));
      return { lines, counts };
    };
    const sourceEnd = await end();

    // Dry run: says what it would send, sends and records nothing.
    const dry = await run({ storeId: 'store-a', dryRun: true });
    expect(dry.lines.map((l) => [l.key, l.status, l.reason])).toEqual([
      ['store-a', 'would-redrive', 'bug'],
    ]);
    expect(await end()).toBe(sourceEnd);
    expect(await db.collection(REDRIVES_COLLECTION).countDocuments()).toBe(0);

    // Fixed: store-a's dead letter goes back and is handled.
    broken.clear();
    const first = await run({ storeId: 'store-a', dryRun: false });
    expect(first.counts).toMatchObject({ redriven: 1, 'already-redriven': 0 });
    await eventually(() => handled.includes('MKP-A'), 'the redriven order handled');
    const record = await db
      .collection(REDRIVES_COLLECTION)
      .findOne({ _id: first.lines[0]!.id } as never);
    expect(record).toMatchObject({
      status: 'sent',
      reason: 'bug',
      error: expect.stringMatching(/a bug refused it/),
    });

    // Again: nothing is sent a second time.
    const afterFirst = await end();
    const second = await run({ storeId: 'store-a', dryRun: false });
    expect(second.counts).toMatchObject({ redriven: 0, 'already-redriven': 1 });
    expect(await end()).toBe(afterFirst);

    // By id: store-b's one only, once.
    const idOfB = letters.find((l) => l.key === 'store-b')!.id;
    const byId = await run({ ids: [idOfB], dryRun: false });
    expect(byId.lines.map((l) => [l.id, l.status])).toEqual([[idOfB, 'redriven']]);
    await eventually(() => handled.includes('MKP-B'), 'store-b redriven order handled');
    expect((await run({ dryRun: false })).counts).toMatchObject({
      redriven: 0,
      'already-redriven': 2,
    });
    expect(handled.sort()).toEqual(['MKP-A', 'MKP-B']);
  });
});
