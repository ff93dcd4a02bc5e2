import { afterEach, describe, expect, it } from '@jest/globals';
import { createMetricsRegistry } from '@msync/platform';
import { counted, uniqueName } from '@msync/test-support';
import { eventually, orderConsumer, orderTopicHarness, sendTo } from './test-support/harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('consumer lag', () => {
  it('rises with unconsumed messages, also while the consumer is stuck, and returns to 0 once they are consumed', async () => {
    const h = await orderTopicHarness(2);
    cleanups.push(() => h.close());
    const { topic } = h;
    const groupId = uniqueName('group');
    const metrics = createMetricsRegistry('test');
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let handled = 0;
    const consumer = orderConsumer(h, {
      groupId,
      metrics,
      lag: { refreshMs: 200 },
      handle: async () => {
        await gate;
        handled++;
      },
    });
    cleanups.push(() => consumer.stop());
    // Runs first: a failed test must not leave the handler stuck, or stop() would wait for it.
    cleanups.push(() => Promise.resolve(open()));
    await consumer.start();
    const lag = () => counted(metrics, 'events_consumer_lag', { group: groupId, topic });

    await sendTo(h, 0, 'store-a', 6);
    await sendTo(h, 1, 'store-b', 4);
    // The handler holds the first message fetched; nothing is finished.
    await eventually(async () => (await lag()) === 10, 'lag of the 10 messages sent');

    // The handler is stuck, so the client fetches nothing more (not even the other partition's
    // messages if they came after the first fetch): only the periodic read of the log ends sees
    // these.
    await sendTo(h, 0, 'store-a', 3);
    await eventually(async () => (await lag()) === 13, 'lag of the 3 messages sent meanwhile');
    expect(handled).toBe(0);

    open();
    await eventually(() => handled === 13, 'every message handled');
    await eventually(async () => (await lag()) === 0, 'lag back to 0');
  });
});
