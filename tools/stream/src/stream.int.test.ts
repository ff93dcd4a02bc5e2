import { afterEach, describe, expect, it } from '@jest/globals';
import { PermanentError } from '@msync/platform';
import { createEventConsumer, physicalTopic } from '@msync/events';
import { capturingLogger, uniqueName } from '@msync/test-support';
import { eventually, type EventsHarness } from '../../../libs/events/src/test-support/harness.js';
import { ordersTopicHarness } from './test-support/orders-topic.js';
import { sampleEvents } from '../../../libs/events/src/test-support/samples.js';
import { deadLetters, describeTopics, tailEvents } from './read.js';

let h: EventsHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('stream CLI reads', () => {
  it('tails decoded events of one store, counts topics, and shows dead letters with their reason', async () => {
    const { logger } = capturingLogger('error');
    h = await ordersTopicHarness(logger);
    const sample = sampleEvents('store-a').orderAwaitingAcceptance;
    const other = sampleEvents('store-b').orderAwaitingAcceptance;
    await h.publisher.publish('orderAwaitingAcceptance', [
      sample,
      { ...sample, orderId: 'MKP-2' },
      other,
    ]);
    const topic = physicalTopic('orderAwaitingAcceptance', h.namespace);
    await h.publisher.producer.send({
      topic,
      messages: [{ key: 'store-a', value: Buffer.from('garbage') }],
    });

    const seen: { value?: { orderId: string }; error?: string; key: string | null }[] = [];
    const count = await tailEvents(
      {
        kafka: h.kafka,
        codec: h.codec,
        namespace: h.namespace,
        topicKey: 'orderAwaitingAcceptance',
        storeId: 'store-a',
      },
      (e) => seen.push(e),
    );
    expect(count).toBe(3);
    expect(seen.map((e) => e.value?.orderId ?? e.error)).toEqual([
      'MKP-1001-A',
      'MKP-2',
      expect.stringMatching(/wire format/),
    ]);
    expect(seen.every((e) => e.key === 'store-a')).toBe(true);

    // Let a real consumer dead-letter the garbage, then inspect the DLQ.
    const consumer = createEventConsumer({
      kafka: h.kafka,
      codec: h.codec,
      logger,
      groupId: uniqueName('group'),
      topics: ['orderAwaitingAcceptance'],
      namespace: h.namespace,
      dlqProducer: h.publisher.producer,
      handle: async (event) => {
        if (event.value.orderId === 'MKP-2')
          throw new PermanentError('order refused', { reason: 'rule' });
      },
    });
    await consumer.start();
    const letters: { reason: string; valuePreview: string }[] = [];
    await eventually(
      async () => {
        letters.length = 0;
        await deadLetters(
          { kafka: h!.kafka, namespace: h!.namespace, topicKey: 'orderAwaitingAcceptance' },
          (e) => letters.push(e),
        );
        return letters.length === 2;
      },
      'two dead letters',
      30_000,
    );
    await consumer.stop();
    expect(letters.map((l) => l.reason).sort()).toEqual(['not-wire-format', 'rule']);
    expect(letters.find((l) => l.reason === 'not-wire-format')?.valuePreview).toBe('garbage');

    const rows = await describeTopics(h.kafka, h.namespace);
    expect(rows.find((r) => r.key === 'orderAwaitingAcceptance')).toMatchObject({
      messages: 4,
      deadLetters: 2,
    });
    expect(rows.find((r) => r.key === 'syncOutcome')?.messages).toBe(-1);
  });

  it('follows a topic past its end until stopped, keeping only events of one order or one SKU', async () => {
    const { logger } = capturingLogger('error');
    h = await ordersTopicHarness(logger);
    const harness = h;
    const sample = sampleEvents('store-a').orderAwaitingAcceptance;
    const withSku = (orderId: string, sku: string) => ({
      ...sample,
      orderId,
      lines: sample.lines.map((line) => ({ ...line, offerSku: sku })),
    });
    await harness.publisher.publish('orderAwaitingAcceptance', [
      withSku('MKP-1', 'SKU-MUG'),
      withSku('MKP-2', 'SKU-BOWL'),
    ]);
    const follow = async (filter: { orderId?: string; sku?: string }) => {
      const stop = new AbortController();
      const seen: string[] = [];
      const done = tailEvents(
        {
          kafka: harness.kafka,
          codec: harness.codec,
          namespace: harness.namespace,
          topicKey: 'orderAwaitingAcceptance',
          filter,
          follow: { signal: stop.signal },
        },
        (e) => seen.push(e.value!.orderId),
      );
      return { seen, stop, done };
    };
    const byOrder = await follow({ orderId: 'MKP-3' });
    const bySku = await follow({ sku: 'SKU-BOWL' });
    await eventually(() => bySku.seen.length === 1, 'the SKU filter finds MKP-2', 30_000);

    // Published after both reached the end: followed, and filtered.
    const beforeSecond = new Date();
    await harness.publisher.publish('orderAwaitingAcceptance', [
      withSku('MKP-3', 'SKU-MUG'),
      withSku('MKP-4', 'SKU-BOWL'),
    ]);
    await eventually(
      () => byOrder.seen.length === 1 && bySku.seen.length === 2,
      'the new events followed',
      30_000,
    );
    byOrder.stop.abort();
    bySku.stop.abort();
    expect(await byOrder.done).toBe(1);
    expect(await bySku.done).toBe(2);
    expect(byOrder.seen).toEqual(['MKP-3']);
    expect(bySku.seen).toEqual(['MKP-2', 'MKP-4']);

    // --since starts at the first message of that time; a time past the end reads nothing.
    const since = async (at: Date) => {
      const seen: string[] = [];
      await tailEvents(
        {
          kafka: harness.kafka,
          codec: harness.codec,
          namespace: harness.namespace,
          topicKey: 'orderAwaitingAcceptance',
          since: at,
        },
        (e) => seen.push(e.value!.orderId),
      );
      return seen;
    };
    expect(await since(beforeSecond)).toEqual(['MKP-3', 'MKP-4']);
    expect(await since(new Date(Date.now() + 3600_000))).toEqual([]);
  });
});
