import { afterEach, describe, expect, it } from '@jest/globals';
import { createMetricsRegistry } from '@msync/platform';
import { uniqueName } from '@msync/test-support';
import { type ConsumedEventOf, type EventConsumer } from './consumer.js';
import {
  committedOffsets,
  eventually,
  orderConsumer,
  orderTopicHarness,
  sendTo,
  type EventsHarness,
} from './test-support/harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(partitions: number): Promise<EventsHarness & { topic: string }> {
  const h = await orderTopicHarness(partitions);
  cleanups.push(() => h.close());
  return h;
}

function start(
  h: EventsHarness,
  groupId: string,
  handle: (event: ConsumedEventOf<'orderReadyToShip'>) => Promise<void>,
  commit: { intervalMs: number; everyMessages: number },
  metrics = createMetricsRegistry('test'),
): EventConsumer {
  const consumer = orderConsumer(h, {
    groupId,
    handle,
    metrics,
    commit,
  });
  cleanups.push(() => consumer.stop());
  return consumer;
}

async function okCommits(metrics: ReturnType<typeof createMetricsRegistry>): Promise<number> {
  const metric = await metrics.getSingleMetric('event_offset_commits_total')?.get();
  return (metric?.values ?? [])
    .filter((v) => v.labels['outcome'] === 'ok')
    .reduce((sum, v) => sum + v.value, 0);
}

describe('batched offset commits on real Kafka', () => {
  it('commits the highest finished offset per partition, never past a message still being handled', async () => {
    const h = await setup(2);
    const groupId = uniqueName('group');
    const metrics = createMetricsRegistry('test');
    let releaseSlow: () => void = () => undefined;
    const slowDone = new Promise<void>((resolve) => (releaseSlow = resolve));
    const handled: string[] = [];
    // Both partitions come in the same fetch: the client fetches again only once every batch
    // of the previous fetch is done, so partition 1 must be there before partition 0 blocks.
    await sendTo(h, 0, 'store-slow', 10);
    await sendTo(h, 1, 'store-fast', 10);
    await start(
      h,
      groupId,
      async (event) => {
        if (event.value.orderId === 'store-slow-6') await slowDone;
        handled.push(event.value.orderId);
      },
      { intervalMs: 100, everyMessages: 1_000 },
      metrics,
    ).start();

    await eventually(async () => {
      const offsets = await committedOffsets(h.kafka, groupId, h.topic);
      return offsets.get(0) === '6' && offsets.get(1) === '10';
    }, 'partition 0 committed up to the message being handled, partition 1 to its end');
    expect(handled).not.toContain('store-slow-6');
    expect((await committedOffsets(h.kafka, groupId, h.topic)).get(0)).toBe('6');

    releaseSlow();
    await eventually(
      async () => (await committedOffsets(h.kafka, groupId, h.topic)).get(0) === '10',
      'partition 0 committed once the slow message finished',
    );
    expect(handled.filter((id) => id.startsWith('store-slow'))).toEqual(
      Array.from({ length: 10 }, (_, i) => `store-slow-${i}`),
    );
    // 20 messages, far fewer commits: they are batched, not one per message.
    expect(await okCommits(metrics)).toBeLessThan(10);
  });

  it('commits what finished when it stops, not before the interval or count is reached', async () => {
    const h = await setup(1);
    const groupId = uniqueName('group');
    const metrics = createMetricsRegistry('test');
    const handled: string[] = [];
    const consumer = start(
      h,
      groupId,
      async (event) => void handled.push(event.value.orderId),
      { intervalMs: 3_600_000, everyMessages: 1_000 },
      metrics,
    );
    await consumer.start();
    await sendTo(h, 0, 'store-stop', 5);
    await eventually(() => handled.length === 5, 'five handled messages');
    // Neither trigger can have fired: an hour-long interval, a count of 1000.
    expect(await okCommits(metrics)).toBe(0);

    await consumer.stop();
    expect((await committedOffsets(h.kafka, groupId, h.topic)).get(0)).toBe('5');
    expect(await okCommits(metrics)).toBe(1);
  });
});
