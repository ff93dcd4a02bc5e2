import type { Kafka } from 'kafkajs';
import type { Logger } from '@msync/platform';
import { capturingLogger, infra, uniqueNamespace } from '@msync/test-support';
import { createKafka } from '../kafka.js';
import { RegistryClient } from '../registry.js';
import { EventCodec } from '../codec.js';
import { createPublisher, type Publisher } from '../publisher.js';
import { bootstrapTopics } from '../bootstrap.js';
import type { TopicKey } from '../catalog.js';
import { physicalTopic } from '../catalog.js';
import { createEventConsumer, type EventConsumer, type EventConsumerOptions } from '../consumer.js';
import { deleteNamespaceTopics } from './topics.js';
import { sampleEvents } from './samples.js';

export interface EventsHarness {
  kafka: Kafka;
  registry: RegistryClient;
  codec: EventCodec;
  publisher: Publisher;
  namespace: string;
  close(): Promise<void>;
}

/** Real Kafka + registry wiring for one test, in its own topic namespace. */
export async function eventsHarness(options: {
  brokers: string;
  registryUrl: string;
  namespace: string;
  logger: Logger;
  topics: readonly TopicKey[];
  /** Partitions of each topic (1 unless a test needs several). */
  partitions?: number;
}): Promise<EventsHarness> {
  const kafka = createKafka({
    brokers: options.brokers.split(','),
    clientId: 'events-test',
    logger: options.logger,
  });
  await bootstrapTopics({
    kafka,
    logger: options.logger,
    namespace: options.namespace,
    partitions: options.partitions ?? 1,
    only: options.topics,
  });
  const registry = new RegistryClient(options.registryUrl);
  const codec = new EventCodec(registry, options.namespace);
  const publisher = createPublisher({
    kafka,
    codec,
    logger: options.logger,
    namespace: options.namespace,
  });
  await publisher.connect();
  return {
    kafka,
    registry,
    codec,
    publisher,
    namespace: options.namespace,
    close: async () => {
      await publisher.disconnect();
      await deleteNamespaceTopics(kafka, options.namespace);
    },
  };
}

export { eventually } from '@msync/test-support';

/** The group's committed offset of each partition of `topic` ('-1' when none). */
export async function committedOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<Map<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, p.offset]));
  } finally {
    await admin.disconnect();
  }
}

/** Writes `count` orderReadyToShip events of `storeId` to one partition, in order. */
export async function sendTo(
  h: EventsHarness,
  partition: number,
  storeId: string,
  count: number,
): Promise<void> {
  await sendOrders(
    h,
    partition,
    Array.from({ length: count }, (_, i): [string, number] => [storeId, i]),
  );
}

/**
 * Writes orderReadyToShip events to one partition in the given order, one per
 * `[storeId, index]`, keyed by the store, with orderId `<storeId>-<index>`.
 */
export async function sendOrders(
  h: EventsHarness,
  partition: number,
  events: [storeId: string, index: number][],
): Promise<void> {
  const messages = [];
  for (const [storeId, i] of events) {
    const event = { ...sampleEvents(storeId).orderReadyToShip, orderId: `${storeId}-${i}` };
    messages.push({
      partition,
      key: storeId,
      value: await h.codec.encode('orderReadyToShip', event),
    });
  }
  await h.publisher.producer.send({
    topic: physicalTopic('orderReadyToShip', h.namespace),
    acks: -1,
    messages,
  });
}

/**
 * An orderReadyToShip topic of `partitions` partitions on the int tests' servers, in a namespace
 * of its own; `topic` is its physical name. Close it when done.
 */
export async function orderTopicHarness(
  partitions: number,
): Promise<EventsHarness & { topic: string }> {
  const h = await topicsHarness(['orderReadyToShip'], partitions);
  return { ...h, topic: physicalTopic('orderReadyToShip', h.namespace) };
}

/** A harness of these topics on the test infrastructure, in a namespace of its own. */
export function topicsHarness(
  topics: readonly TopicKey[],
  partitions?: number,
): Promise<EventsHarness> {
  const env = infra();
  return eventsHarness({
    brokers: env.KAFKA_BROKERS,
    registryUrl: env.SCHEMA_REGISTRY_URL,
    namespace: uniqueNamespace(),
    logger: capturingLogger('warn').logger,
    topics,
    ...(partitions === undefined ? {} : { partitions }),
  });
}

/**
 * A consumer of the harness's orderReadyToShip topic with the tests' usual wiring (errors-only
 * logger, the harness's codec, namespace and DLQ producer); `options` adds the rest.
 */
export function orderConsumer(
  h: EventsHarness,
  options: Omit<
    EventConsumerOptions<'orderReadyToShip'>,
    'kafka' | 'codec' | 'logger' | 'topics' | 'dlqProducer' | 'namespace'
  >,
): EventConsumer {
  return createEventConsumer({
    kafka: h.kafka,
    codec: h.codec,
    logger: capturingLogger('error').logger,
    topics: ['orderReadyToShip'],
    dlqProducer: h.publisher.producer,
    namespace: h.namespace,
    ...options,
  });
}
