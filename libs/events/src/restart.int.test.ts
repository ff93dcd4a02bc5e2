import { afterEach, describe, expect, it } from '@jest/globals';
import { PartitionAssigners, type PartitionAssigner } from 'kafkajs';
import { createMetricsRegistry } from '@msync/platform';
import { uniqueName } from '@msync/test-support';
import type { EventConsumer } from './consumer.js';
import {
  eventually,
  orderConsumer,
  orderTopicHarness,
  sendTo,
  type EventsHarness,
} from './test-support/harness.js';

// A crash kafkajs does not restart (ADR 0111) on a real broker: the group's assignment fails
// once with an error kafkajs does not retry, as a coordinator lookup does while the broker is
// down. kafkajs then reports `restart: false` and would leave the consumer stopped.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** kafkajs' round robin, whose first `failures` assignments throw a plain (non-retriable) error. */
function failingAssigner(failures: number): PartitionAssigner {
  let left = failures;
  return (config) => {
    const inner = PartitionAssigners.roundRobin(config);
    return {
      name: inner.name,
      version: inner.version,
      protocol: (subscription) => inner.protocol(subscription),
      assign: async (group) => {
        if (left > 0) {
          left--;
          throw new Error('assignment refused');
        }
        return inner.assign(group);
      },
    };
  };
}

async function crashes(metrics: ReturnType<typeof createMetricsRegistry>) {
  const metric = await metrics.getSingleMetric('events_consumer_crashes_total')?.get();
  return Object.fromEntries(
    (metric?.values ?? []).map((v) => [String(v.labels['restarted_by']), v.value]),
  );
}

describe('a consumer after a crash kafkajs does not restart', () => {
  let h: EventsHarness & { topic: string };

  it('restarts itself, joins its group and handles every message', async () => {
    h = await orderTopicHarness(1);
    cleanups.push(() => h.close());
    const metrics = createMetricsRegistry('test');
    const handled: string[] = [];
    const crashed: boolean[] = [];
    await sendTo(h, 0, 'store-a', 5);
    const consumer: EventConsumer = orderConsumer(h, {
      groupId: uniqueName('group'),
      metrics,
      restartDelaysMs: [200],
      // The failed member stays in the group until its session ends: the rejoin waits for it.
      sessionTimeoutMs: 6_000,
      partitionAssigners: [failingAssigner(1)],
      handle: async (event) => {
        handled.push(event.value.orderId);
      },
    });
    consumer.consumer.on(consumer.consumer.events.CRASH, (e) => crashed.push(e.payload.restart));
    cleanups.push(() => consumer.stop());

    // start() resolves once the group is joined: after a refused assignment here.
    await consumer.start();
    await eventually(async () => handled.length === 5, 'the five messages handled');

    expect(handled).toEqual([0, 1, 2, 3, 4].map((i) => `store-a-${i}`));
    // kafkajs gave up; the consumer restarted it.
    expect(crashed).toEqual([false]);
    expect(await crashes(metrics)).toEqual({ consumer: 1 });

    // And it goes on consuming what comes after.
    await sendTo(h, 0, 'store-b', 2);
    await eventually(async () => handled.length === 7, 'the next messages handled');
  }, 120_000);
});
