import { hostname } from 'node:os';
import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import {
  bootstrapTopics,
  createDeadLetterWriter,
  createEventConsumer,
  createGroupProgress,
  createMongoParkedEventStore,
  eventMetrics,
  type EventCodec,
  type EventConsumer,
  type PrefetchResult,
  type Publisher,
} from '@msync/events';
import {
  RetriableError,
  classifyError,
  createMeteredMapCache,
  createMongoCallGate,
  createMongoLeases,
  errorMessage,
  linkSignals,
  runWithDeadline,
  type Logger,
  type PassLimit,
  type Registry,
} from '@msync/platform';
import { createPublishedPositions } from '@msync/polling';
import { createShipBobSharedBudget } from '@msync/shipbob';
import { createSecretBox, createStoreCredentials, type EncryptionKey } from '@msync/stores';
import type { Router } from 'express';
import {
  FACT_TOPICS,
  createApplier,
  factLane,
  mayImport,
  type Delivery,
  type Fact,
  type FactTopic,
} from './applier.js';
import { catalogOpsRoutes } from './adapters/catalog-routes.js';
import { createCatalogView } from './adapters/catalog-view.js';
import { createOfferOutcomes } from './adapters/offer-outcomes.js';
import { createEffectsLedger, type EffectsLedger } from './adapters/effects-ledger.js';
import { createLedgerSnapshots } from './adapters/ledger-snapshots.js';
import { createReconciliations } from './adapters/reconciliations.js';
import {
  DEFAULT_INVENTORY_MAP_CACHE_ENTRIES,
  createInventoryState,
} from './adapters/inventory-state.js';
import { SOURCE, createOutcomeRecorder } from './adapters/outcomes.js';
import { createStoreConfigView, type StoreConfigView } from './adapters/store-configs.js';
import { createVendors, type VendorOptions } from './adapters/vendors.js';
import { offerPrefetch } from './adapters/offer-prefetch.js';
import { createWaitingRoom, waitingGroupOf } from './adapters/waiting-room.js';
import { createInventoryFlow } from './inventory-flow.js';
import { DEFAULT_STOCK_INDEX_ENTRIES, createStockIndexes } from './adapters/stock-indexes.js';
import { createStockAfterOffers } from './adapters/stock-after-offers.js';
import { createOffersPending } from './adapters/offers-pending.js';
import {
  DEFAULT_CLOSE_REQUEST_TIMING,
  type CloseRequestTiming,
} from './domain/stock-after-offers.js';
import { applierMetrics } from './metrics.js';
import { createRetrier, type Retrier } from './retrier.js';

/** Shared with the mirakl-poller (same database): one record of OR11 calls per shop. */
export const CALL_GATE_COLLECTION = 'call_gate';

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
  vendors?: Omit<VendorOptions, 'credentials' | 'logger' | 'metrics' | 'gate' | 'shipbobBudget'>;
  /** Consumer group of the facts (default `<namespace>sync-applier`); replays use a new one. */
  groupId?: string;
  fromBeginning?: boolean;
  retrier?: {
    intervalMs?: number;
    initialDelayMs?: number;
    maxDelayMs?: number;
    /** A lane held this long by a silent instance is taken over (default 2 min). */
    leaseMs?: number;
    /** Parked lanes drained at once (default 16). */
    lanesConcurrently?: number;
  };
  waitingRetryMs?: number;
  effectsRetentionMs?: number;
  /** Partitions of topics created when missing (default: the catalog's). */
  topicPartitions?: number;
  /** Session timeout of its consumers (facts and configuration view); default 30 s. */
  sessionTimeoutMs?: number;
  /** Fact partitions handled at once (default 24). */
  partitionsConcurrently?: number;
  /** Stores of one fact partition handled at once, each in order (default 8). */
  keysConcurrently?: number;
  /** Unfinished facts per partition at which its fetching pauses (default 5,000, ADR 0098). */
  maxUnfinishedPerPartition?: number;
  /** Unfinished facts of all partitions at which every partition's fetching pauses (ADR 0132). */
  maxUnfinished?: number;
  /** Bytes one fetch of facts asks Kafka for at most (ADR 0132). */
  fetchMaxBytes?: number;
  /** Offset commit batching of the facts consumer (tests commit often). */
  commit?: { intervalMs?: number; everyMessages?: number };
  /**
   * Vendor calls of a fact handled from Kafka must end within this (default 4 s); past it they
   * are abandoned and the fact is parked for the retrier, which has no such limit. It bounds how
   * long a store whose vendor hangs holds the partition it shares with other stores.
   */
  liveDeadlineMs?: number;
  /** The live deadline of a store's cycle end, which sends its stock import (default 30 s, ADR 0101). */
  importLiveDeadlineMs?: number;
  /** Store map entries kept in memory between reads (default 50,000, ADR 0108, 0147; 0: none). */
  mapCacheEntries?: number;
  /** The slots of stores' cycle ends' catalog-sized phases (default 2 slots, ADR 0140). */
  cycleEnds?: PassLimit;
  /** SKUs of stores' stock indexes kept between cycle ends (default 1,000,000, ADR 0147; 0: none). */
  stockIndexEntries?: number;
  /**
   * When a store whose offers were written asks for its inventory cycle to end again (default 5 s
   * quiet, 60 s apart; ADR 0155).
   */
  stockAfterOffers?: CloseRequestTiming;
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
  /** The seller's catalog view on the ops port (ADR 0089), asked by config-api. */
  opsRoutes: (router: Router) => void;
}

