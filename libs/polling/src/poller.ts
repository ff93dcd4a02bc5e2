import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import {
  createEventConsumer,
  createStoreConfigView,
  type EventCodec,
  type ExternalSystem,
  type Publisher,
  type StoreConfigView,
} from '@msync/events';
import {
  createMeteredMapCache,
  createMongoLeases,
  createMongoPollState,
  createPollCoordinator,
  createPassLimit,
  createPollMetrics,
  type Logger,
  type PassLimit,
  type PollMetrics,
  type PollStateStore,
  type Registry,
} from '@msync/platform';
import type { StoreCredentialsPort } from '@msync/stores';
import { POLLER_DEFAULTS } from './env.js';
import { pollRequestHandler, type StreamPasses } from './poll-requests.js';

/** What every poller is built from: the backbone, its database, credentials, logs and metrics. */
export interface PollerWiring {
  kafka: Kafka;
  codec: EventCodec;
  publisher: Publisher;
  namespace: string;
  db: Db;
  credentials: StoreCredentialsPort;
  logger: Logger;
  metrics: Registry;
  /** The poll-request consumer's session timeout (default 120 s, `CONSUMER_SESSION_TIMEOUT_MS`). */
  sessionTimeoutMs?: number;
  /** How long a pass's lease outlives a process that died holding it (default 5 min, `POLL_LEASE_MS`). */
  leaseMs?: number;
  /** Catalog-sized pass phases at once in this process (default 2, `LARGE_PASSES_AT_ONCE`). */
  largePassesAtOnce?: number;
  /** Catalog seen-set entries kept in memory (default 100,000, `MAP_CACHE_ENTRIES`; 0: none). */
  mapCacheEntries?: number;
  /** Catalog seen-set entries whose digest is kept (default 1,000,000, `SEEN_DIGEST_ENTRIES`). */
  seenDigestEntries?: number;
  /** Stores of one poll-request partition handled at once (default 1, `POLL_KEYS_AT_ONCE`). */
  keysAtOnce?: number;
}

/** The wiring plus what tests replace. */
export interface PollerOptions extends PollerWiring {
  /** Consumer group of the poll requests; default the service's name. */
  groupId?: string;
  /** Replaces the Mongo poll state (tests wrap it to stop a pass at a chosen step). */
  state?: PollStateStore;
  now?: () => number;
}

/** What the frame hands each stream's pass: where facts go, state, credentials and configs. */
export interface PollPassContext {
  source: string;
  publisher: Publisher;
  state: PollStateStore;
  credentials: StoreCredentialsPort;
  configs: StoreConfigView;
  metrics: PollMetrics;
  logger: Logger;
  now: () => number;
  /** The process's slots for catalog-sized pass phases (ADR 0094). */
  largePasses: PassLimit;
}

/** What makes one poller differ from another: its name, vendor, collections and passes. */
export interface PollerDefinition {
  /** The service's name: the `source` of its facts and its default consumer group. */
  source: string;
  /** The system whose poll requests it takes. */
  system: ExternalSystem;
  /** The collections it owns: cursors and seen items under `prefix`, and its poll leases. */
  collections: {
    prefix: string;
    leases: string;
    /**
     * Streams whose seen-set is a whole catalog, with their ADR 0096 bucket count (0: none), kept
     * as a chunked map per store (ADR 0106).
     */
    catalogStreams?: Readonly<Record<string, number>>;
  };
  /**
   * Stream → pass; a stream without a pass finishes its requests at once. A stream's resync pass
   * (ADR 0055) is listed under `resyncOf(stream)`; without one, a resync is an ordinary pass.
   */
  streams(context: PollPassContext): StreamPasses;
}

export interface Poller {
  configs: StoreConfigView;
  /** Reads every store's configuration, then starts taking poll requests. */
  start(): Promise<void>;
  /** Both consumers leave their groups at once: shutdown must fit the grace period. */
  stop(): Promise<void>;
}

/**
 * Wires a poller: store config view, poll-request consumer, coordinator (coalescing and the
 * cross-process lease), and the definition's pass per stream.
 */
export function createPoller(options: PollerOptions, definition: PollerDefinition): Poller {
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const source = definition.source;
  const metrics = createPollMetrics(options.metrics);
  const configs = createStoreConfigView({
    kafka: options.kafka,
    codec: options.codec,
    logger,
    dlqProducer: options.publisher.producer,
    service: source,
    namespace: options.namespace,
    onChange: (config) => options.credentials.forget(config.envelope.storeId),
  });
  const state =
    options.state ??
    createMongoPollState({
      db: options.db,
      prefix: definition.collections.prefix,
      ...(definition.collections.catalogStreams
        ? {
            catalogStreams: definition.collections.catalogStreams,
            cache: createMeteredMapCache(
              options.metrics,
              options.mapCacheEntries ?? POLLER_DEFAULTS.mapCacheEntries,
            ),
          }
        : {}),
      digestEntries: options.seenDigestEntries ?? POLLER_DEFAULTS.seenDigestEntries,
    });

  const streams = definition.streams({
    source,
    publisher: options.publisher,
    state,
    credentials: options.credentials,
    configs,
    metrics,
    logger,
    now,
    largePasses: createPassLimit(options.largePassesAtOnce ?? POLLER_DEFAULTS.largePassesAtOnce),
  });
  const leaseMs = options.leaseMs ?? POLLER_DEFAULTS.leaseMs;
  const coordinator = createPollCoordinator({
    state,
    leases: createMongoLeases({
      db: options.db,
      collection: definition.collections.leases,
      leaseMs,
      now,
    }),
    // Renewed well inside the lease, so a short one never lapses during a pass.
    renewEveryMs: Math.min(20_000, Math.floor(leaseMs / 3)),
    // A pass runs in the consumer's handler: its vendor calls, their retries and waits (an
    // export Mirakl still prepares) give way when the consumer stops (ADR 0186).
    pass: async (input) => {
      const pass = streams[input.stream];
      if (pass) await pass(input);
    },
    // Every pass begins with the store's credentials: read beside its cursor (ADR 0123).
    prepare: (storeId) =>
      options.credentials.get(storeId, { atLeastVersion: configs.get(storeId)?.version }),
    now,
  });
  const consumer = createEventConsumer({
    kafka: options.kafka,
    codec: options.codec,
    logger,
    dlqProducer: options.publisher.producer,
    metrics: options.metrics,
    namespace: options.namespace,
    groupId: options.groupId ?? `${options.namespace}${source}`,
    topics: ['pollRequested'],
    sessionTimeoutMs: options.sessionTimeoutMs ?? POLLER_DEFAULTS.sessionTimeoutMs,
    // A store's requests in order, other stores of the partition beside it (ADR 0117).
    keysConsumedConcurrently: options.keysAtOnce ?? POLLER_DEFAULTS.keysAtOnce,
    handle: pollRequestHandler({
      system: definition.system,
      streams,
      isConnected: (storeId) => configs.isConnected(storeId),
      configVersion: (storeId) => configs.get(storeId)?.version,
      coordinator,
      metrics,
      logger,
    }),
  });

  return {
    configs,
    async start() {
      await configs.start();
      await consumer.start();
    },
    async stop() {
      await Promise.all([consumer.stop(), configs.stop()]);
      // The last passes' leases, so that another process polls these stores at once.
      await coordinator.settle();
    },
  };
}
