import type { Consumer, EachMessagePayload, IHeaders, Kafka, Producer } from 'kafkajs';
import {
  RateLimitedError,
  backoffDelay,
  classifyError,
  errorMessage,
  errorReason,
  scrubString,
  sleep,
  type Logger,
  type Registry,
} from '@msync/platform';
import { dlqTopicName, physicalTopic, type EventOf, type TopicKey } from './catalog.js';
import type { EventCodec } from './codec.js';
import { eventMetrics } from './metrics.js';

/** One decoded message, as handed to a handler. */
export interface ConsumedEvent<K extends TopicKey> {
  topicKey: K;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: EventOf<K>;
  headers: Record<string, string>;
}

/** A handler sees a union over the subscribed topics, so `switch (event.topicKey)` narrows it. */
export type ConsumedEventOf<K extends TopicKey> = { [P in K]: ConsumedEvent<P> }[K];

export interface EventConsumerOptions<K extends TopicKey> {
  kafka: Kafka;
  codec: EventCodec;
  logger: Logger;
  groupId: string;
  topics: readonly K[];
  /**
   * Applies the effect of one event. Resolve when the effect is done (the offset is then
   * committed). Throw a PermanentError to dead-letter the message; any other error is retried
   * with backoff, without committing, until it succeeds or the consumer stops.
   */
  handle: (event: ConsumedEventOf<K>) => Promise<void>;
  /** Producer used to write DLQ entries (shared with the service's publisher). */
  dlqProducer: Producer;
  metrics?: Registry;
  namespace?: string;
  fromBeginning?: boolean;
  partitionsConsumedConcurrently?: number;
  retry?: { initialDelayMs?: number; maxDelayMs?: number };
  sessionTimeoutMs?: number;
}

export interface EventConsumer {
  /** Connects, subscribes and starts; resolves once the group has assigned partitions. */
  start(): Promise<void>;
  /** Stops taking messages, lets the in-flight one finish (or abandons its retries), disconnects. */
  stop(): Promise<void>;
  readonly consumer: Consumer;
}

class ConsumerStopping extends Error {
  constructor() {
    super('consumer is stopping; message left uncommitted for redelivery');
    this.name = 'ConsumerStopping';
  }
}

const MAX_DLQ_ERROR_LENGTH = 2_000;

/**
 * At-least-once consumer with commit-after-effect semantics: an offset is committed only after
 * the handler succeeded or the message was written to its DLQ. Messages that cannot be decoded
 * or whose handler fails permanently go to `<topic>.dlq` (original key, value and headers, plus
 * reason headers) and the consumer goes on; retriable failures block the partition, keeping
 * per-store order, and are retried with capped exponential backoff.
 */