/** Wires the applier on its dependencies; nothing runs until `start`. */
export async function createSyncApplier(options: SyncApplierOptions): Promise<SyncApplier> {
  const { logger, db } = options;
  // Namespaced like the topics: environments sharing a cluster do not share the group.
  const groupId = options.groupId ?? `${options.namespace}${SOURCE}`;
  const metrics = applierMetrics(options.metrics);
  const holder = `${SOURCE}@${hostname()}:${process.pid}`;
  const ledger = await createEffectsLedger(db);
  const parked = await createMongoParkedEventStore(db);
  const credentials = createStoreCredentials({
    db,
    secretBox: createSecretBox(options.encryptionKeys),
  });
  const vendors = createVendors({
    ...options.vendors,
    credentials,
    logger,
    metrics,
    // The mirakl-poller's gate: OR11 on a shop counts the same whoever calls it (ADR 0042).
    gate: createMongoCallGate({ db, collection: CALL_GATE_COLLECTION }),
    // Every process calling ShipBob with a token draws from its one budget (ADR 0057).
    shipbobBudget: createShipBobSharedBudget(db, { holder }),
  });
  const configs = createStoreConfigView({
    kafka: options.kafka,
    codec: options.codec,
    logger,
    dlqProducer: options.publisher.producer,
    namespace: options.namespace,
    metrics: options.metrics,
    groupPrefix: groupId,
    ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
    // A deleted store's per-store series would otherwise stay on the metrics page for good.
    onChange: (config) => {
      if (config.status === 'DELETED')
        metrics.inventoryDriftingSkus.remove({ store: config.storeId });
    },
  });
  const catalog = createCatalogView(db);
  const inventoryState = createInventoryState(
    db,
    createMeteredMapCache(
      options.metrics,
      options.mapCacheEntries ?? DEFAULT_INVENTORY_MAP_CACHE_ENTRIES,
    ),
  );
  const offerOutcomes = createOfferOutcomes({
    record: createOutcomeRecorder({ publisher: options.publisher, metrics, logger }),
    publisher: options.publisher,
    view: catalog,
    metrics,
    logger,
  });
  const record = offerOutcomes.record;
  const stockIndexEntries = options.stockIndexEntries ?? DEFAULT_STOCK_INDEX_ENTRIES;
  // Offers published and not applied yet hold a store's cycle ends and the request after them
  // (ADR 0180): the mirakl-poller's record of them against this group's commits.
  const timing = options.stockAfterOffers ?? DEFAULT_CLOSE_REQUEST_TIMING;
  const groupProgress = createGroupProgress({ kafka: options.kafka, groupId });
  const offersPending = createOffersPending({
    positions: createPublishedPositions(db),
    progress: groupProgress,
    timing,
    logger,
  });
  // New offers' stock goes out with the last ShipBob read, not at the next one (ADR 0155).
  const stockAfterOffers = createStockAfterOffers({
    publisher: options.publisher,
    configs,
    source: SOURCE,
    timing,
    logger,
    onAsked: () => metrics.offersStockRequests.inc(),
    offersPending,
  });
  const inventory = createInventoryFlow({
    configs,
    ledger,
    vendors,
    state: inventoryState,
    reconciliations: createReconciliations(db),
    record,
    metrics,
    logger,
    catalog,
    offersWritten: (storeId) => stockAfterOffers.offersWritten(storeId),
    offersPending,
    ...(options.cycleEnds ? { cycleEnds: options.cycleEnds } : {}),
    ...(stockIndexEntries > 0
      ? {
          indexes: createStockIndexes(stockIndexEntries, (entries) =>
            metrics.stockIndexEntries.set(entries),
          ),
        }
      : {}),
  });
  // A batch's offers find their ledger entries read at once (one query per store and batch).
  const snapshots = createLedgerSnapshots(ledger);
  const prefetchOffers = offerPrefetch({ configs, vendors, ledger: snapshots, logger });
  /**
   * A fetched batch: its levels and offers planned, its offers' products looked up at once.
   * Nothing for a batch without catalog facts. A batch with offer facts holds the partition's
   * next prefetch until it is handled (their ShipBob look-ups do not pile up, ADR 0098); a batch
   * of levels only plans its writes and does not, so one store's stock import never holds the
   * next store's cycle end (ADR 0113).
   */
  const prefetch = async (facts: Fact[]): Promise<PrefetchResult> => {
    const offers = facts.some((f) => f.topicKey === 'offerObserved');
    if (!offers && !facts.some((f) => f.topicKey === 'inventoryObserved')) return undefined;
    const forget = inventory.plan(facts);
    try {
      const looked = await prefetchOffers(facts);
      // Called by the consumer once the batch is handled.
      const release = () => {
        forget();
        looked();
      };
      return { release, nextWaits: offers };
    } catch (error) {
      forget();
      throw error;
    }
  };
  // One offer of a fact of several refused for good goes to the dead-letter topic alone (ADR 0168).
  const deadLetters = createDeadLetterWriter({
    producer: options.publisher.producer,
    groupId,
    logger,
    metrics: eventMetrics(options.metrics),
  });
  const handle = createApplier({
    configs,
    ledger: snapshots.ledger,
    vendors,
    record,
    recordLater: offerOutcomes.recordLater,
    inventory,
    waiting: createWaitingRoom({ store: parked, codec: options.codec, groupId }),
    logger,
    ...(options.waitingRetryMs ? { waitingRetryMs: options.waitingRetryMs } : {}),
    prefetched: {
      effect: (storeId, effectKey) => snapshots.peek(storeId, effectKey),
      product: (storeId, sku) => vendors.prefetchedProduct(storeId, sku),
      take: (storeId, effectKey, sku) => {
        snapshots.take(storeId, effectKey);
        if (sku !== null) vendors.takePrefetchedProduct(storeId, sku);
      },
    },
    onSettled: () => metrics.offersSettled.inc(),
    deadLetter: async (fact, error) =>
      deadLetters(
        {
          topic: fact.topic,
          partition: fact.partition,
          offset: fact.offset,
          key: fact.key === null ? null : Buffer.from(fact.key),
          value: await options.codec.encode(fact.topicKey, fact.value),
          headers: fact.headers,
        },
        error,
      ),
  });
  const retryBackoff = {
    initialDelayMs: options.retrier?.initialDelayMs ?? 1_000,
    maxDelayMs: options.retrier?.maxDelayMs ?? 15 * 60_000,
  };
  const leaseMs = options.retrier?.leaseMs ?? 120_000;
  const retrier = createRetrier({
    store: parked,
    leases: createMongoLeases({
      db,
      collection: 'retrier_leases',
      holder,
      leaseMs,
    }),
    renewEveryMs: leaseMs / 4,
    codec: options.codec,
    namespace: options.namespace,
    groups: { store: groupId, waiting: waitingGroupOf(groupId) },
    handle,
    // A parked lane's offers are looked up as a fetched batch's are, not one call each: a store
    // parked behind one fact in a first cycle replays thousands (ADR 0153).
    prepare: (facts) => prefetchOffers(facts),
    dlqProducer: options.publisher.producer,
    logger,
    metrics,
    registry: options.metrics,
    backoff: retryBackoff,
    ...(options.retrier?.intervalMs ? { intervalMs: options.retrier.intervalMs } : {}),
    ...(options.retrier?.lanesConcurrently
      ? { lanesConcurrently: options.retrier.lanesConcurrently }
      : {}),
    ledger: { ledger, retentionMs: options.effectsRetentionMs ?? 90 * 24 * 3600_000 },
  });
  let consumer: EventConsumer | undefined;
  const liveDeadlineMs = options.liveDeadlineMs ?? 4_000;
  const importLiveDeadlineMs = options.importLiveDeadlineMs ?? 30_000;

  /** A fact from Kafka: its vendor calls within the live deadline, else parked (design §4). */
  const handleLive = async (fact: Fact): Promise<void> => {
    const ms = mayImport(fact) ? importLiveDeadlineMs : liveDeadlineMs;
    // Cleared as soon as the fact is handled: no timer or signal outlives it. The consumer's stop
    // ends the work too (the deadline within it): an import started is followed on by its id by
    // the next process (ADR 0186).
    const deadline = linkSignals([], ms);
    try {
      // A wait inside the process (a cycle end's slot, ADR 0141) stops the clock: the deadline
      // bounds how long a vendor holds the partition, not how long the process's slots are busy.
      await runWithDeadline(deadline.signal, () => handle(fact, { via: 'consumer' }), {
        hold: deadline.hold,
      });
    } catch (error) {
      if (!deadline.timedOut() || classifyError(error) === 'permanent') throw error;
      throw new RetriableError(
        `vendor calls took longer than ${ms} ms; the retrier takes the fact over (${errorMessage(error)})`,
        { reason: 'live-deadline' },
      );
    } finally {
      deadline.dispose();
    }
  };

  return {
    ledger,
    configs,
    retrier,
    handle,
    groupId,
    opsRoutes: catalogOpsRoutes({ state: inventoryState, catalog, configs, ledger, logger }),
    async start() {
      // Topics are created explicitly, never by first use (ADR 0002); this is idempotent.
      await bootstrapTopics({
        kafka: options.kafka,
        logger,
        namespace: options.namespace,
        // Poll requests: a store's inventory cycle asked to end again after its offers (ADR 0155).
        only: ['storeConfigChanged', ...FACT_TOPICS, 'syncOutcome', 'pollRequested'],
        ...(options.topicPartitions ? { partitions: options.topicPartitions } : {}),
      });
      await configs.start();
      consumer = createEventConsumer<FactTopic>({
        kafka: options.kafka,
        codec: options.codec,
        logger,
        groupId,
        topics: FACT_TOPICS,
        laneOf: factLane,
        handle: (fact) => handleLive(fact),
        prefetch,
        dlqProducer: options.publisher.producer,
        setAside: parked,
        metrics: options.metrics,
        namespace: options.namespace,
        fromBeginning: options.fromBeginning ?? true,
        retry: retryBackoff,
        ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
        // Outcomes kept for many at once are published before any commit passes their facts.
        commit: { ...options.commit, beforeCommit: () => offerOutcomes.flush() },
        partitionsConsumedConcurrently: options.partitionsConcurrently ?? 24,
        keysConsumedConcurrently: options.keysConcurrently ?? 8,
        ...(options.maxUnfinishedPerPartition
          ? { maxUnfinishedPerPartition: options.maxUnfinishedPerPartition }
          : {}),
        ...(options.maxUnfinished ? { maxUnfinished: options.maxUnfinished } : {}),
        ...(options.fetchMaxBytes ? { fetchMaxBytes: options.fetchMaxBytes } : {}),
      });
      await consumer.start();
      retrier.start();
      logger.info('applying', { groupId, topics: FACT_TOPICS });
    },
    async stop() {
      // The configuration view stops beside the consumer, as the pollers' does: each waits out
      // its idle fetch (up to half a second, ADR 0182), and the view's configurations stay
      // readable by the work still finishing.
      const applying = async () => {
        // The retrier stops beside the consumer: its replay under way gives way too (ADR 0186).
        await Promise.all([consumer?.stop(), retrier.stop()]);
        stockAfterOffers.stop();
        await groupProgress.stop();
      };
      await Promise.all([applying(), configs.stop()]);
    },
  };
}
