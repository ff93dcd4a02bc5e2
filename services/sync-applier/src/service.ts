import { hostname } from 'node:os';
import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import {
  bootstrapTopics,
  createEventConsumer,
  createLaneLeases,
  createMongoParkedEventStore,
  type EventCodec,
  type EventConsumer,
  type Publisher,
} from '@msync/events';
import type { Logger, Registry } from '@msync/platform';
import { createSecretBox, createStoreCredentials, type EncryptionKey } from '@msync/stores';
import { FACT_TOPICS, createApplier, type Delivery, type Fact } from './applier.js';
import { createEffectsLedger, type EffectsLedger } from './adapters/effects-ledger.js';
import { createInventoryState } from './adapters/inventory-state.js';
import { SOURCE, createOutcomeRecorder } from './adapters/outcomes.js';
import { createStoreConfigView, type StoreConfigView } from './adapters/store-configs.js';
import { createVendors, type VendorOptions } from './adapters/vendors.js';
import { createWaitingRoom, waitingGroupOf } from './adapters/waiting-room.js';
import { createInventoryFlow } from './inventory-flow.js';
import { applierMetrics } from './metrics.js';
import { createRetrier, type Retrier } from './retrier.js';

export interface SyncApplierOptions {
  kafka: Kafka;
  codec: EventCodec;
  publisher: Publisher;
  namespace: string;
  /** The service's database: effects, parked facts, retrier leases; and config-api's `stores` (read only). */
  db: Db;
  encryptionKeys: EncryptionKey[];
  logger: Logger;
  metrics: Registry;
  vendors?: Omit<VendorOptions, 'credentials' | 'logger' | 'metrics'>;
  /** Consumer group of the facts (default `<namespace>sync-applier`); replays use a new one. */
  groupId?: string;
  fromBeginning?: boolean;
  retrier?: {
    intervalMs?: number;
    initialDelayMs?: number;
    maxDelayMs?: number;
    /** A lane held this long by a silent instance is taken over (default 2 min). */
    leaseMs?: number;
  };
  waitingRetryMs?: number;
  effectsRetentionMs?: number;
  /** Partitions of topics created when missing (default: the catalog's). */
  topicPartitions?: number;
  /** Offset commit batching of the facts consumer (tests commit often). */
  commit?: { intervalMs?: number; everyMessages?: number };
}

export interface SyncApplier {
  /** Creates missing topics, loads store configurations, then consumes facts and runs the retrier. */
  start(): Promise<void>;
  /** Stops consuming, then the retrier, then the configuration view. */
  stop(): Promise<void>;
  ledger: EffectsLedger;
  configs: StoreConfigView;
  retrier: Retrier;
  handle: (fact: Fact, delivery: Delivery) => Promise<void>;
  readonly groupId: string;
}

/** Wires the applier on its dependencies; nothing runs until `start`. */
export async function createSyncApplier(options: SyncApplierOptions): Promise<SyncApplier> {
  const { logger, db } = options;
  // Namespaced like the topics: environments sharing a cluster do not share the group.
  const groupId = options.groupId ?? `${options.namespace}${SOURCE}`;
  const metrics = applierMetrics(options.metrics);
  const ledger = await createEffectsLedger(db);
  const parked = await createMongoParkedEventStore(db);
  const credentials = createStoreCredentials({
    db,
    secretBox: createSecretBox(options.encryptionKeys),
  });
  const vendors = createVendors({ ...options.vendors, credentials, logger, metrics });
  const configs = createStoreConfigView({
    kafka: options.kafka,
    codec: options.codec,
    logger,
    dlqProducer: options.publisher.producer,
    namespace: options.namespace,
    metrics: options.metrics,
    groupPrefix: groupId,
  });
  const record = createOutcomeRecorder({ publisher: options.publisher, metrics });
  const handle = createApplier({
    configs,
    ledger,
    vendors,
    record,
    inventory: createInventoryFlow({
      configs,
      ledger,
      vendors,
      state: createInventoryState(db),
      record,
      metrics,
      logger,
    }),
    waiting: createWaitingRoom({ store: parked, codec: options.codec, groupId }),
    logger,
    ...(options.waitingRetryMs ? { waitingRetryMs: options.waitingRetryMs } : {}),
  });
  const retryBackoff = {
    initialDelayMs: options.retrier?.initialDelayMs ?? 1_000,
    maxDelayMs: options.retrier?.maxDelayMs ?? 15 * 60_000,
  };
  const retrier = createRetrier({
    store: parked,
    leases: createLaneLeases(db, {
      holder: `${SOURCE}@${hostname()}:${process.pid}`,
      leaseMs: options.retrier?.leaseMs ?? 120_000,
    }),
    codec: options.codec,
    namespace: options.namespace,
    groups: { store: groupId, waiting: waitingGroupOf(groupId) },
    handle,
    dlqProducer: options.publisher.producer,
    logger,
    metrics,
    registry: options.metrics,
    backoff: retryBackoff,
    ...(options.retrier?.intervalMs ? { intervalMs: options.retrier.intervalMs } : {}),
    ledger: { ledger, retentionMs: options.effectsRetentionMs ?? 90 * 24 * 3600_000 },
  });
  let consumer: EventConsumer | undefined;

  return {
    ledger,
    configs,
    retrier,
    handle,
    groupId,
    async start() {
      // Topics are created explicitly, never by first use (ADR 0002); this is idempotent.
      await bootstrapTopics({
        kafka: options.kafka,
        logger,
        namespace: options.namespace,
        only: ['storeConfigChanged', ...FACT_TOPICS, 'syncOutcome'],
        ...(options.topicPartitions ? { partitions: options.topicPartitions } : {}),
      });
      await configs.start();
      consumer = createEventConsumer({
        kafka: options.kafka,
        codec: options.codec,
        logger,
        groupId,
        topics: FACT_TOPICS,
        handle: (fact) => handle(fact, { via: 'consumer' }),
        dlqProducer: options.publisher.producer,
        setAside: parked,
        metrics: options.metrics,
        namespace: options.namespace,
        fromBeginning: options.fromBeginning ?? true,
        retry: retryBackoff,
        ...(options.commit ? { commit: options.commit } : {}),
      });
      await consumer.start();
      retrier.start();
      logger.info('applying', { groupId, topics: FACT_TOPICS });
    },
    async stop() {
      await consumer?.stop();
      await retrier.stop();
      await configs.stop();
    },
  };
}
