import { randomUUID } from 'node:crypto';
import { envelope, type EventOf, type Publisher, type StoreConfigChanged } from '@msync/events';
import { currentLogContext, type Logger } from '@msync/platform';
import type { AgendaSchedule, PollJobData } from './adapters/agenda-schedule.js';
import type { MongoStoreSchedules } from './adapters/mongo-store-schedules.js';
import type { Clock } from './clock.js';
import {
  pollIdempotencyKey,
  reportIdempotencyKey,
  resyncIdempotencyKey,
} from './domain/commands.js';
import { desiredPollJobs, wantsDailyReport } from './domain/desired-jobs.js';
import { DAILY_REPORT_TIME, calendarDay } from './domain/report-time.js';
import { isEmptyPlan } from './domain/reconcile-plan.js';
import { polledStreamsAfter, resyncsFor, type ResyncRequest } from './domain/resync.js';
import type { StoreSchedule } from './domain/store-schedule.js';
import type { SchedulerMetrics } from './metrics.js';

export const SOURCE = 'scheduler';
/** Report commands per produce request: one request stays small however many stores there are. */
const REPORT_BATCH = 500;

export interface SchedulerAppOptions {
  schedule: AgendaSchedule;
  stores: MongoStoreSchedules;
  publisher: Publisher;
  clock: Clock;
  logger: Logger;
  metrics: SchedulerMetrics;
}

type ReconcileTrigger = 'config-event' | 'startup' | 'self-heal';

