import { afterEach, describe, expect, it } from '@jest/globals';
import { RetriableError, createMetricsRegistry } from '@msync/platform';
import { uniqueName, withContext } from '@msync/test-support';
import { type ConsumedEventOf, type EventConsumer } from './consumer.js';
import {
  committedOffsets,
  eventually,
  orderConsumer,
  orderTopicHarness,
  sendOrders,
  type EventsHarness,
} from './test-support/harness.js';

const cleanups: (() => Promise<void>)[] = [];
const gates: (() => void)[] = [];
afterEach(async () => {
  // Held handlers are let go first, so a failed test still stops its consumer.
  while (gates.length) gates.pop()!();
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(partitions: number): Promise<EventsHarness & { topic: string }> {
  const h = await orderTopicHarness(partitions);
  cleanups.push(() => h.close());
  return h;
}

/** A promise opened from outside (and after each test, so a failing test never hangs its stop). */
function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  gates.push(() => open());
  return { opened, open };
}

function start(
  h: EventsHarness,
  handle: (event: ConsumedEventOf<'orderReadyToShip'>) => Promise<void>,
  keysConsumedConcurrently: number,
  groupId = uniqueName('group'),
  maxUnfinishedPerPartition?: number,
  maxUnfinished?: number,
): { consumer: EventConsumer; groupId: string } {
  const consumer = orderConsumer(h, {
    groupId,
    handle,
    ...(maxUnfinishedPerPartition ? { maxUnfinishedPerPartition } : {}),
    ...(maxUnfinished ? { maxUnfinished } : {}),
    metrics: createMetricsRegistry('test'),
    keysConsumedConcurrently,
    retry: { initialDelayMs: 50, maxDelayMs: 200 },
    commit: { intervalMs: 100, everyMessages: 1_000 },
  });
  cleanups.push(() => consumer.stop());
  return { consumer, groupId };
}

const ofStore = (handled: string[], storeId: string) =>
  handled.filter((id) => id.startsWith(`${storeId}-`));

describe('lanes by key within one partition on real Kafka', () => {
  it("keeps each key's order while the keys of one partition interleave", async () => {
    const h = await setup(1);
    const stores = ['store-a', 'store-b', 'store-c', 'store-d', 'store-e'];
    const sent: [string, number][] = [];
    for (let i = 0; i < 8; i++) for (const s of stores) sent.push([s, i]);
    await sendOrders(h, 0, sent);
    const handled: string[] = [];
    let turns = 0;
    const { consumer, groupId } = start(
      h,
      async (event) => {
        // Uneven work per message, so lanes overtake each other.
        for (let i = (turns++ * 7) % 5; i > 0; i--) await new Promise((r) => setImmediate(r));
        handled.push(event.value.orderId);
      },
      3,
    );
    await consumer.start();

    await eventually(() => handled.length === sent.length, 'every message handled');
    for (const s of stores) {
      withContext(`order of ${s}`, () =>
        expect(ofStore(handled, s)).toEqual(Array.from({ length: 8 }, (_, i) => `${s}-${i}`)),
      );
    }
    // The keys did run side by side: the handled order is not the partition's order.
    expect(handled).not.toEqual(sent.map(([s, i]) => `${s}-${i}`));
    await eventually(
      async () => (await committedOffsets(h.kafka, groupId, h.topic)).get(0) === '40',
      'the whole partition committed',
    );
  });

  it("handles a later key's messages while an earlier key's message is still being handled", async () => {
    const h = await setup(1);
    await sendOrders(h, 0, [
      ['store-a', 0],
      ['store-b', 0],
      ['store-b', 1],
    ]);
    const bLastDone = gate();
    const handled: string[] = [];
    const { consumer, groupId } = start(
      h,
      async (event) => {
        // store-a's message can only finish once store-b's later message was handled: one key
        // at a time, this never happens.
        if (event.value.orderId === 'store-a-0') await bLastDone.opened;
        handled.push(event.value.orderId);
        if (event.value.orderId === 'store-b-1') bLastDone.open();
      },
      2,
    );
    await consumer.start();

    await eventually(
      () => handled.includes('store-a-0'),
      "store-a's message, which waits for store-b's later one: the keys of a partition are not handled at the same time",
      15_000,
    );
    expect(handled).toEqual(['store-b-0', 'store-b-1', 'store-a-0']);
    await eventually(
      async () => (await committedOffsets(h.kafka, groupId, h.topic)).get(0) === '3',
      'the partition committed past all three',
    );
  });

  it('never commits past a message not finished or not even started while later ones finished', async () => {
    const h = await setup(2);
    // Partition 0, by offset: a-0, b-0, c-0, b-1, a-1, b-2. With two lanes at a time, store-a
    // and store-b take both; a-1 and b-2 then wait, so store-c's lane cannot start.
    await sendOrders(h, 0, [
      ['store-a', 0],
      ['store-b', 0],
      ['store-c', 0],
      ['store-b', 1],
      ['store-a', 1],
      ['store-b', 2],
    ]);
    // Partition 1 (same fetch): its message finishes only once b-1 did, so the commit it brings
    // about is computed after offset 3 of partition 0 finished.
    await sendOrders(h, 1, [['store-d', 0]]);
    const released = gate();
    const bFinished = gate();
    const handled: string[] = [];
    const { consumer, groupId } = start(
      h,
      async (event) => {
        const id = event.value.orderId;
        if (id === 'store-a-1' || id === 'store-b-2') await released.opened;
        if (id === 'store-d-0') await bFinished.opened;
        handled.push(id);
        if (id === 'store-b-1') bFinished.open();
      },
      2,
    );
    await consumer.start();

    await eventually(
      async () => (await committedOffsets(h.kafka, groupId, h.topic)).get(1) === '1',
      'partition 1 committed after store-b-1 of partition 0 finished',
    );
    expect(handled).toEqual(expect.arrayContaining(['store-a-0', 'store-b-0', 'store-b-1']));
    // Two lanes at a time: store-c's lane has not started.
    expect(handled).not.toContain('store-c-0');
    // Offsets 0, 1 and 3 finished, yet partition 0 stays at c-0 (offset 2), not yet started.
    expect((await committedOffsets(h.kafka, groupId, h.topic)).get(0)).toBe('2');

    released.open();
    await eventually(
      async () => (await committedOffsets(h.kafka, groupId, h.topic)).get(0) === '6',
      'partition 0 committed past all once the held messages finished',
    );
    expect(ofStore(handled, 'store-a')).toEqual(['store-a-0', 'store-a-1']);
    expect(ofStore(handled, 'store-b')).toEqual(['store-b-0', 'store-b-1', 'store-b-2']);
    expect(handled).toContain('store-c-0');
  });

  it('at stop, lets the lanes end, commits only up to the oldest unfinished message, and the next member handles the rest', async () => {
    const h = await setup(1);
    // a-0 is held until the stop began; b-0 fails and is retried in place; c-0 and c-1 succeed.
    await sendOrders(h, 0, [
      ['store-a', 0],
      ['store-b', 0],
      ['store-c', 0],
      ['store-c', 1],
    ]);
    const held = gate();
    const handled: string[] = [];
    let bAttempts = 0;
    const first = start(
      h,
      async (event) => {
        const id = event.value.orderId;
        if (id === 'store-a-0') await held.opened;
        if (id === 'store-b-0') {
          bAttempts++;
          throw new RetriableError('ShipBob is unavailable', { reason: 'shipbob-unavailable' });
        }
        handled.push(id);
      },
      3,
    );
    await first.consumer.start();
    await eventually(
      () => handled.includes('store-c-1') && bAttempts >= 2,
      'store-c handled while store-b retries in place',
    );

    const stopping = first.consumer.stop();
    held.open();
    await stopping;
    expect(handled).toContain('store-a-0');
    // Offsets 0, 2 and 3 finished; 1 (store-b-0) never did: the commit stays before it.
    expect((await committedOffsets(h.kafka, first.groupId, h.topic)).get(0)).toBe('1');

    const again: string[] = [];
    const next = start(h, async (event) => void again.push(event.value.orderId), 3, first.groupId);
    await next.consumer.start();
    await eventually(
      async () => (await committedOffsets(h.kafka, first.groupId, h.topic)).get(0) === '4',
      'the next member committed the partition',
    );
    // From the commit on: store-b-0 first handled, store-c's redelivered (effects are idempotent).
    expect(again).toEqual(expect.arrayContaining(['store-b-0', 'store-c-0', 'store-c-1']));
    expect(again).not.toContain('store-a-0');
  });
});

/**
 * Sends store-a-0 to partition 0 and starts a consumer that holds it until `release` opens (which
 * handling store-b-0 does); answers once store-a-0 is under way.
 */
async function holdingStoreA(h: EventsHarness, keys: number, maxUnfinished?: number) {
  await sendOrders(h, 0, [['store-a', 0]]);
  const release = gate();
  const started: string[] = [];
  const handled: string[] = [];
  const { consumer, groupId } = start(
    h,
    async (event) => {
      started.push(event.value.orderId);
      if (event.value.orderId === 'store-a-0') await release.opened;
      handled.push(event.value.orderId);
      if (event.value.orderId === 'store-b-0') release.open();
    },
    keys,
    uniqueName('group'),
    maxUnfinished,
  );
  await consumer.start();
  await eventually(() => started.includes('store-a-0'), "store-a's message under way");
  return { consumer, groupId, handled, release };
}

/**
 * store-a-0 can only finish once store-b-0, sent to `bPartition` after store-a-0 started, was
 * handled: a fetch that waited for store-a's batch would never bring store-b's message.
 */
async function aWaitsForB(partitions: number, bPartition: number, keys: number) {
  const h = await setup(partitions);
  const { handled, groupId } = await holdingStoreA(h, keys);
  await sendOrders(h, bPartition, [['store-b', 0]]);
  await eventually(() => handled.includes('store-a-0'), "store-a's message", 15_000);
  return { h, handled, groupId };
}

describe('messages fetched while others are still being handled (ADR 0098)', () => {
  it('handles a message sent to another partition while a message of the first is still being handled', async () => {
    const { handled } = await aWaitsForB(2, 1, 1);
    expect(handled).toEqual(['store-b-0', 'store-a-0']);
  });

  it("handles another key's message fetched from the same partition while an earlier one is still being handled", async () => {
    const { h, handled, groupId } = await aWaitsForB(1, 0, 2);
    expect(handled).toEqual(['store-b-0', 'store-a-0']);
    await eventually(
      async () => (await committedOffsets(h.kafka, groupId, h.topic)).get(0) === '2',
      'the partition committed past both',
    );
  });

  it('pauses a partition holding too many unfinished messages and resumes it once they finish, in order', async () => {
    const h = await setup(1);
    const { consumer, groupId, handled, release } = await holdingStoreA(h, 1, 10);
    const later: [string, number][] = Array.from({ length: 60 }, (_, i) => ['store-a', i + 1]);
    for (let i = 0; i < later.length; i += 5) await sendOrders(h, 0, later.slice(i, i + 5));

    await eventually(
      () => consumer.consumer.paused().some((p) => p.topic === h.topic),
      'the partition paused while its first message is held',
    );
    release.open();
    await eventually(() => handled.length === 61, 'every message handled', 20_000);
    expect(handled).toEqual(Array.from({ length: 61 }, (_, i) => `store-a-${i}`));
    await eventually(
      () => consumer.consumer.paused().length === 0,
      'the partition resumed once its lanes caught up',
    );
    await eventually(
      async () => (await committedOffsets(h.kafka, groupId, h.topic)).get(0) === '61',
      'the partition committed past all',
    );
  });

  it('pauses every partition once all of them hold too many unfinished messages, and resumes each once half are done', async () => {
    const h = await setup(2);
    await sendOrders(h, 1, [['store-b', 0]]);
    await sendOrders(h, 0, [['store-a', 0]]);
    const release = gate();
    const handled: string[] = [];
    const { consumer, groupId } = start(
      h,
      async (event) => {
        if (event.value.orderId === 'store-a-0') await release.opened;
        handled.push(event.value.orderId);
      },
      1,
      uniqueName('group'),
      1_000,
      10,
    );
    await consumer.start();
    await eventually(() => handled.includes('store-b-0'), "partition 1's first message handled");
    // Partition 0 alone goes over the consumer's limit, far under its own: both pause.
    const later: [string, number][] = Array.from({ length: 20 }, (_, i) => ['store-a', i + 1]);
    for (let i = 0; i < later.length; i += 5) await sendOrders(h, 0, later.slice(i, i + 5));
    const pausedPartitions = () =>
      consumer.consumer
        .paused()
        .filter((p) => p.topic === h.topic)
        .flatMap((p) => p.partitions)
        .sort();
    await eventually(
      () => pausedPartitions().join() === '0,1',
      'both partitions paused, the idle one included',
    );
    await sendOrders(h, 1, [['store-b', 1]]);
    release.open();
    await eventually(() => handled.length === 23, 'every message handled', 20_000);
    expect(ofStore(handled, 'store-a')).toEqual(
      Array.from({ length: 21 }, (_, i) => `store-a-${i}`),
    );
    expect(ofStore(handled, 'store-b')).toEqual(['store-b-0', 'store-b-1']);
    await eventually(() => pausedPartitions().length === 0, 'both partitions resumed');
    await eventually(async () => {
      const committed = await committedOffsets(h.kafka, groupId, h.topic);
      return committed.get(0) === '21' && committed.get(1) === '2';
    }, 'both partitions committed past all');
  });

  it("runs a partition's prefetches one after the other, while its batches keep coming", async () => {
    const h = await setup(1);
    let running = 0;
    let mostAtOnce = 0;
    const prefetched: string[] = [];
    const handled: string[] = [];
    const { taken } = await prefetching(h, {
      prefetch: async (events) => {
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        // Long enough for the next batches to be fetched and taken over meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 300));
        prefetched.push(...events.map((e) => e.value.orderId));
        running--;
      },
      handle: async (event) => {
        handled.push(event.value.orderId);
      },
    });
    for (let i = 0; i < 4; i++) {
      await sendOrders(h, 0, [[`store-${i}`, 0]]);
      await eventually(() => taken() > i, `batch ${i} taken over`);
    }

    await eventually(() => handled.length === 4, 'every message handled');
    expect(prefetched).toEqual(['store-0-0', 'store-1-0', 'store-2-0', 'store-3-0']);
    expect(mostAtOnce).toBe(1);
  });

  it("holds a partition's next prefetch until a batch whose prefetch kept something is handled", async () => {
    const h = await setup(1);
    const log: string[] = [];
    const firstHeld = gate();
    const { taken } = await prefetching(h, {
      prefetch: async (events) => {
        log.push(...events.map((e) => `prefetched ${e.value.orderId}`));
        return () => log.push(...events.map((e) => `released ${e.value.orderId}`));
      },
      handle: async (event) => {
        if (event.value.orderId === 'store-0-0') await firstHeld.opened;
        log.push(`handled ${event.value.orderId}`);
      },
    });
    await sendOrders(h, 0, [['store-0', 0]]);
    await eventually(() => log.includes('prefetched store-0-0'), 'the first batch prefetched');
    await sendOrders(h, 0, [['store-1', 0]]);
    await eventually(() => taken() >= 2, 'the second batch taken over');
    firstHeld.open();

    await eventually(() => log.includes('released store-1-0'), 'both batches handled');
    expect(log).toEqual([
      'prefetched store-0-0',
      'handled store-0-0',
      'released store-0-0',
      'prefetched store-1-0',
      'handled store-1-0',
      'released store-1-0',
    ]);
  });

  it("lets a partition's next prefetch run at once after one whose release need not hold it", async () => {
    const h = await setup(1);
    const log: string[] = [];
    const firstHeld = gate();
    const { taken } = await prefetching(h, {
      prefetch: async (events) => {
        log.push(...events.map((e) => `prefetched ${e.value.orderId}`));
        const release = () => log.push(...events.map((e) => `released ${e.value.orderId}`));
        return { release, nextWaits: false };
      },
      handle: async (event) => {
        if (event.value.orderId === 'store-0-0') await firstHeld.opened;
        log.push(`handled ${event.value.orderId}`);
      },
    });
    await sendOrders(h, 0, [['store-0', 0]]);
    await eventually(() => log.includes('prefetched store-0-0'), 'the first batch prefetched');
    await sendOrders(h, 0, [['store-1', 0]]);
    await eventually(() => taken() >= 2, 'the second batch taken over');

    // The second batch is handled while the first one is still held.
    await eventually(() => log.includes('released store-1-0'), 'the second batch handled');
    expect(log).toEqual([
      'prefetched store-0-0',
      'prefetched store-1-0',
      'handled store-1-0',
      'released store-1-0',
    ]);
    firstHeld.open();
    await eventually(() => log.includes('released store-0-0'), 'the first batch handled');
    expect(log.slice(4)).toEqual(['handled store-0-0', 'released store-0-0']);
  });
});

/** A started consumer with a prefetch, four keys at a time; `taken` counts the batches taken over. */
async function prefetching(
  h: EventsHarness,
  hooks: Pick<Parameters<typeof orderConsumer>[1], 'prefetch' | 'handle'>,
): Promise<{ consumer: EventConsumer; taken: () => number }> {
  const consumer = orderConsumer(h, {
    groupId: uniqueName('group'),
    metrics: createMetricsRegistry('test'),
    keysConsumedConcurrently: 4,
    commit: { intervalMs: 100, everyMessages: 1_000 },
    ...hooks,
  });
  cleanups.push(() => consumer.stop());
  let taken = 0;
  consumer.consumer.on(consumer.consumer.events.END_BATCH_PROCESS, () => taken++);
  await consumer.start();
  return { consumer, taken: () => taken };
}
