import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import type { Consumer, Kafka } from 'kafkajs';
import {
  EventCodec,
  RegistryClient,
  bootstrapTopics,
  createKafka,
  createPublisher,
  envelope,
  physicalTopic,
  type EventOf,
  type Publisher,
  type TopicKey,
} from '@msync/events';
import {
  createMetricsRegistry,
  createMongoPollState,
  type Logger,
  type PollStateStore,
  type Registry,
} from '@msync/platform';
import { createSecretBox, createStoreCredentials, STORES_COLLECTION } from '@msync/stores';
import { infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import { createShipBobPoller } from '../service.js';

export const FACT_TOPICS = [
  'shipmentLabeled',
  'orderCanceledInShipBob',
] as const satisfies readonly TopicKey[];

export interface ReceivedFact {
  topic: (typeof FACT_TOPICS)[number];
  idempotencyKey: string;
  value: EventOf<(typeof FACT_TOPICS)[number]>;
}

export interface PollerHarness {
  db: Db;
  namespace: string;
  publisher: Publisher;
  facts: ReceivedFact[];
  /** Seeds a store the way config-api stores it and publishes its configuration. */
  addStore(input: {
    storeId: string;
    pat: string;
    channelId: string;
    status?: 'CONNECTED' | 'DISCONNECTED';
    version?: number;
  }): Promise<void>;
  requestPoll(storeId: string, options?: { since?: Date; stream?: string }): Promise<void>;
  startPoller(options: {
    groupId?: string;
    shipbobBaseUrl: string;
    state?: (s: PollStateStore) => PollStateStore;
  }): Promise<{ metrics: Registry; stop(): Promise<void> }>;
  close(): Promise<void>;
}

/** Counter value of a poll metric with these labels (0 when never incremented). */
export async function counted(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

/** Real Kafka, registry and MongoDB for one test: its own namespace and database. */
export async function pollerHarness(logger: Logger): Promise<PollerHarness> {
  const env = infra();
  const namespace = uniqueNamespace();
  const mongo = new MongoClient(env.MONGO_URL, { retryWrites: false });
  await mongo.connect();
  const db = mongo.db(uniqueName('shipbob_poller').replace(/-/g, '_'));
  const kafka: Kafka = createKafka({
    brokers: env.KAFKA_BROKERS.split(','),
    clientId: 'shipbob-poller-test',
    logger,
  });
  await bootstrapTopics({
    kafka,
    logger,
    namespace,
    partitions: 2,
    only: ['pollRequested', 'storeConfigChanged', ...FACT_TOPICS],
  });
  const codec = new EventCodec(new RegistryClient(env.SCHEMA_REGISTRY_URL), namespace);
  const publisher = createPublisher({ kafka, codec, logger, namespace });
  await publisher.connect();
  const box = createSecretBox([{ id: 'k1', key: randomBytes(32) }]);

  const facts: ReceivedFact[] = [];
  const collector: Consumer = kafka.consumer({ groupId: uniqueName('facts') });
  await collector.connect();
  await collector.subscribe({
    topics: FACT_TOPICS.map((t) => physicalTopic(t, namespace)),
    fromBeginning: true,
  });
  const byTopic = new Map<string, (typeof FACT_TOPICS)[number]>(
    FACT_TOPICS.map((t) => [physicalTopic(t, namespace), t]),
  );
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
    async addStore(input) {
      const version = input.version ?? 1;
      const status = input.status ?? 'CONNECTED';
      await db.collection<Record<string, unknown> & { _id: string }>(STORES_COLLECTION).replaceOne(
        { _id: input.storeId },
        {
          status,
          version,
          tenantId: 'tenant-1',
          miraklBaseUrl: 'https://shop.mirakl.net',
          miraklShopId: '2001',
          miraklApiKey: null,
          shipbob: {
            pat: { sealed: box.seal(input.pat), last4: input.pat.slice(-4) },
            channelId: input.channelId,
          },
        },
        { upsert: true },
      );
      await publisher.publish('storeConfigChanged', {
        envelope: envelope({
          storeId: input.storeId,
          idempotencyKey: `config:${input.storeId}:version:${version}`,
          source: 'config-api',
          occurredAt: Date.now(),
        }),
        version,
        status,
        tenantId: 'tenant-1',
        miraklBaseUrl: 'https://shop.mirakl.net',
        miraklShopId: '2001',
        miraklShopName: null,
        shipbobConfigured: true,
        shipbobChannelId: input.channelId,
        reportEmail: null,
        toggles: {
          offers: true,
          inventory: true,
          orders: true,
          tracking: true,
          cancellations: true,
          returns: true,
        },
        returnsApproved: false,
        inventoryBuffer: 0,
        returnFulfillmentCenterId: null,
        pollIntervalMinutes: 15,
        shippingMethods: {},
        defaultShippingMethod: 'Standard',
      });
    },
    async requestPoll(storeId, options = {}) {
      await publisher.publish('pollRequested', {
        envelope: envelope({
          storeId,
          idempotencyKey: uniqueName(`poll:${storeId}`),
          source: 'scheduler',
          occurredAt: Date.now(),
        }),
        system: 'SHIPBOB',
        stream: options.stream ?? 'shipments',
        reason: options.since ? 'backfill' : 'manual',
        since: options.since ? options.since.getTime() : null,
      });
    },
    async startPoller(options) {
      const metrics = createMetricsRegistry('shipbob-poller');
      const poller = createShipBobPoller({
        kafka,
        codec,
        publisher,
        namespace,
        db,
        credentials: createStoreCredentials({ db, secretBox: box }),
        logger,
        metrics,
        shipbobBaseUrl: options.shipbobBaseUrl,
        updateOverlapMs: 60_000,
        initialLookbackMs: 24 * 3600_000,
        seenRetentionMs: 24 * 3600_000,
        groupId: options.groupId ?? uniqueName('shipbob-poller'),
        ...(options.state
          ? { state: options.state(createMongoPollState({ db, prefix: 'shipbob_poll' })) }
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
      const admin = kafka.admin();
      await admin.connect();
      try {
        const mine = (await admin.listTopics()).filter((t) => t.startsWith(namespace));
        if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
      } finally {
        await admin.disconnect();
      }
      await db.dropDatabase();
      await mongo.close();
    },
  };
}
