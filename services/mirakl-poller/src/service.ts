import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import {
  createEventConsumer,
  createStoreConfigView,
  type EventCodec,
  type Publisher,
} from '@msync/events';
import {
  createMongoCallGate,
  createMongoLeases,
  createMongoPollState,
  createPollCoordinator,
  createPollMetrics,
  type Logger,
  type PollStateStore,
  type Registry,
} from '@msync/platform';
import type { StoreCredentialsPort } from '@msync/stores';
import { miraklClients } from './adapters/mirakl-clients.js';
import { ORDERS, ordersPass } from './orders-pass.js';
import { pollRequestHandler, type StreamPasses } from './poll-requests.js';

export interface MiraklPollerOptions {
  kafka: Kafka;
  codec: EventCodec;
  publisher: Publisher;
  namespace: string;
  db: Db;
  credentials: StoreCredentialsPort;
  logger: Logger;
  metrics: Registry;
  or11IntervalMs: number;
  initialLookbackMs: number;
  seenRetentionMs: number;
  trustedHosts: readonly string[];
  /** Consumer group of the poll requests; default `mirakl-poller`. */
  groupId?: string;
  /** Replaces the Mongo poll state (tests wrap it to stop a pass at a chosen step). */
  state?: PollStateStore;
  now?: () => number;
}

export const SOURCE = 'mirakl-poller';

/** Collections this service owns: cursors, seen orders, poll leases; the call gate is shared. */
export const COLLECTIONS = {
  prefix: 'mirakl_poll',
  leases: 'mirakl_poll_leases',
  gate: 'call_gate',
} as const;

/** Wires the poller: store config view, poll-request consumer, coordinator, passes per stream. */
export function createMiraklPoller(options: MiraklPollerOptions) {
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const metrics = createPollMetrics(options.metrics);
  const configs = createStoreConfigView({
    kafka: options.kafka,
    codec: options.codec,
    logger,
    dlqProducer: options.publisher.producer,
    service: SOURCE,
    namespace: options.namespace,
    onChange: (config) => options.credentials.forget(config.envelope.storeId),
  });
  const state =
    options.state ?? createMongoPollState({ db: options.db, prefix: COLLECTIONS.prefix });
  const clients = miraklClients({ logger, trustedHosts: options.trustedHosts });

  // Stream → pass. Offers, inventory and returns join this table as their passes are built.
  const streams: StreamPasses = {
    [ORDERS]: ordersPass({
      source: SOURCE,
      publisher: options.publisher,
      state,
      gate: createMongoCallGate({ db: options.db, collection: COLLECTIONS.gate }),
      credentials: options.credentials,
      configs,
      clientFor: (credentials) => clients.for(credentials),
      metrics,
      logger,
      or11IntervalMs: options.or11IntervalMs,
      initialLookbackMs: options.initialLookbackMs,
      seenRetentionMs: options.seenRetentionMs,
      now,
    }),
  };
  const coordinator = createPollCoordinator({
    state,
    leases: createMongoLeases({
      db: options.db,
      collection: COLLECTIONS.leases,
      leaseMs: 5 * 60_000,
      now,
    }),
    pass: async (input) => {
      const pass = streams[input.stream];
      if (pass) await pass(input);
    },
    now,
  });
  const consumer = createEventConsumer({
    kafka: options.kafka,
    codec: options.codec,
    logger,
    dlqProducer: options.publisher.producer,
    metrics: options.metrics,
    namespace: options.namespace,
    groupId: options.groupId ?? SOURCE,
    topics: ['pollRequested'],
    // A pass may wait on Mirakl's Retry-After inside the handler; kafkajs heartbeats only between
    // messages, so the session must outlast the longest pass.
    sessionTimeoutMs: 120_000,
    handle: pollRequestHandler({
      system: 'MIRAKL',
      streams,
      isConnected: (storeId) => configs.isConnected(storeId),
      coordinator,
      metrics,
      logger,
    }),
  });

  return {
    configs,
    /** Reads every store's configuration, then starts taking poll requests. */
    async start() {
      await configs.start();
      await consumer.start();
    },
    /** Both consumers leave their groups at once: shutdown must fit the grace period. */
    async stop() {
      await Promise.all([consumer.stop(), configs.stop()]);
    },
  };
}