export function createEventConsumer<K extends TopicKey>(
  options: EventConsumerOptions<K>,
): EventConsumer {
  const { codec, groupId } = options;
  const logger = options.logger.child({ component: 'consumer', groupId });
  const metrics = options.metrics ? eventMetrics(options.metrics) : undefined;
  const byPhysical = new Map<string, K>(
    options.topics.map((key) => [physicalTopic(key, options.namespace), key]),
  );
  const consumer = options.kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    allowAutoTopicCreation: false,
  });
  const stopController = new AbortController();

  const commit = (topic: string, partition: number, offset: string) =>
    consumer.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);

  const deadLetter = async (payload: EachMessagePayload, error: unknown): Promise<void> => {
    const { topic, partition, message } = payload;
    const reason = errorReason(error);
    const headers: IHeaders = {
      ...message.headers,
      'dlq-reason': reason,
      'dlq-error': scrubString(errorMessage(error)).slice(0, MAX_DLQ_ERROR_LENGTH),
      'dlq-source-topic': topic,
      'dlq-source-partition': String(partition),
      'dlq-source-offset': message.offset,
      'dlq-consumer-group': groupId,
      'dlq-failed-at': new Date().toISOString(),
    };
    await options.dlqProducer.send({
      topic: dlqTopicName(topic),
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers }],
    });
    metrics?.deadLettered.inc({ topic, reason });
    metrics?.consumed.inc({ topic, outcome: 'dead-lettered' });
    logger.error('message dead-lettered', {
      topic,
      partition,
      offset: message.offset,
      reason,
      error: errorMessage(error),
    });
  };

  const process = async (payload: EachMessagePayload): Promise<void> => {
    const { topic, partition, message } = payload;
    const heartbeat = () => payload.heartbeat();
    const topicKey = byPhysical.get(topic);
    if (topicKey === undefined) throw new Error(`message from unsubscribed topic ${topic}`);
    for (let attempt = 1; ; attempt++) {
      if (stopController.signal.aborted) throw new ConsumerStopping();
      try {
        const value = await codec.decode(topicKey, message.value);
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [
            k,
            Buffer.isBuffer(v) ? v.toString('utf8') : String(v),
          ]),
        );
        const event = {
          topicKey,
          topic,
          partition,
          offset: message.offset,
          key: message.key ? message.key.toString('utf8') : null,
          value,
          headers,
        } as ConsumedEventOf<K>;
        await options.handle(event);
        metrics?.consumed.inc({ topic, outcome: 'handled' });
        break;
      } catch (error) {
        if (classifyError(error) === 'permanent') {
          await retryUntilDone(() => deadLetter(payload, error), 'dlq-write', topic, heartbeat);
          break;
        }
        const reason = errorReason(error);
        metrics?.retries.inc({ topic, reason });
        let delayMs = backoffDelay(attempt, {
          initialDelayMs: options.retry?.initialDelayMs ?? 500,
          maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
        });
        if (error instanceof RateLimitedError) delayMs = Math.max(delayMs, error.retryAfterMs);
        logger.warn('handler failed; will retry without committing', {
          topic,
          partition,
          offset: message.offset,
          attempt,
          delayMs,
          reason,
          error: errorMessage(error),
        });
        await pause(delayMs, heartbeat);
      }
    }
    await retryUntilDone(
      () => commit(topic, partition, message.offset),
      'commit',
      topic,
      heartbeat,
    );
  };

  const pause = async (ms: number, heartbeat: () => Promise<void>): Promise<void> => {
    // Heartbeat while waiting so a long backoff does not cost the partition assignment.
    const step = 3_000;
    for (let left = ms; left > 0; left -= step) {
      try {
        await sleep(Math.min(step, left), stopController.signal);
      } catch {
        throw new ConsumerStopping();
      }
      await heartbeat().catch(() => undefined);
    }
  };

  const retryUntilDone = async (
    fn: () => Promise<void>,
    what: string,
    topic: string,
    heartbeat: () => Promise<void>,
  ) => {
    for (let attempt = 1; ; attempt++) {
      if (stopController.signal.aborted) throw new ConsumerStopping();
      try {
        await fn();
        return;
      } catch (error) {
        logger.warn(`${what} failed; retrying`, { topic, attempt, error: errorMessage(error) });
        await pause(backoffDelay(attempt, { initialDelayMs: 500, maxDelayMs: 10_000 }), heartbeat);
      }
    }
  };

  return {
    consumer,
    async start() {
      const joined = new Promise<void>((resolve) => {
        const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
          remove();
          resolve();
        });
      });
      consumer.on(consumer.events.CRASH, (e) => {
        logger.error('consumer crashed', { error: e.payload.error, restart: e.payload.restart });
      });
      await consumer.connect();
      await consumer.subscribe({
        topics: [...byPhysical.keys()],
        fromBeginning: options.fromBeginning ?? true,
      });
      await consumer.run({
        autoCommit: false,
        // Several partitions at once: a partition waiting on a retriable failure blocks only the
        // stores that hash to it, not every store this instance consumes.
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
        eachMessage: process,
      });
      await joined;
      logger.info('consuming', { topics: [...byPhysical.keys()] });
    },
    async stop() {
      stopController.abort();
      await consumer.disconnect();
    },
  };
}
