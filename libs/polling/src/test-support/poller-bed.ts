import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import type { Consumer, Kafka } from 'kafkajs';
import {
  FETCH_MAX_WAIT_MS,
  EventCodec,
  RegistryClient,
  bootstrapTopics,
  createKafka,
  createPublisher,
  envelope,
  physicalTopic,
  type EventOf,
  type ExternalSystem,
  type Publisher,
  type TopicKey,
} from '@msync/events';
import { deleteNamespaceTopics } from '@msync/events/test-support';
import {
  createMetricsRegistry,
  createMongoPollState,
  retry,
  type Logger,
  type PollStateStore,
  type Registry,
} from '@msync/platform';
import {
  createSecretBox,
  createStoreCredentials,
  STORES_COLLECTION,
  type StoreCredentialsPort,
} from '@msync/stores';
import { infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import type { Poller, PollerOptions } from '../poller.js';

/** The poller a bed runs: its name, the requests it takes, the facts it emits, its state. */
export interface PollerBedSpec<T extends TopicKey> {
  service: string;
  system: ExternalSystem;
  /** The stream `requestPoll` asks for unless told otherwise. */
  stream: string;
  factTopics: readonly T[];
  /** The poller's poll-state collection prefix (for a wrapped state). */
  statePrefix: string;
}

/** A store as config-api keeps it: a Mirakl shop, and a ShipBob token and channel or none. */
export interface TestStore {
  storeId: string;
  status?: 'CONNECTED' | 'DISCONNECTED';
  version?: number;
  miraklUrl: string;
  shopId: string;
  /** The Mirakl API key; null for a store whose key was never entered. */
  apiKey: string | null;
  shipbob: { pat: string; channelId: string } | null;
  /** The store's ShipBob webhook signing secret (`whsec_…`), when it has one. */
  shipbobWebhookSecret?: string;
  /** An administrator approved Sync Returns for the store (default false). */
  returnsApproved?: boolean;
}

export interface ReceivedFact<T extends TopicKey> {
  topic: T;
  idempotencyKey: string;
  value: EventOf<T>;
}

export interface PollerBed<T extends TopicKey> {
  db: Db;
  namespace: string;
  publisher: Publisher;
  /** Every fact published on the spec's topics, as they arrive. */
  facts: ReceivedFact<T>[];
  /** The stores' credentials as the poller opens them (same key ring). */
  credentials: StoreCredentialsPort;
  /** That key ring as `ENCRYPTION_KEYS` says it, for a program run on the bed's database. */
  encryptionKeys: string;
  /** Seeds a store the way config-api stores it and publishes its configuration. */
  addStore(store: TestStore): Promise<void>;
  /**
   * Publishes a poll request (`manual`, or `backfill` with `since`; `reason` overrides it, e.g.
   * `resync`); `occurredAt` defaults to now.
   */
  requestPoll(
    storeId: string,
    options?: {
      since?: Date;
      stream?: string;
      reason?: string;
      configVersion?: number;
      occurredAt?: number;
    },
  ): Promise<void>;
  /**
   * How many messages a fact topic holds (its end offsets): exact once a publish was
   * acknowledged, however far the fact collector has read.
   */
  messagesOn(topic: T): Promise<number>;
  /** Starts a poller `create` builds on the bed's wiring; stopped by `close()`. */
  startPoller(
    options: { groupId?: string; state?: (s: PollStateStore) => PollStateStore },
    create: (options: PollerOptions) => Poller,
  ): Promise<{ metrics: Registry; stop(): Promise<void> }>;
  close(): Promise<void>;
}

/**
 * Soon after its topics are made, a busy broker may not lead a partition yet ("not the leader")
 * for tens of seconds, beyond kafkajs' own retries: what the bed sends or asks is tried again,
 * as a service's retriable failure would be (the platform's `retry`).
 */
const soon = <R>(work: () => Promise<R>): Promise<R> =>
  retry(work, { retries: 7, initialDelayMs: 500, maxDelayMs: 4_000 });

/** Real Kafka, registry and MongoDB for one poller test: its own namespace and database. */
export async function pollerBed<T extends TopicKey>(
  logger: Logger,
  spec: PollerBedSpec<T>,
): Promise<PollerBed<T>> {
  const env = infra();
  const namespace = uniqueNamespace();
  const mongo = new MongoClient(env.MONGO_URL, { retryWrites: false });
  await mongo.connect();
  const db = mongo.db(uniqueName(spec.service).replace(/-/g, '_'));
  const kafka: Kafka = createKafka({
    brokers: env.KAFKA_BROKERS.split(','),
    clientId: `${spec.service}-test`,
    logger,
  });
  await bootstrapTopics({
    kafka,
    logger,
    namespace,
    partitions: 2,
    only: ['pollRequested', 'storeConfigChanged', ...spec.factTopics],
  });
  const codec = new EventCodec(new RegistryClient(env.SCHEMA_REGISTRY_URL), namespace);
  const publisher = createPublisher({ kafka, codec, logger, namespace });
  await publisher.connect();
  const key = randomBytes(32);
  const box = createSecretBox([{ id: 'k1', key }]);
  const sealed = (secret: string) => ({ sealed: box.seal(secret), last4: secret.slice(-4) });

  const facts: ReceivedFact<T>[] = [];
  const collector: Consumer = kafka.consumer({
    groupId: uniqueName('facts'),
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
  });
  await collector.connect();
  await collector.subscribe({
    topics: spec.factTopics.map((t) => physicalTopic(t, namespace)),
    fromBeginning: true,
  });
  const byTopic = new Map<string, T>(spec.factTopics.map((t) => [physicalTopic(t, namespace), t]));
  await collector.run({
    eachMessage: async ({ topic, message }) => {
      const key = byTopic.get(topic)!;
      const value = await codec.decode(key, message.value);
      facts.push({ topic: key, idempotencyKey: value.envelope.idempotencyKey, value });
    },
  });

  const stops: (() => Promise<void>)[] = [];
  return {
    db,
    namespace,
    publisher,
    facts,
    credentials: createStoreCredentials({ db, secretBox: box, ttlMs: 0 }),
    encryptionKeys: `k1:${key.toString('base64')}`,
    async addStore(store) {
      const version = store.version ?? 1;
      const status = store.status ?? 'CONNECTED';
      await db.collection<Record<string, unknown> & { _id: string }>(STORES_COLLECTION).replaceOne(
        { _id: store.storeId },
        {
          status,
          version,
          tenantId: 'tenant-1',
          miraklBaseUrl: store.miraklUrl,
          miraklShopId: store.shopId,
          miraklApiKey: store.apiKey === null ? null : sealed(store.apiKey),
          shipbob: store.shipbob && {
            pat: sealed(store.shipbob.pat),
            channelId: store.shipbob.channelId,
          },
          shipbobWebhook: store.shipbobWebhookSecret
            ? { secret: sealed(store.shipbobWebhookSecret) }
            : null,
        },
        { upsert: true },
      );
      await soon(() =>
        publisher.publish('storeConfigChanged', {
          envelope: envelope({
            storeId: store.storeId,
            idempotencyKey: `config:${store.storeId}:version:${version}`,
            source: 'config-api',
            occurredAt: Date.now(),
          }),
          version,
          status,
          tenantId: 'tenant-1',
          miraklBaseUrl: store.miraklUrl,
          miraklShopId: store.shopId,
          miraklShopName: null,
          shipbobConfigured: store.shipbob !== null,
          shipbobChannelId: store.shipbob?.channelId ?? null,
          reportEmail: null,
          toggles: {
            offers: true,
            inventory: true,
            orders: true,
            tracking: true,
            cancellations: true,
            returns: true,
          },
          returnsApproved: store.returnsApproved ?? false,
          inventoryBuffer: 0,
          returnFulfillmentCenterId: null,
          pollIntervalMinutes: 15,
          shippingMethods: {},
          defaultShippingMethod: 'Standard',
          reportWhenEmpty: false,
          cancelShipBobOnMarketplaceCancel: false,
          returnReasons: {},
          returnRequestedAction: 'Default',
        }),
      );
    },
    async requestPoll(storeId, options = {}) {
      await soon(() =>
        publisher.publish('pollRequested', {
          envelope: envelope({
            storeId,
            idempotencyKey: uniqueName(`poll:${storeId}`),
            source: 'scheduler',
            occurredAt: options.occurredAt ?? Date.now(),
          }),
          system: spec.system,
          stream: options.stream ?? spec.stream,
          reason: options.reason ?? (options.since ? 'backfill' : 'manual'),
          since: options.since ? options.since.getTime() : null,
          configVersion: options.configVersion ?? null,
        }),
      );
    },
    async messagesOn(topic) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const offsets = await soon(() => admin.fetchTopicOffsets(physicalTopic(topic, namespace)));
        return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
      } finally {
        await admin.disconnect();
      }
    },
    async startPoller(options, create) {
      const metrics = createMetricsRegistry(spec.service);
      const poller = create({
        kafka,
        codec,
        publisher,
        namespace,
        db,
        credentials: createStoreCredentials({ db, secretBox: box }),
        logger,
        metrics,
        groupId: options.groupId ?? uniqueName(spec.service),
        ...(options.state
          ? { state: options.state(createMongoPollState({ db, prefix: spec.statePrefix })) }
          : {}),
      });
      await poller.start();
      const stop = () => poller.stop();
      stops.push(stop);
      return { metrics, stop };
    },
    async close() {
      for (const stop of stops) await stop().catch(() => undefined);
      await collector.disconnect();
      await publisher.disconnect();
      await deleteNamespaceTopics(kafka, namespace);
      await db.dropDatabase();
      await mongo.close();
    },
  };
}
