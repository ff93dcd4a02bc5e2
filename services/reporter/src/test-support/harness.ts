import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
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
  type SyncOutcomeRecorded,
} from '@msync/events';
import {
  connectMongo,
  createMetricsRegistry,
  type Logger,
  type MongoHandle,
  type Registry,
} from '@msync/platform';
import { collectEvents } from '@msync/events/test-support';
import { capturingLogger, counted, infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import { SOURCE } from '../adapters/outcomes.js';
import { localDay } from '../domain/local-day.js';
import { createReporter, type Reporter, type ReporterOptions } from '../service.js';
import { mailpit } from './mailpit.js';
import { startSmtpGate, type SmtpGate } from './smtp-gate.js';

export { eventually } from '@msync/test-support';

export const NEW_YORK = 'America/New_York';
export const HOUR = 3_600_000;

export interface TestStore {
  storeId: string;
  email: string;
  name: string;
}

export interface RunningReporter {
  reporter: Reporter;
  metrics: Registry;
  stop(): Promise<void>;
}

/** Real Kafka, registry, FerretDB and Mailpit (behind a fault gate); one test's own namespace and database. */
export async function reporterHarness(logger: Logger = capturingLogger('warn').logger) {
  const env = infra();
  if (!env.MAILPIT_URL) throw new Error('MAILPIT_URL is not set: the reporter tests read Mailpit');
  const namespace = uniqueNamespace();
  const database = uniqueName('reporter').replaceAll('-', '_');
  const kafka: Kafka = createKafka({
    brokers: env.KAFKA_BROKERS.split(','),
    clientId: 'reporter-test',
    logger,
  });
  // One partition: every store shares it, so one store waiting must not hold the others.
  await bootstrapTopics({
    kafka,
    logger,
    namespace,
    partitions: 1,
    only: ['storeConfigChanged', 'returnUpdated', 'reportRequested', 'syncOutcome'],
  });
  const codec = new EventCodec(new RegistryClient(env.SCHEMA_REGISTRY_URL), namespace);
  const publisher: Publisher = createPublisher({ kafka, codec, logger, namespace });
  await publisher.connect();
  const mongo: MongoHandle = await connectMongo(env.MONGO_URL, {
    dbName: database,
    appName: 'reporter-test',
  });
  const gate: SmtpGate = await startSmtpGate(env.SMTP_URL);
  const mail = mailpit(env.MAILPIT_URL);
  const collector = await collectEvents({
    kafka,
    codec,
    logger,
    publisher,
    namespace,
    topic: 'syncOutcome',
  });
  const outcomes: SyncOutcomeRecorded[] = collector.events;
  const running: RunningReporter[] = [];
  let stores = 0;
  let version = 0;

  const configure = async (
    store: TestStore,
    change: { reportWhenEmpty?: boolean; status?: string; reportEmail?: string | null } = {},
  ) => {
    await publisher.publish('storeConfigChanged', {
      envelope: envelope({
        storeId: store.storeId,
        idempotencyKey: `config:${store.storeId}:${++version}`,
        source: 'test',
        occurredAt: Date.now(),
      }),
      version,
      status: change.status ?? 'CONNECTED',
      tenantId: 'tenant-1',
      miraklBaseUrl: 'https://acme.mirakl.example',
      miraklShopId: '2001',
      miraklShopName: store.name,
      shipbobConfigured: true,
      shipbobChannelId: '77',
      reportEmail: change.reportEmail !== undefined ? change.reportEmail : store.email,
      toggles: {
        offers: false,
        inventory: false,
        orders: true,
        tracking: true,
        cancellations: false,
        returns: true,
      },
      returnsApproved: true,
      inventoryBuffer: 0,
      returnFulfillmentCenterId: '8',
      pollIntervalMinutes: 15,
      shippingMethods: {},
      defaultShippingMethod: 'Standard',
      reportWhenEmpty: change.reportWhenEmpty ?? false,
      cancelShipBobOnMarketplaceCancel: false,
      returnReasons: {},
      returnRequestedAction: 'Default',
    });
  };

  return {
    namespace,
    database,
    kafka,
    publisher,
    mongo,
    gate,
    mail,
    outcomes,
    /** Report outcomes of a store, in arrival order. */
    reportOutcomes: (storeId: string) =>
      outcomes.filter((o) => o.envelope.storeId === storeId && o.flow === 'report'),
    async addStore(options: { reportWhenEmpty?: boolean; name?: string } = {}): Promise<TestStore> {
      const n = ++stores;
      const store = {
        storeId: uniqueName(`store-${n}`),
        email: `${uniqueName(`ops-${n}`)}@reports.example`,
        name: options.name ?? `Acme Home ${n}`,
      };
      await configure(store, options);
      return store;
    },
    configure,
    /** Publishes a `ShipBobReturnUpdated` as the shipbob-poller does. */
    async returnUpdated(
      storeId: string,
      fields: Partial<Omit<EventOf<'returnUpdated'>, 'envelope'>> & {
        returnId: string;
        status: string;
        updatedAt: number;
      },
    ) {
      const { updatedAt, ...rest } = fields;
      await publisher.publish('returnUpdated', {
        envelope: envelope({
          storeId,
          idempotencyKey: `shipbob:${storeId}:return:${fields.returnId}:${fields.status}:${updatedAt}`,
          source: 'shipbob-poller',
          occurredAt: updatedAt,
        }),
        referenceId: `R-${fields.returnId}`,
        storeOrderId: `MKP-${fields.returnId}`,
        fulfillmentCenterName: 'Cicero (IL)',
        actionRequested: 'Restock',
        actionTaken: null,
        completedAt: null,
        ...rest,
      });
    },
    /** The scheduler's command for today in New York (or `reportDate`), `copies` times. */
    async requestReport(storeId: string, options: { reportDate?: string; copies?: number } = {}) {
      const now = Date.now();
      const reportDate = options.reportDate ?? localDay(now, NEW_YORK);
      const command: EventOf<'reportRequested'> = {
        envelope: envelope({
          storeId,
          idempotencyKey: `scheduler:${storeId}:report:${reportDate}`,
          source: 'scheduler',
          occurredAt: now,
          correlationId: randomUUID(),
        }),
        reportDate,
        timeZone: NEW_YORK,
      };
      await publisher.publish('reportRequested', Array(options.copies ?? 1).fill(command));
      return command;
    },
    async startReporter(overrides: Partial<ReporterOptions> = {}): Promise<RunningReporter> {
      const metrics = createMetricsRegistry('reporter-test');
      const reporter = await createReporter({
        kafka,
        codec,
        publisher,
        namespace,
        db: mongo.db,
        logger,
        metrics,
        smtp: { url: gate.url, from: 'returns-report@msync.example', timeoutMs: 5_000 },
        retrier: { intervalMs: 200, initialDelayMs: 300, maxDelayMs: 1_000 },
        commit: { intervalMs: 100 },
        ...overrides,
      });
      await reporter.start();
      const handle = { reporter, metrics, stop: () => reporter.stop() };
      running.push(handle);
      return handle;
    },
    /**
     * Report commands finished by these reporters: handled, or set aside to wait (see
     * {@link noReportWaiting} for those).
     */
    async commandsFinished(reporters: RunningReporter[]): Promise<number> {
      let total = 0;
      for (const { metrics } of reporters) {
        for (const outcome of ['handled', 'set-aside'])
          total += await counted(metrics, 'events_consumed_total', {
            topic: `${namespace}scheduler.report.requested.v1`,
            outcome,
          });
      }
      return total;
    },
    /** No report command waits for a retry any more. */
    /** Every report command on the topic now is committed by the reporters' group. */
    async commandsCommitted(): Promise<boolean> {
      const topic = physicalTopic('reportRequested', namespace);
      const admin = kafka.admin();
      await admin.connect();
      try {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({
          groupId: `${namespace}${SOURCE}`,
          topics: [topic],
        });
        return ends.every(
          (end) =>
            committed?.partitions.find((p) => p.partition === end.partition)?.offset === end.high,
        );
      } finally {
        await admin.disconnect();
      }
    },
    async noReportWaiting(): Promise<boolean> {
      return (await mongo.db.collection('reporter_parked_events').countDocuments()) === 0;
    },
    async close() {
      for (const r of running) await r.stop().catch(() => undefined);
      await collector.stop();
      await gate.close();
      await publisher.disconnect();
      await mongo.db.dropDatabase().catch(() => undefined);
      await mongo.close();
    },
  };
}

export type ReporterHarness = Awaited<ReturnType<typeof reporterHarness>>;
