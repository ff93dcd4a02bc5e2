import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { PermanentError, RetriableError, createMetricsRegistry } from '@msync/platform';
import { capturingLogger, infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import { bootstrapTopics } from './bootstrap.js';
import { dlqTopicName, physicalTopic, subjectName, topicKeys, type TopicKey } from './catalog.js';
import { createEventConsumer, type ConsumedEventOf, type EventConsumer } from './consumer.js';
import { createGroupProgress } from './group-progress.js';
import { eventsHarness, eventually, type EventsHarness } from './test-support/harness.js';
import { sampleEvents } from './test-support/samples.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(
  topics: readonly TopicKey[],
): Promise<EventsHarness & { logger: ReturnType<typeof capturingLogger> }> {
  const log = capturingLogger('warn');
  const env = infra();
  const h = await eventsHarness({
    brokers: env.KAFKA_BROKERS,
    registryUrl: env.SCHEMA_REGISTRY_URL,
    namespace: uniqueNamespace(),
    logger: log.logger,
    topics,
  });
  cleanups.push(() => h.close());
  return { ...h, logger: log };
}

function consumer<K extends TopicKey>(
  h: EventsHarness,
  topics: readonly K[],
  handle: (event: ConsumedEventOf<K>) => Promise<void>,
  groupId = uniqueName('group'),
  metrics = createMetricsRegistry('test'),
): EventConsumer {
  const c = createEventConsumer({
    kafka: h.kafka,
    codec: h.codec,
    logger: capturingLogger('error').logger,
    groupId,
    topics,
    handle,
    dlqProducer: h.publisher.producer,
    namespace: h.namespace,
    metrics,
    retry: { initialDelayMs: 100, maxDelayMs: 500 },
  });
  cleanups.push(() => c.stop());
  return c;
}

/** Reads every message currently on a raw topic (e.g. a DLQ). */
async function readRaw(h: EventsHarness, topic: string, expected: number): Promise<KafkaMessage[]> {
  const raw = h.kafka.consumer({ groupId: uniqueName('raw') });
  const messages: KafkaMessage[] = [];
  await raw.connect();
  await raw.subscribe({ topics: [topic], fromBeginning: true });
  await raw.run({ eachMessage: async ({ message }) => void messages.push(message) });
  try {
    await eventually(() => messages.length >= expected, `${expected} messages on ${topic}`, 30_000);
  } finally {
    await raw.disconnect();
  }
  return messages;
}

async function committedOffset(h: EventsHarness, groupId: string, topic: string): Promise<string> {
  const admin = h.kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return entry?.partitions[0]?.offset ?? '-1';
  } finally {
    await admin.disconnect();
  }
}

