import { afterEach, describe, expect, it } from '@jest/globals';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Consumer, ConsumerConfig, ConsumerRunConfig, EachBatchPayload, Kafka } from 'kafkajs';
import { createMetricsRegistry } from '@msync/platform';
import { physicalTopic } from './catalog.js';
import { sampleEvents } from './test-support/samples.js';
import {
  eventually,
  orderConsumer,
  orderTopicHarness,
  sendOrders,
} from './test-support/harness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/**
 * The harness's Kafka client, but each batch kafkajs hands the consumer is also watched by a weak
 * reference: the test sees whether anything still holds it.
 */
function watchingBatches(kafka: Kafka, batches: WeakRef<object>[]): Kafka {
  const watched = Object.create(kafka) as Kafka;
  watched.consumer = (config: ConsumerConfig): Consumer => {
    const consumer = kafka.consumer(config);
    const run = consumer.run.bind(consumer);
    consumer.run = (options?: ConsumerRunConfig) =>
      run({
        ...options,
        ...(options?.eachBatch
          ? {
              eachBatch: (payload: EachBatchPayload) => {
                batches.push(new WeakRef(payload.batch));
                return options.eachBatch!(payload);
              },
            }
          : {}),
      });
    return consumer;
  };
  return watched;
}

/**
 * A consumer of the harness's topic whose handler holds every message until `release`, with at
 * most five unfinished messages (or items) a partition; started, its first message under way.
 */
async function heldConsumer(h: Parameters<typeof orderConsumer>[0], group: string) {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let started = 0;
  const consumer = orderConsumer(h, {
    groupId: `${group}-${Date.now()}`,
    handle: async () => {
      started++;
      await held;
    },
    metrics: createMetricsRegistry('test'),
    maxUnfinishedPerPartition: 5,
  });
  cleanups.push(() => consumer.stop());
  // Let go first, so that the stop does not wait for the held message.
  cleanups.push(() => release());
  await consumer.start();
  await eventually(() => started === 1, 'the first message under way');
  return { consumer, started: () => started, release: () => release() };
}

describe('what an unfinished batch holds (ADR 0128, 0138)', () => {
  it('lets go of the fetched batch, and so of its response, while its messages wait in a paused partition', async () => {
    const h = await orderTopicHarness(1);
    cleanups.push(() => h.close());
    await sendOrders(
      h,
      0,
      Array.from({ length: 20 }, (_, i): [string, number] => ['store-a', i]),
    );
    const batches: WeakRef<object>[] = [];
    // Twenty messages of one key wait behind the first: the partition pauses.
    const { consumer, started } = await heldConsumer(
      { ...h, kafka: watchingBatches(h.kafka, batches) },
      'fetch-response',
    );
    await eventually(
      () => consumer.consumer.paused().length === 1,
      'the partition paused for its unfinished messages',
    );
    expect(batches.length).toBeGreaterThan(0);

    // The messages are still unfinished (held by their lane), but the batch they came in is not.
    await eventually(async () => {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      return batches.every((batch) => batch.deref() === undefined);
    }, 'every fetched batch collected');
    expect(started()).toBe(1);
  });
});

describe('unfinished items (ADR 0166)', () => {
  it('counts a message carrying items as that many toward the partition’s limit', async () => {
    const h = await orderTopicHarness(1);
    cleanups.push(() => h.close());
    // Two messages of one key, the first standing for eight items: over a limit of five.
    const value = (i: number) =>
      h.codec.encode('orderReadyToShip', {
        ...sampleEvents('store-a').orderReadyToShip,
        orderId: `store-a-${i}`,
      });
    await h.publisher.producer.send({
      topic: physicalTopic('orderReadyToShip', h.namespace),
      acks: -1,
      messages: [
        { partition: 0, key: 'store-a', value: await value(0), headers: { items: '8' } },
        { partition: 0, key: 'store-a', value: await value(1) },
      ],
    });
    const { consumer, started, release } = await heldConsumer(h, 'unfinished-items');
    await eventually(
      () => consumer.consumer.paused().length === 1,
      'the partition paused for the items of two messages',
    );
    // Once the eight items are finished, the partition resumes and the second message runs.
    release();
    await eventually(() => started() === 2, 'the second message handled');
    await eventually(() => consumer.consumer.paused().length === 0, 'the partition resumed');
  });
});
