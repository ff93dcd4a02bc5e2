import type { Kafka } from 'kafkajs';
import {
  EventCodec,
  RegistryClient,
  bootstrapTopics,
  createEventConsumer,
  createKafka,
  createPublisher,
  envelope,
  type EventConsumer,
  type EventOf,
  type Publisher,
  type StoreConfigChanged,
} from '@msync/events';
import { deleteNamespaceTopics } from '@msync/events/test-support';
import {
  connectMongo,
  createMetricsRegistry,
  type Logger,
  type MongoHandle,
  type Registry,
} from '@msync/platform';
import { infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import { createScheduler, type Scheduler, type SchedulerOptions } from '../service.js';
import { allOff } from './store-schedule.js';

export { eventually } from '@msync/test-support';

/** One "minute" of a poll interval in these tests, and how often due jobs are looked for. */
export const TEST_MINUTE_MS = 400;
export const TEST_PROCESS_EVERY_MS = 200;

export type Poll = EventOf<'pollRequested'>;
export type Report = EventOf<'reportRequested'>;

export interface RunningScheduler {
  scheduler: Scheduler;
  metrics: Registry;
  publisher: Publisher;
  stop(): Promise<void>;
}

export interface SchedulerHarness {
  namespace: string;
  mongo: MongoHandle;
  /** Every PollRequested and ReportRequested seen on the topics, in arrival order. */
  polls: Poll[];
  reports: Report[];
  pollsOf(storeId: string, stream?: string): Poll[];
  /** Starts one scheduler instance on the shared database, group and topics. */
  startScheduler(overrides?: Partial<SchedulerOptions>): Promise<RunningScheduler>;
  /** Publishes the next configuration version of a store (versions count up per store). */
  configure(storeId: string, change?: StoreChange): Promise<StoreConfigChanged>;
  /** Publishes an exact configuration event (e.g. an old version delivered again). */
  publishConfig(event: StoreConfigChanged): Promise<void>;
  close(): Promise<void>;
}

export type StoreChange = Partial<
  Pick<
    StoreConfigChanged,
    | 'status'
    | 'shipbobConfigured'
    | 'returnsApproved'
    | 'pollIntervalMinutes'
    | 'reportEmail'
    | 'version'
  >
> & { toggles?: Partial<StoreConfigChanged['toggles']> };

/** Real Kafka, registry and MongoDB for one test file: its own topics, group and database. */
export async function schedulerHarness(logger: Logger): Promise<SchedulerHarness> {
  const env = infra();
  const namespace = uniqueNamespace();
  const kafka: Kafka = createKafka({
    brokers: env.KAFKA_BROKERS.split(','),
    clientId: 'scheduler-test',
    logger,
  });
  await bootstrapTopics({
    kafka,
    logger,
    namespace,
    partitions: 1,
    only: ['storeConfigChanged', 'pollRequested', 'reportRequested'],
  });
  const codec = new EventCodec(new RegistryClient(env.SCHEMA_REGISTRY_URL), namespace);
  const newPublisher = async () => {
    const publisher = createPublisher({ kafka, codec, logger, namespace });
    await publisher.connect();
    return publisher;
  };
  const publisher = await newPublisher();
  const mongo = await connectMongo(env.MONGO_URL, {
    dbName: uniqueName('scheduler').replaceAll('-', '_'),
    appName: 'scheduler-test',
  });

  const polls: Poll[] = [];
  const reports: Report[] = [];
  const collector: EventConsumer = createEventConsumer({
    kafka,
    codec,
    logger,
    groupId: `${namespace}collector`,
    topics: ['pollRequested', 'reportRequested'],
    handle: async (event) => {
      switch (event.topicKey) {
        case 'pollRequested':
          polls.push(event.value);
          return;
        case 'reportRequested':
          reports.push(event.value);
          return;
      }
    },
    dlqProducer: publisher.producer,
    namespace,
  });
  await collector.start();

  const running: RunningScheduler[] = [];
  const versions = new Map<string, number>();
  const latest = new Map<string, StoreConfigChanged>();

  return {
    namespace,
    mongo,
    polls,
    reports,
    pollsOf: (storeId, stream) =>
      polls.filter(
        (p) => p.envelope.storeId === storeId && (stream === undefined || p.stream === stream),
      ),
    async startScheduler(overrides = {}) {
      const metrics = createMetricsRegistry('scheduler');
      const ownPublisher = await newPublisher();
      const scheduler = await createScheduler({
        db: mongo.db,
        kafka,
        codec,
        publisher: ownPublisher,
        namespace,
        logger,
        metrics,
        processEveryMs: TEST_PROCESS_EVERY_MS,
        minuteMs: TEST_MINUTE_MS,
        // agenda watches each running job with a timer of half this; short, so tests exit at once.
        lockLifetimeMs: 10_000,
        groupId: `${namespace}scheduler`,
        topicPartitions: 1,
        ...overrides,
      });
      await scheduler.start();
      let stopped = false;
      const instance: RunningScheduler = {
        scheduler,
        metrics,
        publisher: ownPublisher,
        async stop() {
          if (stopped) return;
          stopped = true;
          await scheduler.stop();
          await ownPublisher.disconnect();
        },
      };
      running.push(instance);
      return instance;
    },
    async configure(storeId, change = {}) {
      const previous = latest.get(storeId);
      const version = change.version ?? (versions.get(storeId) ?? 0) + 1;
      versions.set(storeId, Math.max(version, versions.get(storeId) ?? 0));
      const event: StoreConfigChanged = {
        envelope: envelope({
          storeId,
          idempotencyKey: `config:${storeId}:${version}`,
          source: 'scheduler-test',
          occurredAt: Date.now(),
        }),
        version,
        status: change.status ?? previous?.status ?? 'CONNECTED',
        tenantId: 'tenant-1',
        miraklBaseUrl: 'https://marketplace.example.com',
        miraklShopId: '2001',
        miraklShopName: null,
        shipbobConfigured: change.shipbobConfigured ?? previous?.shipbobConfigured ?? false,
        shipbobChannelId: null,
        reportEmail:
          change.reportEmail !== undefined ? change.reportEmail : (previous?.reportEmail ?? null),
        toggles: { ...allOff, ...previous?.toggles, ...change.toggles },
        returnsApproved: change.returnsApproved ?? previous?.returnsApproved ?? false,
        inventoryBuffer: 0,
        returnFulfillmentCenterId: null,
        pollIntervalMinutes: change.pollIntervalMinutes ?? previous?.pollIntervalMinutes ?? 1,
        shippingMethods: {},
        defaultShippingMethod: 'Standard',
        reportWhenEmpty: false,
        cancelShipBobOnMarketplaceCancel: false,
        returnReasons: {},
        returnRequestedAction: 'Default',
      };
      latest.set(storeId, event);
      await publisher.publish('storeConfigChanged', event);
      return event;
    },
    publishConfig: async (event) => {
      await publisher.publish('storeConfigChanged', event);
    },
    async close() {
      for (const instance of running) await instance.stop();
      await collector.stop();
      await publisher.disconnect();
      await mongo.db.dropDatabase();
      await mongo.close();
      await deleteNamespaceTopics(kafka, namespace);
    },
  };
}