describe('events on real Kafka and a real schema registry', () => {
  it('publishes every event type through the registry and consumes each back equal', async () => {
    const h = await setup(topicKeys);
    const samples = sampleEvents('store-roundtrip');
    // Collected here, asserted below: a failed expect() inside the handler would be retried.
    const received = new Map<TopicKey, ConsumedEventOf<TopicKey>>();
    await consumer(h, topicKeys, async (event) => {
      received.set(event.topicKey, event);
    }).start();

    for (const key of topicKeys) await h.publisher.publish(key, samples[key]);

    await eventually(() => received.size === topicKeys.length, 'every event type', 60_000);
    for (const key of topicKeys) {
      const event = received.get(key)!;
      expect(event.value).toEqual(samples[key]);
      expect(event.key).toBe('store-roundtrip');
      expect(event.headers['idempotency-key']).toBe(samples[key].envelope.idempotencyKey);
      expect(event.headers['event-id']).toBe(samples[key].envelope.eventId);
      // An event carrying more items than its own tells how many (ADR 0166); others say nothing.
      const more = (samples[key] as { more?: unknown[] }).more;
      expect(event.headers['items']).toBe(more?.length ? String(1 + more.length) : undefined);
    }
    expect(received.get('inventoryObserved')!.headers['items']).toBe('2');

    // Bootstrapping again changes nothing: every topic and DLQ already exists.
    const again = await bootstrapTopics({
      kafka: h.kafka,
      logger: capturingLogger('error').logger,
      namespace: h.namespace,
      partitions: 1,
    });
    expect(again.created).toEqual([]);
    expect(again.existing).toHaveLength(topicKeys.length * 2);

    // Each value schema is registered under <topic>-value with BACKWARD_TRANSITIVE.
    for (const key of topicKeys) {
      const subject = subjectName(physicalTopic(key, h.namespace));
      const config = await fetch(`${infra().SCHEMA_REGISTRY_URL}/config/${subject}`).then(
        (r) => r.json() as Promise<{ compatibilityLevel: string }>,
      );
      expect(config.compatibilityLevel).toBe('BACKWARD_TRANSITIVE');
    }
  });

  it('publishes a pass larger than a Kafka request may be, every event in order', async () => {
    const h = await setup(['inventoryObserved']);
    const sample = sampleEvents('store-large-pass').inventoryObserved;
    // About 2 MiB of one store's facts, one partition: more than the broker takes in one batch.
    const count = 4_000;
    const skuOf = (n: number) => `SKU-${String(n).padStart(6, '0')}-${'x'.repeat(400)}`;
    const events = Array.from({ length: count }, (_, n) => ({
      ...sample,
      envelope: { ...sample.envelope, eventId: randomUUID(), idempotencyKey: `large:${n}` },
      sku: skuOf(n),
    }));
    const received: string[] = [];
    let lastAt = '';
    await consumer(h, ['inventoryObserved'], async (event) => {
      received.push(event.value.sku);
      lastAt = `${event.partition}@${event.offset}`;
    }).start();

    const position = await h.publisher.publish('inventoryObserved', events);

    await eventually(() => received.length >= count, 'every event of the pass', 60_000);
    expect(received).toEqual(events.map((e) => e.sku));
    // The position of the last event, told across the several requests the pass took.
    expect(position).toEqual({
      topic: physicalTopic('inventoryObserved', h.namespace),
      partition: expect.any(Number),
      offset: String(count - 1),
    });
    expect(`${position!.partition}@${position!.offset}`).toBe(lastAt);
    // Events of two stores: no one position.
    const other = sampleEvents('store-other').inventoryObserved;
    expect(await h.publisher.publish('inventoryObserved', [sample, other])).toBeNull();
  });

  it('hands each fetched batch to prefetch first and lets it go once the batch is handled', async () => {
    const h = await setup(['inventoryObserved']);
    const sample = sampleEvents('store-prefetch').inventoryObserved;
    const count = 300;
    const events = Array.from({ length: count }, (_, n) => ({
      ...sample,
      envelope: { ...sample.envelope, eventId: randomUUID(), idempotencyKey: `prefetch:${n}` },
      sku: `SKU-${n}`,
    }));
    // What happened, in order: a batch's prefetch, each event handled, the batch let go.
    const steps: string[] = [];
    let batches = 0;
    const c = createEventConsumer({
      kafka: h.kafka,
      codec: h.codec,
      logger: capturingLogger('error').logger,
      groupId: uniqueName('group'),
      topics: ['inventoryObserved'],
      handle: async (event) => {
        steps.push(`handle ${event.value.sku}`);
      },
      prefetch: async (batch) => {
        const n = ++batches;
        steps.push(`prefetch ${n}: ${batch.map((e) => e.value.sku).join(',')}`);
        return () => steps.push(`done ${n}`);
      },
      dlqProducer: h.publisher.producer,
      namespace: h.namespace,
    });
    cleanups.push(() => c.stop());
    await c.start();
    await h.publisher.publish('inventoryObserved', events);
    await eventually(
      () =>
        steps.filter((s) => s.startsWith('done')).length === batches &&
        batches > 0 &&
        steps.filter((s) => s.startsWith('handle')).length === count,
      'every event handled and its batch let go',
      60_000,
    );
    // Each batch: its prefetch, exactly its events handled in order, then its release.
    const expected: string[] = [];
    for (const step of steps.filter((s) => s.startsWith('prefetch'))) {
      const [head, skus] = step.split(': ') as [string, string];
      expected.push(
        step,
        ...skus.split(',').map((sku) => `handle ${sku}`),
        `done ${head.slice(9)}`,
      );
    }
    expect(steps).toEqual(expected);
    expect(steps.filter((s) => s.startsWith('handle'))).toEqual(
      events.map((e) => `handle ${e.sku}`),
    );
  });

  it('sends a poison message to the DLQ with its reason and goes on with the next message', async () => {
    const h = await setup(['inventoryObserved']);
    const topic = physicalTopic('inventoryObserved', h.namespace);
    const handled: string[] = [];
    const metrics = createMetricsRegistry('test');
    await consumer(
      h,
      ['inventoryObserved'],
      async (event) => {
        if (event.value.sku === 'REJECT-ME')
          throw new PermanentError('sku is not sellable', { reason: 'unknown-sku' });
        handled.push(event.value.sku);
      },
      uniqueName('group'),
      metrics,
    ).start();

    const sample = sampleEvents('store-poison').inventoryObserved;
    await h.publisher.producer.send({
      topic,
      messages: [
        { key: 'store-poison', value: Buffer.from('{"not":"avro"}'), headers: { origin: 'test' } },
      ],
    });
    await h.publisher.publish('inventoryObserved', { ...sample, sku: 'REJECT-ME' });
    await h.publisher.publish('inventoryObserved', { ...sample, sku: 'GOOD-1' });

    await eventually(() => handled.includes('GOOD-1'), 'the message after the poison ones', 30_000);
    const dlq = await readRaw(h, dlqTopicName(topic), 2);
    const [poison, rejected] = dlq;
    expect(poison!.value!.toString()).toBe('{"not":"avro"}');
    expect(poison!.key!.toString()).toBe('store-poison');
    expect(poison!.headers!['dlq-reason']!.toString()).toBe('not-wire-format');
    expect(poison!.headers!['dlq-source-topic']!.toString()).toBe(topic);
    expect(poison!.headers!['dlq-source-offset']!.toString()).toBe('0');
    expect(poison!.headers!['origin']!.toString()).toBe('test');
    expect(rejected!.headers!['dlq-reason']!.toString()).toBe('unknown-sku');
    expect(rejected!.headers!['dlq-error']!.toString()).toContain('sku is not sellable');
    expect(handled).toEqual(['GOOD-1']);
    const text = await metrics.metrics();
    expect(text).toMatch(
      /events_dead_lettered_total\{topic="[^"]+",reason="not-wire-format",service="test"\} 1/,
    );
  });

  it('does not commit while the handler fails retriably, and processes the message after recovery', async () => {
    const h = await setup(['orderReadyToShip']);
    const topic = physicalTopic('orderReadyToShip', h.namespace);
    const groupId = uniqueName('group');
    const sample = sampleEvents('store-retry').orderReadyToShip;
    const position = (await h.publisher.publish('orderReadyToShip', sample))!;
    const progress = createGroupProgress({ kafka: h.kafka, groupId, maxAgeMs: 0 });
    cleanups.push(() => progress.stop());

    // Phase 1: the downstream system is down; the consumer keeps retrying and never commits.
    let attempts = 0;
    const failing = consumer(
      h,
      ['orderReadyToShip'],
      async () => {
        attempts++;
        throw new RetriableError('ShipBob is unavailable', { reason: 'shipbob-unavailable' });
      },
      groupId,
    );
    await failing.start();
    await eventually(() => attempts >= 3, 'three failed attempts', 30_000);
    expect(await committedOffset(h, groupId, topic)).toBe('-1');
    await failing.stop();
    expect(await committedOffset(h, groupId, topic)).toBe('-1');
    // Another process asking how far the group is: the message is still its to take.
    expect(await progress.behind(position)).toBe(1);

    // Phase 2: after a restart the same message is delivered again; a transient failure is
    // retried in place, then the effect succeeds and only then is the offset committed.
    const processed: string[] = [];
    let failuresLeft = 2;
    await consumer(
      h,
      ['orderReadyToShip'],
      async (event) => {
        if (failuresLeft-- > 0) throw new Error('connection reset');
        processed.push(`${event.value.orderId}@${event.offset}`);
      },
      groupId,
    ).start();
    await eventually(
      () => processed.length === 1,
      'the message to be processed after recovery',
      30_000,
    );
    expect(processed).toEqual([`${sample.orderId}@0`]);
    await eventually(
      async () => (await committedOffset(h, groupId, topic)) === '1',
      'the commit',
      10_000,
    );
    expect(await progress.behind(position)).toBe(0);
  });
});
