import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import {
  EventCodec,
  RegistryClient,
  bootstrapTopics,
  createKafka,
  createPublisher,
  type EventOf,
  type MiraklOrderAwaitingAcceptance,
  type Publisher,
  type SyncOutcomeRecorded,
  type TopicKey,
} from '@msync/events';
import { startMiraklSimulator, type RunningMiraklSimulator } from '@msync/mirakl-sim';
import {
  connectMongo,
  createMetricsRegistry,
  type Logger,
  type MongoHandle,
  type Registry,
} from '@msync/platform';
import { startShipBobSimulator } from '@msync/shipbob-sim';
import {
  STORES_COLLECTION,
  createSecretBox,
  type EncryptionKey,
  type StoreCredentialFields,
} from '@msync/stores';
import { collectEvents, outcomesPerSubject } from '@msync/events/test-support';
import { capturingLogger, infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import type { StoreConfig } from '../domain/store-config.js';
import { FACT_TOPICS } from '../applier.js';
import { createSyncApplier, type SyncApplier, type SyncApplierOptions } from '../service.js';
import { EFFECTS_COLLECTION, effectId } from '../adapters/effects-ledger.js';
import { awaitingAcceptance, storeConfig, storeConfigChanged } from './facts.js';

export { eventually } from '@msync/test-support';

/** Vendor settings for tests that import stock: Mirakl's pacing shortened, the simulators trusted. */
export const stockImportVendors = (shipbobBaseUrl: string) => ({
  miraklTrustedHosts: ['127.0.0.1'],
  miraklRetries: 1,
  shipbobBaseUrl,
  miraklImportPollIntervalMs: 50,
  miraklStockImportIntervalMs: 1,
  or11IntervalMs: 1_000,
});

type ShipBobSim = Awaited<ReturnType<typeof startShipBobSimulator>>;

/** One store as config-api keeps it, with its own Mirakl simulator and ShipBob merchant. */
export interface TestStore {
  storeId: string;
  /** The store's Mirakl key (a throwaway of the simulator), for tests acting as a crashed run. */
  apiKey: string;
  mirakl: RunningMiraklSimulator;
  shopId: number;
  merchantId: number;
  config: StoreConfig;
  /** Publishes the next configuration version with these changes (what config-api does). */
  configure(change: Partial<Omit<StoreConfig, 'storeId' | 'version'>>): Promise<void>;
}

export interface RunningApplier {
  applier: SyncApplier;
  metrics: Registry;
  stop(): Promise<void>;
}

export interface ApplierHarness {
  namespace: string;
  kafka: Kafka;
  codec: EventCodec;
  publisher: Publisher;
  mongo: MongoHandle;
  /** The commands sent through `mongo`, the applier's included (`mongodb_commands_total`). */
  mongoMetrics: Registry;
  shipbob: ShipBobSim;
  /** Seals secrets as config-api does, with the key ring the applier is given. */
  box: ReturnType<typeof createSecretBox>;
  /** Every outcome on the outcome topic, in arrival order. */
  outcomes: SyncOutcomeRecorded[];
  outcomesOf(storeId: string, outcome?: string): SyncOutcomeRecorded[];
  /**
   * The store's offers outcomes, one per offer: an outcome that stands for many offers (ADR 0161)
   * is counted once for each, under its SKU as `subjectId`.
   */
  offerOutcomesOf(storeId: string, outcome?: string): SyncOutcomeRecorded[];
  addStore(options?: {
    config?: Partial<StoreConfig>;
    publishConfig?: boolean;
    skus?: string[];
  }): Promise<TestStore>;
  publish<K extends TopicKey>(key: K, events: EventOf<K> | EventOf<K>[]): Promise<void>;
  startApplier(overrides?: Partial<SyncApplierOptions>): Promise<RunningApplier>;
  /** Successful writes (POST/PUT answered 2xx) a simulator journal holds. */
  writesTo(journal: readonly { method: string; status: number }[]): number;
  /** What a process that stopped right after claiming leaves in the effects ledger. */
  leaveClaim(storeId: string, effectKey: string): Promise<void>;
  close(): Promise<void>;
}

/** Real Kafka, registry and FerretDB, both simulators in process; one test's own namespace and database. */
export async function applierHarness(
  logger: Logger = capturingLogger('warn').logger,
  options: {
    /** Partitions of the fact topics (default 1: every store shares the one partition). */
    partitions?: number;
  } = {},
): Promise<ApplierHarness> {
  const partitions = options.partitions ?? 1;
  const env = infra();
  const namespace = uniqueNamespace();
  const kafka = createKafka({
    brokers: env.KAFKA_BROKERS.split(','),
    clientId: 'applier-test',
    logger,
  });
  // One partition by default: every store shares it, so isolation between stores is really tested.
  await bootstrapTopics({
    kafka,
    logger,
    namespace,
    partitions,
    only: ['storeConfigChanged', ...FACT_TOPICS, 'syncOutcome'],
  });
  const codec = new EventCodec(new RegistryClient(env.SCHEMA_REGISTRY_URL), namespace);
  const publisher = createPublisher({ kafka, codec, logger, namespace });
  await publisher.connect();
  // Counts every command the tests and the applier send (mongodb_commands_total).
  const mongoMetrics = createMetricsRegistry('applier-test-mongo');
  const mongo = await connectMongo(env.MONGO_URL, {
    dbName: uniqueName('applier').replaceAll('-', '_'),
    appName: 'applier-test',
    metrics: mongoMetrics,
  });
  const keys: EncryptionKey[] = [{ id: 'k1', key: randomBytes(32) }];
  const box = createSecretBox(keys);
  const shipbob = await startShipBobSimulator({ port: 0 });
  const miraklSims: RunningMiraklSimulator[] = [];
  const running: RunningApplier[] = [];

  const collector = await collectEvents({
    kafka,
    codec,
    logger,
    publisher,
    namespace,
    topic: 'syncOutcome',
  });
  const outcomes: SyncOutcomeRecorded[] = collector.events;

  let stores = 0;
  return {
    namespace,
    kafka,
    codec,
    publisher,
    mongo,
    mongoMetrics,
    shipbob,
    box,
    outcomes,
    outcomesOf: (storeId, outcome) =>
      outcomes.filter(
        (o) => o.envelope.storeId === storeId && (outcome === undefined || o.outcome === outcome),
      ),
    offerOutcomesOf: (storeId, outcome) =>
      outcomesPerSubject(
        outcomes.filter(
          (o) =>
            o.envelope.storeId === storeId &&
            o.flow === 'offers' &&
            (outcome === undefined || o.outcome === outcome),
        ),
      ),
    async addStore(options = {}) {
      const n = ++stores;
      const storeId = uniqueName(`store-${n}`);
      const apiKey = `test-only-mirakl-key-${n}-${randomBytes(6).toString('hex')}`;
      const pat = `test-only-shipbob-pat-${n}-${randomBytes(6).toString('hex')}`;
      const mirakl = await startMiraklSimulator({ port: 0, paymentDelayMs: null });
      miraklSims.push(mirakl);
      const { shopId } = mirakl.control.addShop({ apiKey, name: `Shop ${n}` });
      const merchant = shipbob.control.world.seedMerchant({ pats: [pat] });
      for (const sku of options.skus ?? ['SKU-MUG', 'SKU-BOWL'])
        shipbob.control.world.seedProduct(merchant.id, { sku, stock: { 1: 100 } });
      let config = storeConfig({ storeId, version: 1, ...options.config });
      const doc = {
        _id: storeId,
        tenantId: 'tenant-1',
        status: config.status as StoreCredentialFields['status'],
        version: config.version,
        miraklBaseUrl: mirakl.url,
        miraklShopId: String(shopId),
        miraklShopName: `Shop ${n}`,
        miraklApiKey: { sealed: box.seal(apiKey), last4: apiKey.slice(-4) },
        // Shaped as config-api keeps it (fields readers ignore included).
        shipbob: {
          pat: { sealed: box.seal(pat), last4: pat.slice(-4) },
          channelId: String(merchant.patChannelId),
          channelName: 'SMA',
        },
        settings: {
          reportEmail: null,
          toggles: config.toggles,
          inventoryBuffer: 0,
          returnFulfillmentCenterId: null,
          pollIntervalMinutes: 15,
        },
        returnsApproved: false,
        createdAt: new Date(),
        updatedAt: new Date(),
        pendingPublish: false,
        publishedVersion: config.version,
        offersPollPending: false,
      };
      await mongo.db
        .collection<StoreCredentialFields & Record<string, unknown>>(STORES_COLLECTION)
        .insertOne(doc);
      const store: TestStore = {
        storeId,
        apiKey,
        mirakl,
        shopId,
        merchantId: merchant.id,
        get config() {
          return config;
        },
        async configure(change) {
          config = { ...config, ...change, version: config.version + 1 };
          await mongo.db.collection<StoreCredentialFields>(STORES_COLLECTION).updateOne(
            { _id: storeId },
            {
              $set: {
                version: config.version,
                status: config.status as StoreCredentialFields['status'],
              },
            },
          );
          await publisher.publish('storeConfigChanged', storeConfigChanged(config, mirakl.url));
        },
      };
      if (options.publishConfig ?? true)
        await publisher.publish('storeConfigChanged', storeConfigChanged(config, mirakl.url));
      return store;
    },
    publish: async (key, events) => {
      await publisher.publish(key, events);
    },
    async startApplier(overrides = {}) {
      const metrics = createMetricsRegistry('sync-applier-test');
      const applier = await createSyncApplier({
        kafka,
        codec,
        publisher,
        namespace,
        db: mongo.db,
        encryptionKeys: keys,
        logger,
        metrics,
        vendors: {
          miraklTrustedHosts: ['127.0.0.1'],
          miraklRetries: 1,
          shipbobBaseUrl: shipbob.url,
          shipbobRetries: 1,
          retryInitialDelayMs: 50,
          or11IntervalMs: 1_000,
        },
        groupId: `${namespace}sync-applier`,
        retrier: { intervalMs: 100, initialDelayMs: 200, maxDelayMs: 1_000 },
        waitingRetryMs: 500,
        commit: { intervalMs: 100 },
        topicPartitions: partitions,
        ...overrides,
      });
      await applier.start();
      const instance: RunningApplier = {
        applier,
        metrics,
        async stop() {
          running.splice(running.indexOf(instance), 1);
          await applier.stop();
        },
      };
      running.push(instance);
      return instance;
    },
    async leaveClaim(storeId, effectKey) {
      await mongo.db
        .collection<Record<string, unknown> & { _id: string }>(EFFECTS_COLLECTION)
        .insertOne({
          _id: effectId(storeId, effectKey),
          storeId,
          effectKey,
          action: effectKey.split(':')[0],
          factKey: 'a-crashed-run',
          status: 'claimed',
          claimedAt: new Date(),
        });
    },
    writesTo: (journal) =>
      journal.filter(
        (e) => (e.method === 'POST' || e.method === 'PUT') && e.status >= 200 && e.status < 300,
      ).length,
    async close() {
      for (const instance of [...running]) await instance.stop();
      await collector.stop();
      await publisher.disconnect();
      for (const sim of miraklSims) await sim.close();
      await shipbob.close();
      await mongo.db.dropDatabase();
      await mongo.close();
    },
  };
}

/** What a process that stopped right after claiming an effect leaves in the ledger. */
export async function leftClaim(
  harness: ApplierHarness,
  storeId: string,
  effectKey: string,
): Promise<void> {
  await harness.leaveClaim(storeId, effectKey);
}

/** An order of one SKU-MUG line created in the store's Mirakl, and the fact saying it awaits acceptance. */
export function newAwaitingOrder(store: TestStore, orderId: string): MiraklOrderAwaitingAcceptance {
  store.mirakl.control.createOrder(store.shopId, { orderId, lines: [{ sku: 'SKU-MUG' }] });
  return awaitingAcceptance({
    storeId: store.storeId,
    orderId,
    lines: [{ id: `${orderId}-1`, sku: 'SKU-MUG' }],
  });
}
