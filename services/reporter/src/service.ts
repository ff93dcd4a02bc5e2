import { hostname } from 'node:os';
import type { Router } from 'express';
import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import {
  bootstrapTopics,
  createDeadLetterWriter,
  createEventConsumer,
  createLaneLeases,
  createMongoParkedEventStore,
  createStoreConfigView,
  drainParked,
  eventMetrics,
  physicalTopic,
  topicOffsetsOnceLed,
  type EventCodec,
  type EventConsumer,
  type Publisher,
} from '@msync/events';
import { errorMessage, sleep, type Logger, type Registry } from '@msync/platform';
import { createReportLedger, type ReportLedger } from './adapters/mongo-ledger.js';
import { createReturnsProjection, type ReturnsProjection } from './adapters/mongo-returns.js';
import { SOURCE, createOutcomePublisher } from './adapters/outcomes.js';
import { createMailer } from './adapters/mailer.js';
import { createTestSendSlots } from './adapters/mongo-test-sends.js';
import { reportOpsRoutes } from './adapters/ops-routes.js';
import { createReportDesk, type ReportDesk } from './desk.js';
import { localDay } from './domain/local-day.js';
import { DAY_MS } from './domain/report-window.js';
import { reporterMetrics } from './metrics.js';
import { createReporterApp, type ReportRequested, type ReporterApp } from './reporter.js';

export interface ReporterOptions {
  kafka: Kafka;
  codec: EventCodec;
  publisher: Publisher;
  namespace: string;
  /** The reporter's collections: `reporter_returns`, `reporter_reports`, `reporter_report_claims`, `reporter_parked_events`, `reporter_leases`, `reporter_test_sends`. */
  db: Db;
  logger: Logger;
  metrics: Registry;
  smtp: { url: string; from: string; timeoutMs: number };
  policy?: { staleClaimMs?: number; maxLateDays?: number };
  retrier?: { intervalMs?: number; initialDelayMs?: number; maxDelayMs?: number; leaseMs?: number };
  retention?: { returnsDays?: number; reportsDays?: number; pruneEveryMs?: number };
  /** How long start waits for the returns projection to catch up before taking commands. */
  catchUpTimeoutMs?: number;
  /** How long a report waits for the projection to read the return events published before it. */
  commandCatchUpTimeoutMs?: number;
  /** One test report per store in each slot of this length (default one minute). */
  testReportIntervalMs?: number;
  now?: () => number;
  /** Offset commit batching (tests commit often). */
  commit?: { intervalMs?: number; everyMessages?: number };
}

export interface Reporter {
  start(): Promise<void>;
  stop(): Promise<void>;
  app: ReporterApp;
  ledger: ReportLedger;
  returns: ReturnsProjection;
  /** Preview, test send and history of a store's reports (ADR 0072). */
  desk: ReportDesk;
  /** The report routes on the ops port (config-api calls them). */
  opsRoutes: (router: Router) => void;
  /** One pass of the retrier over the stores whose report waits. */
  retryParked(): Promise<void>;
  /** What the command consumer does with a `ReportRequested` (projection catch-up, then the report). */
  handleReport(command: ReportRequested): Promise<void>;
}

const REPORT_TIME_ZONE = 'America/New_York';