/** The scheduler's use cases: follow store configuration, emit poll and report commands. */
export function createSchedulerApp(options: SchedulerAppOptions) {
  const { schedule, stores, publisher, clock, metrics } = options;
  const logger = options.logger.child({ component: 'scheduler' });

  const reconcile = async (
    store: StoreSchedule | null,
    storeId: string,
    trigger: ReconcileTrigger,
  ) => {
    const timer = metrics.reconcileSeconds.startTimer({ trigger });
    const plan = await schedule.reconcile(storeId, store ? desiredPollJobs(store) : []);
    timer();
    if (!isEmptyPlan(plan))
      logger.info('poll jobs reconciled', {
        storeId,
        trigger,
        created: plan.create.map((job) => job.stream),
        updated: plan.update.map(({ job }) => `${job.stream}:${job.intervalMinutes}m`),
        removed: plan.remove.length,
      });
  };

  /**
   * Asks the pollers to re-read what is still actionable in these streams (ADR 0055), as of the
   * configuration change that called for it: its version (the pollers wait until they have read
   * it) and the moment it was made.
   */
  const requestResyncs = async (
    store: StoreSchedule,
    requests: readonly ResyncRequest[],
    changedAt: number,
    correlationId: string,
  ) => {
    if (requests.length === 0) return;
    const now = clock.now();
    const commands: EventOf<'pollRequested'>[] = requests.map(({ stream, system }) => ({
      envelope: envelope({
        storeId: store.storeId,
        idempotencyKey: resyncIdempotencyKey(store.storeId, stream, store.version),
        source: SOURCE,
        occurredAt: changedAt,
        observedAt: now,
        correlationId,
      }),
      system,
      stream,
      reason: 'resync',
      since: null,
      configVersion: store.version,
    }));
    await publisher.publish('pollRequested', commands);
    for (const { stream, system } of requests) metrics.resyncsRequested.inc({ stream, system });
    logger.info('resync requested', {
      storeId: store.storeId,
      version: store.version,
      streams: requests.map((r) => r.stream),
    });
  };

  return {
    /**
     * Applies a configuration version (older ones are ignored) and reconciles the store's jobs.
     * A version that lets a flow act again (store connected again, flow switched back on) first
     * asks for a resync: published before the version is recorded, so a crash in between asks
     * again on redelivery (same keys) rather than never.
     */
    async onConfigChanged(event: StoreConfigChanged): Promise<void> {
      const store = toStoreSchedule(event);
      const previous = await stores.get(store.storeId);
      await requestResyncs(
        store,
        resyncsFor(previous, store),
        event.envelope.occurredAt,
        event.envelope.correlationId,
      );
      const outcome = await stores.apply(
        { ...store, polledStreams: polledStreamsAfter(previous, store) },
        clock.now(),
      );
      metrics.configEvents.inc({ outcome });
      if (outcome === 'stale') {
        logger.info('older configuration ignored', {
          storeId: store.storeId,
          version: store.version,
        });
        return;
      }
      await reconcile(store, store.storeId, 'config-event');
    },

    /**
     * Reconciles every store that is connected or still has jobs: after a restart, or when a
     * release changed which streams a configuration asks for.
     */
    async reconcileAll(): Promise<void> {
      const connected = await stores.connected();
      const ids = new Set([
        ...connected.map((s) => s.storeId),
        ...(await schedule.storesWithPollJobs()),
      ]);
      for (const storeId of ids) await reconcile(await stores.get(storeId), storeId, 'startup');
    },

    /**
     * Publishes the PollRequested of one due run. A job the store no longer wants as it stands
     * (a reconcile lost to a race) is corrected first, and not published if the stream is off.
     */
    async requestPoll(job: PollJobData, scheduledFor: Date): Promise<void> {
      const store = await stores.get(job.storeId);
      const wanted = (store ? desiredPollJobs(store) : []).find((d) => d.stream === job.stream);
      if (!wanted || wanted.intervalMinutes !== job.intervalMinutes || wanted.system !== job.system)
        await reconcile(store, job.storeId, 'self-heal');
      if (!store || !wanted) {
        metrics.pollsSkipped.inc({ stream: job.stream });
        return;
      }
      const command: EventOf<'pollRequested'> = {
        envelope: envelope({
          storeId: job.storeId,
          idempotencyKey: pollIdempotencyKey(job.storeId, job.stream, scheduledFor),
          source: SOURCE,
          occurredAt: scheduledFor,
          observedAt: clock.now(),
          // The due run's (service.ts), which the pass, its facts and their effects carry on.
          correlationId: currentLogContext().correlationId ?? randomUUID(),
        }),
        system: wanted.system,
        stream: job.stream,
        reason: 'schedule',
        since: null,
        // A poller that has not read this version yet waits for it rather than skip the store.
        configVersion: store.version,
      };
      await publisher.publish('pollRequested', command);
      metrics.pollsRequested.inc({ stream: job.stream, system: wanted.system });
      logger.debug('poll requested', {
        storeId: job.storeId,
        stream: job.stream,
        scheduledFor: scheduledFor.toISOString(),
      });
    },

    /** Publishes one ReportRequested per connected store with a report address. */
    async requestDailyReports(reportTime: Date): Promise<void> {
      const reportDate = calendarDay(reportTime, DAILY_REPORT_TIME.timeZone);
      const correlationId = currentLogContext().correlationId ?? randomUUID();
      const now = clock.now();
      const commands: EventOf<'reportRequested'>[] = (await stores.connected())
        .filter(wantsDailyReport)
        .map((store) => ({
          envelope: envelope({
            storeId: store.storeId,
            idempotencyKey: reportIdempotencyKey(store.storeId, reportDate),
            source: SOURCE,
            occurredAt: reportTime,
            observedAt: now,
            correlationId,
          }),
          reportDate,
          timeZone: DAILY_REPORT_TIME.timeZone,
        }));
      for (let i = 0; i < commands.length; i += REPORT_BATCH)
        await publisher.publish('reportRequested', commands.slice(i, i + REPORT_BATCH));
      metrics.reportsRequested.inc(commands.length);
      logger.info('daily reports requested', { reportDate, stores: commands.length });
    },
  };
}

export type SchedulerApp = ReturnType<typeof createSchedulerApp>;

function toStoreSchedule(event: StoreConfigChanged): StoreSchedule {
  return {
    storeId: event.envelope.storeId,
    version: event.version,
    status: event.status,
    toggles: event.toggles,
    shipbobConfigured: event.shipbobConfigured,
    returnsApproved: event.returnsApproved,
    pollIntervalMinutes: event.pollIntervalMinutes,
    reportEmail: event.reportEmail,
  };
}
