import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import {
  createEventConsumer,
  createStoreConfigView,
  type EventCodec,
  type Publisher,
} from '@msync/events';
import {
  createMongoLeases,
  createMongoPollState,
  createPollCoordinator,
  createPollMetrics,
  type Logger,
  type PollStateStore,
  type Registry,
} from '@msync/platform';
import type { StoreCredentialsPort } from '@msync/stores';
import { shipbobClients } from './adapters/shipbob-clients.js';
import { SHIPMENTS, shipmentsPass } from './shipments-pass.js';
import { pollRequestHandler, type StreamPasses } from './poll-requests.js';

export interface ShipBobPollerOptions {
  kafka: Kafka;
  codec: EventCodec;
  publisher: Publisher;
  namespace: string;
  db: Db;
  credentials: StoreCredentialsPort;
  logger: Logger;
  metrics: Registry;
  shipbobBaseUrl: string;
  updateOverlapMs: number;
  initialLookbackMs: number;
  seenRetentionMs: number;
  /** Consumer group of the poll requests; default `shipbob-poller`. */
  groupId?: string;
  /** Replaces the Mongo poll state (tests wrap it to stop a pass at a chosen step). */
  state?: PollStateStore;
  now?: () => number;
}

export const SOURCE = 'shipbob-poller';

/** Collections this service owns: cursors, seen orders, poll leases. */
export const COLLECTIONS = {
  prefix: 'shipbob_poll',
  leases: 'shipbob_poll_leases',
} as const;

/** Wires the poller: store config view, poll-request consumer, coordinator, passes per stream. */
export function createShipBobPoller(options: ShipBobPollerOptions) {
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
  const clients = shipbobClients({ logger, baseUrl: options.shipbobBaseUrl });

  // Stream → pass. Inventory and returns join this table as their passes are built.
  const streams: StreamPasses = {
    [SHIPMENTS]: shipmentsPass({
      source: SOURCE,
      publisher: options.publisher,
      state,
      credentials: options.credentials,
      configs,
      clientFor: (store) => clients.for(store),
      metrics,
      logger,
      updateOverlapMs: options.updateOverlapMs,
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
    // A pass may wait on ShipBob's x-retry-after inside the handler; kafkajs heartbeats only
    // between messages, so the session must outlast the longest pass.
    sessionTimeoutMs: 120_000,
    handle: pollRequestHandler({
      system: 'SHIPBOB',
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