/** Wires the reporter on its dependencies; nothing runs until `start`. */
export async function createReporter(options: ReporterOptions): Promise<Reporter> {
  const { logger, db, namespace } = options;
  const now = options.now ?? Date.now;
  const metrics = reporterMetrics(options.metrics);
  const commandsGroup = `${namespace}${SOURCE}`;
  const returnsGroup = `${namespace}${SOURCE}.returns`;
  const returns = await createReturnsProjection(db);
  const ledger = await createReportLedger(db);
  const parked = await createMongoParkedEventStore(db, { collection: 'reporter_parked_events' });
  const leases = createLaneLeases(db, {
    collection: 'reporter_leases',
    holder: `${SOURCE}@${hostname()}:${process.pid}`,
    leaseMs: options.retrier?.leaseMs ?? 120_000,
  });
  const configs = createStoreConfigView({
    kafka: options.kafka,
    codec: options.codec,
    logger,
    dlqProducer: options.publisher.producer,
    service: `${namespace}${SOURCE}`,
    namespace,
    metrics: options.metrics,
  });
  const mailer = createMailer({
    smtpUrl: options.smtp.url,
    from: options.smtp.from,
    timeoutMs: options.smtp.timeoutMs,
  });
  const testIntervalMs = options.testReportIntervalMs ?? 60_000;
  const slots = await createTestSendSlots(db, testIntervalMs);
  const desk = createReportDesk({
    returns,
    ledger,
    mailer,
    slots,
    configs,
    timeZone: REPORT_TIME_ZONE,
    logger,
    now,
  });
  const app = createReporterApp({
    returns,
    ledger,
    mailer,
    configs,
    publishOutcome: createOutcomePublisher(options.publisher, now),
    metrics,
    logger,
    policy: {
      staleClaimMs: options.policy?.staleClaimMs ?? 10 * 60_000,
      maxLateDays: options.policy?.maxLateDays ?? 1,
    },
    holder: `${SOURCE}@${hostname()}:${process.pid}`,
    now,
  });
  const backoff = {
    initialDelayMs: options.retrier?.initialDelayMs ?? 5_000,
    maxDelayMs: options.retrier?.maxDelayMs ?? 15 * 60_000,
  };
  const deadLetter = createDeadLetterWriter({
    producer: options.publisher.producer,
    groupId: commandsGroup,
    logger,
    metrics: eventMetrics(options.metrics),
  });
  // Set below; the projection's catch-up needs the consumers.
  let projectionCovers: (instant: number) => Promise<void> = () => Promise.resolve();
  const handleCommand = async (event: { value: ReportRequested }) => {
    // The report lists every return event that was on the topic when it was requested.
    await projectionCovers(event.value.envelope.occurredAt);
    await app.onReportRequested(event.value);
  };

  const retryParked = async (): Promise<void> => {
    const keys = await parked.parkedKeys(commandsGroup);
    metrics.parkedLanes.set(keys.length);
    for (const key of keys) {
      const lease = `${commandsGroup}|${key}`;
      if (!(await leases.acquire(lease))) {
        metrics.retrierAttempts.inc({ result: 'busy' });
        continue;
      }
      try {
        const result = await drainParked({
          store: parked,
          codec: options.codec,
          groupId: commandsGroup,
          key,
          topics: ['reportRequested'],
          namespace,
          handle: handleCommand,
          deadLetter,
          retry: backoff,
        });
        metrics.retrierAttempts.inc({ result: result.outcome });
        if (result.outcome !== 'not-due')
          logger.info('waiting report tried again', {
            storeId: key,
            outcome: result.outcome,
            ...(result.error ? { error: errorMessage(result.error) } : {}),
          });
      } finally {
        await leases.release(lease);
      }
    }
  };

  let lastPrune = 0;
  const prune = async (): Promise<void> => {
    if (now() - lastPrune < (options.retention?.pruneEveryMs ?? 3_600_000)) return;
    lastPrune = now();
    const returnsPruned = await returns.prune(
      new Date(now() - (options.retention?.returnsDays ?? 90) * DAY_MS),
    );
    const reportsPruned = await ledger.prune(
      localDay(now() - (options.retention?.reportsDays ?? 400) * DAY_MS, REPORT_TIME_ZONE),
    );
    // Only the current slot of each store matters.
    await slots.prune(new Date(now() - 2 * testIntervalMs));
    if (returnsPruned + reportsPruned > 0)
      logger.info('reporter state pruned', { returns: returnsPruned, reports: reportsPruned });
  };

  const returnsConsumer: EventConsumer = createEventConsumer({
    kafka: options.kafka,
    codec: options.codec,
    logger,
    groupId: returnsGroup,
    topics: ['returnUpdated'],
    // A projection write only fails while MongoDB does: retried in place, in order.
    handle: (event) => app.onReturnUpdated(event.value),
    dlqProducer: options.publisher.producer,
    metrics: options.metrics,
    namespace,
    ...(options.commit ? { commit: options.commit } : {}),
  });
  const commandsConsumer: EventConsumer = createEventConsumer({
    kafka: options.kafka,
    codec: options.codec,
    logger,
    groupId: commandsGroup,
    topics: ['reportRequested'],
    handle: handleCommand,
    dlqProducer: options.publisher.producer,
    // A report that cannot go yet (SMTP down, another attempt sending) waits in its store's
    // lane; other stores' reports go on (ADR 0046).
    setAside: parked,
    retry: backoff,
    metrics: options.metrics,
    namespace,
    ...(options.commit ? { commit: options.commit } : {}),
  });

  /**
   * Waits (bounded by `timeoutMs`) until the projection group has committed past every return
   * event on the topic now; false when it had not by then.
   */
  const projectionCaughtUp = async (timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    const topic = physicalTopic('returnUpdated', namespace);
    const admin = options.kafka.admin();
    await admin.connect();
    try {
      const ends = await topicOffsetsOnceLed(admin, topic);
      for (;;) {
        const [committed] = await admin.fetchOffsets({ groupId: returnsGroup, topics: [topic] });
        const behind = ends.filter((end) => {
          const at = committed?.partitions.find((p) => p.partition === end.partition)?.offset;
          return BigInt(end.high) > BigInt(end.low) && BigInt(at ?? '-1') < BigInt(end.high);
        });
        if (behind.length === 0) return true;
        if (Date.now() > deadline) {
          logger.warn('returns projection not caught up; reporting with what it has', {
            partitionsBehind: behind.length,
          });
          return false;
        }
        await sleep(200);
      }
    } finally {
      await admin.disconnect();
    }
  };
  /** Every return event published up to this time is known to be projected. */
  let coveredUpTo = 0;
  projectionCovers = async (instant) => {
    // One check serves every report requested before it began: the 09:00 fan-out costs one.
    if (instant <= coveredUpTo) return;
    const sampledAt = now();
    if (await projectionCaughtUp(options.commandCatchUpTimeoutMs ?? 10_000))
      coveredUpTo = sampledAt;
  };

  const stopping = new AbortController();
  let loop: Promise<void> | undefined;

  return {
    app,
    ledger,
    returns,
    desk,
    opsRoutes: reportOpsRoutes(desk, logger),
    retryParked,
    handleReport: (command) => handleCommand({ value: command }),
    async start() {
      const started = now();
      await bootstrapTopics({
        kafka: options.kafka,
        logger,
        namespace,
        only: ['storeConfigChanged', 'returnUpdated', 'reportRequested', 'syncOutcome'],
      });
      await configs.start();
      await returnsConsumer.start();
      // A reporter back after 09:00 sends with every completion it can know of.
      if (await projectionCaughtUp(options.catchUpTimeoutMs ?? 30_000)) coveredUpTo = started;
      await commandsConsumer.start();
      const intervalMs = options.retrier?.intervalMs ?? 1_000;
      loop = (async () => {
        while (!stopping.signal.aborted) {
          try {
            await retryParked();
            await prune();
          } catch (error) {
            logger.warn('reporter retrier pass failed; trying again next interval', {
              error: errorMessage(error),
            });
          }
          await sleep(intervalMs, stopping.signal).catch(() => undefined);
        }
      })();
      logger.info('reporting', { groups: [returnsGroup, commandsGroup] });
    },
    async stop() {
      stopping.abort();
      // Independent of each other; a consumer's stop waits out its fetch, so not one by one.
      await Promise.all([commandsConsumer.stop(), loop, returnsConsumer.stop(), configs.stop()]);
    },
  };
}
