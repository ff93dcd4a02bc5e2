import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import {
  createEventConsumer,
  physicalTopic,
  topicOffsetsOnceLed,
  type EventCodec,
  type EventConsumer,
} from '@msync/events';
import { errorMessage, type Logger, type Registry } from '@msync/platform';
import { newestConfig, storeConfigOf, type StoreConfig } from '../domain/store-config.js';

/** The newest configuration of every store seen on `config.store.changed.v1`. */
export interface StoreConfigs {
  get(storeId: string): StoreConfig | undefined;
}

export interface StoreConfigView extends StoreConfigs {
  /** Reads the compacted topic from its beginning, waits (bounded) until caught up, then follows it. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly size: number;
}

/**
 * An in-memory view of the configuration topic. Each instance reads the whole compacted topic
 * with a consumer group of its own (every replica needs every store), keeps the highest version
 * per store, and deletes its group when it stops.
 */
export function createStoreConfigView(options: {
  kafka: Kafka;
  codec: EventCodec;
  logger: Logger;
  dlqProducer: Producer;
  namespace: string;
  metrics?: Registry;
  groupPrefix?: string;
  /** How long start waits for the topic to be read up to its end (default 30 s). */
  catchUpTimeoutMs?: number;
  sessionTimeoutMs?: number;
  /** Told about every snapshot that became its store's newest (e.g. to drop a deleted store's gauges). */
  onChange?: (config: StoreConfig) => void;
}): StoreConfigView {
  const logger = options.logger.child({ component: 'store-configs' });
  const configs = new Map<string, StoreConfig>();
  const nextOffsets = new Map<number, bigint>();
  const groupId = `${options.groupPrefix ?? 'sync-applier'}.config.${randomUUID()}`;
  const consumer: EventConsumer = createEventConsumer({
    kafka: options.kafka,
    codec: options.codec,
    logger,
    groupId,
    topics: ['storeConfigChanged'],
    namespace: options.namespace,
    fromBeginning: true,
    dlqProducer: options.dlqProducer,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    // Nothing here is worth committing often: every start reads from the beginning.
    commit: { intervalMs: 10_000 },
    ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
    handle: (event) => {
      const incoming = storeConfigOf(event.value);
      const newest = newestConfig(configs.get(incoming.storeId), incoming);
      configs.set(incoming.storeId, newest);
      if (newest === incoming) options.onChange?.(newest);
      nextOffsets.set(event.partition, BigInt(event.offset) + 1n);
      return Promise.resolve();
    },
  });

  /** The end offsets of the topic; asked again while its partitions are still getting leaders. */
  const endOffsets = async (deadline: number) => {
    const admin = options.kafka.admin();
    await admin.connect();
    try {
      const topic = physicalTopic('storeConfigChanged', options.namespace);
      return await topicOffsetsOnceLed(admin, topic, Math.max(0, deadline - Date.now()));
    } finally {
      await admin.disconnect();
    }
  };

  const caughtUp = async (): Promise<void> => {
    const deadline = Date.now() + (options.catchUpTimeoutMs ?? 30_000);
    let ends: Awaited<ReturnType<typeof endOffsets>>;
    try {
      ends = await endOffsets(deadline);
    } catch (error) {
      logger.warn('could not read where the configuration topic ends; starting anyway', {
        error: errorMessage(error),
      });
      return;
    }
    const behind = () =>
      ends.filter(
        (p) =>
          BigInt(p.high) > BigInt(p.low) && (nextOffsets.get(p.partition) ?? 0n) < BigInt(p.high),
      );
    while (behind().length > 0) {
      if (Date.now() > deadline) {
        // Facts of stores not seen yet are retried, never skipped: starting is safe.
        logger.warn('store configurations not fully read yet; starting anyway', {
          partitionsBehind: behind().length,
        });
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return {
    get: (storeId) => configs.get(storeId),
    get size() {
      return configs.size;
    },
    async start() {
      await consumer.start();
      await caughtUp();
      logger.info('store configurations loaded', { stores: configs.size });
    },
    async stop() {
      await consumer.stop();
      const admin = options.kafka.admin();
      try {
        await admin.connect();
        await admin.deleteGroups([groupId]);
      } catch (error) {
        // Left behind, the group expires with the broker's offsets retention.
        logger.info('could not delete the configuration consumer group', {
          groupId,
          error: errorMessage(error),
        });
      } finally {
        await admin.disconnect();
      }
    },
  };
}
