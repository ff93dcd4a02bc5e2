import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import type { Router } from 'express';
import {
  bootstrapTopics,
  createEventConsumer,
  type EventCodec,
  type EventConsumer,
  type Publisher,
} from '@msync/events';
import { withLogContext, type Logger, type Registry } from '@msync/platform';
import { AgendaSchedule, JOB_NAMES } from './adapters/agenda-schedule.js';
import { MongoStoreSchedules } from './adapters/mongo-store-schedules.js';
import { schedulerOpsRoutes } from './adapters/ops-routes.js';
import { systemClock, type Clock } from './clock.js';
import { schedulerMetrics } from './metrics.js';
import { SOURCE, createSchedulerApp, type SchedulerApp } from './scheduler.js';

export interface SchedulerOptions {
  db: Db;
  kafka: Kafka;
  codec: EventCodec;
  publisher: Publisher;
  namespace: string;
  logger: Logger;
  metrics: Registry;
  clock?: Clock;
  /** How often due jobs are looked for (default 2 s: a change takes effect within seconds). */
  processEveryMs?: number;
  /** Length of one minute of a poll interval (default 60 000; tests shorten it). */
  minuteMs?: number;
  /** A run locked this long without finishing may be taken over by another instance (60 s). */
  lockLifetimeMs?: number;
  /** Consumer group of the configuration topic (default `scheduler`). */
  groupId?: string;
  /** Name of this instance on the jobs it locks (default host and pid). */
  instanceName?: string;
  /** Partitions of the topics created when missing (default: the catalog's). */
  topicPartitions?: number;
}

export interface Scheduler {
  app: SchedulerApp;
  schedule: AgendaSchedule;
  /** Creates its topics if missing, reconciles every store, starts jobs and the consumer. */
  start(): Promise<void>;
  /** Stops the consumer, then the jobs (waiting for running ones). */
  stop(): Promise<void>;
  /** `GET /jobs` and read-only agendash on the ops endpoint. */
  opsRoutes: (router: Router) => void;
}

/** Wires the scheduler on its dependencies; nothing runs until `start`. */
export async function createScheduler(options: SchedulerOptions): Promise<Scheduler> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const schedule = await AgendaSchedule.create({
    db: options.db,
    logger,
    clock,
    processEveryMs: options.processEveryMs ?? 2_000,
    minuteMs: options.minuteMs ?? 60_000,
    instanceName: options.instanceName ?? `${SOURCE}@${hostname()}:${process.pid}`,
    ...(options.lockLifetimeMs ? { lockLifetimeMs: options.lockLifetimeMs } : {}),
  });
  const metrics = schedulerMetrics(options.metrics, () => schedule.countPollJobsByStream(), logger);
  const app = createSchedulerApp({
    schedule,
    stores: new MongoStoreSchedules(options.db),
    publisher: options.publisher,
    clock,
    logger,
    metrics,
  });
  // Each due run works (logs and publishes) under a correlation id of its own.
  schedule.onPoll((job, scheduledFor) =>
    withLogContext({ storeId: job.storeId, correlationId: randomUUID() }, () =>
      app.requestPoll(job, scheduledFor),
    ),
  );
  schedule.onDailyReport((reportTime) =>
    withLogContext({ correlationId: randomUUID() }, () => app.requestDailyReports(reportTime)),
  );
  schedule.agenda.on('fail', (error: Error, job: { attrs: { name: string } }) => {
    metrics.jobFailures.inc({ job: job.attrs.name });
    logger.warn('job run failed', { job: job.attrs.name, error: error.message });
  });

  let consumer: EventConsumer | undefined;
  return {
    app,
    schedule,
    opsRoutes: schedulerOpsRoutes(schedule, logger),
    async start() {
      // Topics are created explicitly, never by first use (ADR 0002); this is idempotent.
      await bootstrapTopics({
        kafka: options.kafka,
        logger,
        namespace: options.namespace,
        only: ['storeConfigChanged', 'pollRequested', 'reportRequested'],
        ...(options.topicPartitions ? { partitions: options.topicPartitions } : {}),
      });
      await schedule.ensureHousekeepingJobs();
      await app.reconcileAll();
      await schedule.start();
      consumer = createEventConsumer({
        kafka: options.kafka,
        codec: options.codec,
        logger,
        groupId: options.groupId ?? `${options.namespace}${SOURCE}`,
        topics: ['storeConfigChanged'],
        handle: async (event) => {
          switch (event.topicKey) {
            case 'storeConfigChanged':
              await app.onConfigChanged(event.value);
              return;
          }
        },
        dlqProducer: options.publisher.producer,
        metrics: options.metrics,
        namespace: options.namespace,
        fromBeginning: true,
      });
      await consumer.start();
      logger.info('scheduling', { jobs: Object.values(JOB_NAMES) });
    },
    async stop() {
      await consumer?.stop();
      await schedule.stop();
    },
  };
}
