import { Partitioners, type Kafka, type Producer, type RecordMetadata } from 'kafkajs';
import { RetriableError, errorMessage, type Logger, type Registry } from '@msync/platform';
import { physicalTopic, type EventOf, type TopicKey } from './catalog.js';
import type { EventCodec } from './codec.js';
import { ITEMS_HEADER } from './delivery.js';
import { eventMetrics } from './metrics.js';
import type { EventEnvelope } from './generated/types.js';

/** Where a published event landed: its physical topic, partition and offset. */
export interface EventPosition {
  topic: string;
  partition: number;
  offset: string;
}

export interface Publisher {
  /**
   * Publishes events to a topic, keyed by storeId; resolves once the broker acknowledged all,
   * with the position of the last one when they all belong to one store (one key, so one
   * partition), else null.
   */
  publish<K extends TopicKey>(
    key: K,
    events: EventOf<K> | EventOf<K>[],
  ): Promise<EventPosition | null>;
  /** The underlying producer (for DLQ routing and raw tooling). */
  readonly producer: Producer;
  connect(): Promise<void>;
  /** Flushes and disconnects. */
  disconnect(): Promise<void>;
}

export interface PublisherOptions {
  kafka: Kafka;
  codec: EventCodec;
  logger: Logger;
  metrics?: Registry;
  namespace?: string;
}

/** Typed producer of Avro events, keyed by storeId, acknowledged by all in-sync replicas. */
export function createPublisher(options: PublisherOptions): Publisher {
  // One request in flight keeps a store's events in order across retries. Not the idempotent
  // producer: it needs unbounded retries, and a publish must fail (and be retried by its caller)
  // rather than hang; a rare duplicate is absorbed by idempotent consumers (idempotencyKey).
  const producer = options.kafka.producer({
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Java-compatible murmur2: the same key lands on the same partition as with other clients.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const metrics = options.metrics ? eventMetrics(options.metrics) : undefined;
  return {
    producer,
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    async publish(key, events) {
      const list = Array.isArray(events) ? events : [events];
      if (list.length === 0) return null;
      const topic = physicalTopic(key, options.namespace);
      // One schema lookup and no await per event: encoding is the publisher's only work.
      const values = await options.codec.encodeAll(key, list);
      const messages = list.map((event, i) => {
        const env = (event as { envelope: EventEnvelope }).envelope;
        const headers: Record<string, string> = {
          'event-id': env.eventId,
          'idempotency-key': env.idempotencyKey,
          'correlation-id': env.correlationId,
        };
        // An event carrying more items than its own tells how many (ADR 0166): a consumer bounds
        // what it holds by items, not messages.
        const more = (event as { more?: unknown }).more;
        if (Array.isArray(more) && more.length > 0) headers[ITEMS_HEADER] = String(1 + more.length);
        return { key: env.storeId, value: values[i]!, headers };
      });
      // One key: every message on one partition, the last one's offset told by the last send.
      const oneKey = messages.every((m) => m.key === messages[0]!.key);
      let last: EventPosition | null = null;
      try {
        // In slices, one after the other (order kept): a single request of a large pass's facts
        // would exceed the broker's message.max.bytes and be refused every time.
        for (const slice of slicesOf(messages)) {
          const sent = await producer.send({ topic, acks: -1, messages: slice });
          last = oneKey ? lastPositionOf(topic, sent, slice.length) : null;
        }
      } catch (error) {
        throw new RetriableError(`publishing to ${topic} failed: ${errorMessage(error)}`, {
          cause: error,
          reason: 'kafka-unavailable',
        });
      }
      metrics?.published.inc({ topic }, list.length);
      options.logger.debug('published', { topic, count: list.length });
      return last;
    },
  };
}

/** The last of `count` messages a send put on one partition, from the broker's answer. */
function lastPositionOf(
  topic: string,
  sent: readonly RecordMetadata[],
  count: number,
): EventPosition | null {
  const [only] = sent;
  if (sent.length !== 1 || only?.baseOffset === undefined) return null;
  return {
    topic,
    partition: only.partition,
    offset: String(BigInt(only.baseOffset) + BigInt(count - 1)),
  };
}

/**
 * Kafka refuses a record batch above the broker's `message.max.bytes` (1 MiB by default), and a
 * request's messages of one partition travel as one batch: requests stay below this many bytes.
 */
export const MAX_REQUEST_BYTES = 512 * 1024;

/** Consecutive slices of `messages` whose keys, values and headers stay under `maxBytes`. */
export function slicesOf<M extends { key: string; value: Buffer; headers: Record<string, string> }>(
  messages: readonly M[],
  maxBytes = MAX_REQUEST_BYTES,
): M[][] {
  const slices: M[][] = [];
  let current: M[] = [];
  let bytes = 0;
  for (const message of messages) {
    let size = message.key.length + message.value.length + 64;
    for (const [name, value] of Object.entries(message.headers)) size += name.length + value.length;
    if (current.length > 0 && bytes + size > maxBytes) {
      slices.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) slices.push(current);
  return slices;
}
