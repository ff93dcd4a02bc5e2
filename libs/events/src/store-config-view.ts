import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import type { Logger, Registry } from '@msync/platform';
import { physicalTopic, type EventOf } from './catalog.js';
import type { EventCodec } from './codec.js';
import { createEventConsumer } from './consumer.js';
import { topicOffsetsOnceLed } from './kafka.js';

export type StoreConfig = EventOf<'storeConfigChanged'>;

/**
 * The newer of two snapshots of one store's configuration (`version` is monotonic per store):
 * a duplicate or an older snapshot delivered late never replaces a newer one.
 */
export function newerStoreConfig(current: StoreConfig | undefined, next: StoreConfig): StoreConfig {
  return current !== undefined && current.version >= next.version ? current : next;
}

/** The latest configuration of every store, read from the compacted `config.store.changed.v1`. */
export interface StoreConfigView {
  get(storeId: string): StoreConfig | undefined;
  /** True when the store exists and is CONNECTED (disconnected and deleted stores are not synced). */
  isConnected(storeId: string): boolean;
  /** Reads the topic from the beginning; resolves once everything present at start was read. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface StoreConfigViewOptions {
  kafka: Kafka;
  codec: EventCodec;
  logger: Logger;
  dlqProducer: Producer;
  /** Names the consumer group; a random suffix makes each process read the whole topic. */
  service: string;
  namespace?: string;
  metrics?: Registry;
  /** Told about every snapshot that became the store's latest (e.g. to drop cached credentials). */
  onChange?: (config: StoreConfig) => void;
}

/**
 * An in-memory view of every store's latest configuration. Each process reads the whole topic
 * in its own consumer group (nothing is shared between processes: each needs every store).
 */
export function createStoreConfigView(options: StoreConfigViewOptions): StoreConfigView {
  const configs = new Map<string, StoreConfig>();
  const logger = options.logger.child({ component: 'store-config-view' });
  const topic = physicalTopic('storeConfigChanged', options.namespace);
  const readUpTo = new Map<number, bigint>();
  let caughtUp: (() => void) | undefined;
  let targets: Map<number, bigint> | undefined;

  const checkCaughtUp = () => {
    if (!targets || !caughtUp) return;
    for (const [partition, last] of targets) {
      if ((readUpTo.get(partition) ?? -1n) < last) return;
    }
    caughtUp();
    caughtUp = undefined;
  };

  const consumer = createEventConsumer({
    kafka: options.kafka,
    codec: options.codec,
    logger: options.logger,
    dlqProducer: options.dlqProducer,
    metrics: options.metrics,
    namespace: options.namespace,
    groupId: `${options.service}-store-config-${randomUUID()}`,
    topics: ['storeConfigChanged'],
    fromBeginning: true,
    handle: async (event) => {
      const next = event.value;
      const latest = newerStoreConfig(configs.get(next.envelope.storeId), next);
      if (latest === next) {
        configs.set(next.envelope.storeId, next);
        options.onChange?.(next);
        logger.debug('store config', {
          storeId: next.envelope.storeId,
          version: next.version,
          status: next.status,
        });
      }
      readUpTo.set(event.partition, BigInt(event.offset));
      checkCaughtUp();
      return Promise.resolve();
    },
  });

  return {
    get: (storeId) => configs.get(storeId),
    isConnected: (storeId) => configs.get(storeId)?.status === 'CONNECTED',
    async start() {
      const admin = options.kafka.admin();
      await admin.connect();
      try {
        const offsets = await topicOffsetsOnceLed(admin, topic);
        // The last offset present now, per non-empty partition: read up to it before polling.
        targets = new Map(
          offsets
            .filter((o) => BigInt(o.high) > BigInt(o.low))
            .map((o) => [o.partition, BigInt(o.high) - 1n]),
        );
      } finally {
        await admin.disconnect();
      }
      const done = new Promise<void>((resolve) => (caughtUp = resolve));
      checkCaughtUp();
      await consumer.start();
      await done;
      logger.info('store configurations read', { stores: configs.size });
    },
    stop: () => consumer.stop(),
  };
}
