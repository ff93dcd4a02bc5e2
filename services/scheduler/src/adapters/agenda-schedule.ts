import { Agenda, exponential, type Job, type JobParameters } from 'agenda';
import type { Db } from 'mongodb';
import type { ExternalSystem } from '@msync/events';
import { errorMessage, type Logger } from '@msync/platform';
import type { Clock } from '../clock.js';
import { nextRunAfterIntervalChange } from '../domain/commands.js';
import type { DesiredPollJob } from '../domain/desired-jobs.js';
import {
  planReconcile,
  type ExistingPollJob,
  type ReconcilePlan,
} from '../domain/reconcile-plan.js';
import { dailyTimeAfter, dailyTimeAtOrBefore } from '../domain/report-time.js';
import {
  claimingBackend,
  type ClaimedRun,
  type ClaimingJobRepository,
} from './claiming-job-repository.js';

export const JOB_NAMES = {
  poll: 'scheduler.poll',
  dailyReport: 'scheduler.daily-report',
  pruneClaims: 'scheduler.prune-claims',
} as const;

/** What a poll job stores: enough to emit its command and to list it for operators. */
export interface PollJobData {
  storeId: string;
  stream: string;
  system: ExternalSystem;
  intervalMinutes: number;
}

/** One job as an operator sees it on `GET /jobs`. */
export interface JobView {
  job: string;
  store: string | null;
  stream: string | null;
  intervalMinutes: number | null;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastFinishedAt: string | null;
  lastError: { message: string; at: string | null } | null;
  locked: boolean;
}

export interface AgendaScheduleOptions {
  db: Db;
  logger: Logger;
  clock: Clock;
  /** How often agenda looks for due jobs; bounds how late a new or changed job first runs. */
  processEveryMs: number;
  /** Length of one minute of a store's poll interval: 60 000, shorter in tests. */
  minuteMs: number;
  /** Recorded as `lastModifiedBy` on the jobs this instance locks. */
  instanceName: string;
  collection?: string;
  /** A run locked this long without finishing is given up and may be taken by another instance. */
  lockLifetimeMs?: number;
  /** Retry of a failed daily report run (the date it reports stays the same). */
  reportRetryMs?: number;
  /** Run claims are kept this long, then pruned hourly (FerretDB has no TTL indexes). */
  claimRetentionMs?: number;
}

const HOUR = 3_600_000;
const DEFAULT_LOCK_LIFETIME_MS = 60_000;
const DEFAULT_REPORT_RETRY_MS = 60_000;
const DEFAULT_CLAIM_RETENTION_MS = 24 * HOUR;

/**
 * The scheduler's jobs on agenda: one recurring poll job per store and stream, the daily report
 * job and the claim pruning job. Handlers are given by the application; this adapter owns how
 * jobs are stored, reconciled with what stores need, and run once each across replicas.
 */
export class AgendaSchedule {
  private constructor(
    readonly agenda: Agenda,
    readonly repository: ClaimingJobRepository,
    private readonly options: AgendaScheduleOptions,
  ) {}

  /** Connects the job store (indexes included) and builds agenda on it; nothing runs yet. */
  static async create(options: AgendaScheduleOptions): Promise<AgendaSchedule> {
    const backend = claimingBackend(options.db, options.collection ?? 'scheduler_jobs');
    await backend.connect();
    const agenda = new Agenda({
      backend,
      name: options.instanceName,
      processEvery: options.processEveryMs,
      defaultLockLifetime: options.lockLifetimeMs ?? DEFAULT_LOCK_LIFETIME_MS,
      maxConcurrency: 20,
      defaultConcurrency: 10,
    });
    const schedule = new AgendaSchedule(agenda, backend.repository, options);
    agenda.on('error', (error: unknown) =>
      options.logger.error('job processing failed', { error: errorMessage(error) }),
    );
    return schedule;
  }

  /** Runs `handler` for every due poll job with the run's scheduled time. */
  onPoll(handler: (job: PollJobData, scheduledFor: Date) => Promise<void>): void {
    this.agenda.define<PollJobData & ClaimedRun>(
      JOB_NAMES.poll,
      async (job) => {
        const { scheduledFor, ...data } = job.attrs.data;
        const runTime = scheduledFor ? new Date(scheduledFor) : (job.attrs.lastRunAt ?? this.now());
        await handler(data, runTime);
      },
      // A failed publish is retried soon (then the interval resumes), not a whole interval later.
      { backoff: exponential({ delay: 5_000, maxRetries: 3 }) },
    );
  }

  /**
   * Runs `handler` with the 09:00 New York report time the run belongs to (a late run still
   * reports its own day), then schedules the next one; a failed run is retried shortly.
   */
  onDailyReport(handler: (reportTime: Date) => Promise<void>): void {
    this.agenda.define(JOB_NAMES.dailyReport, async (job: Job) => {
      const now = this.now();
      const reportTime = dailyTimeAtOrBefore(now);
      try {
        await handler(reportTime);
        job.schedule(dailyTimeAfter(reportTime));
      } catch (error) {
        job.schedule(
          new Date(now.getTime() + (this.options.reportRetryMs ?? DEFAULT_REPORT_RETRY_MS)),
        );
        throw error;
      }
    });
  }

  /** Creates the daily report and claim pruning jobs unless they exist (once across replicas). */
  async ensureHousekeepingJobs(): Promise<void> {
    this.agenda.define(JOB_NAMES.pruneClaims, async () => {
      const retention = this.options.claimRetentionMs ?? DEFAULT_CLAIM_RETENTION_MS;
      const pruned = await this.repository.pruneClaims(new Date(this.now().getTime() - retention));
      this.options.logger.debug('run claims pruned', { pruned });
    });
    await this.agenda
      .create(JOB_NAMES.dailyReport, {})
      .unique({ name: JOB_NAMES.dailyReport }, { insertOnly: true })
      .schedule(dailyTimeAfter(this.now()))
      .save();
    await this.agenda
      .create(JOB_NAMES.pruneClaims, {})
      .unique({ name: JOB_NAMES.pruneClaims }, { insertOnly: true })
      .repeatEvery(HOUR)
      .save();
  }

  /** Makes a store's poll jobs match `desired`; returns what it changed. */
  async reconcile(storeId: string, desired: readonly DesiredPollJob[]): Promise<ReconcilePlan> {
    const { jobs } = await this.agenda.queryJobs({ name: JOB_NAMES.poll, data: { storeId } });
    const existing = jobs.map((job) => toExistingPollJob(job as JobParameters<PollJobData>));
    const plan = planReconcile(desired, existing);
    if (plan.remove.length > 0) await this.agenda.cancel({ ids: plan.remove });
    for (const { id, job } of plan.update) {
      const lastRunAt = jobs.find((j) => j._id?.toString() === id)?.lastRunAt ?? null;
      const intervalMs = this.intervalMs(job.intervalMinutes);
      await this.repository.reschedule(id, {
        repeatInterval: intervalMs,
        nextRunAt: nextRunAfterIntervalChange(lastRunAt, intervalMs, this.now()),
        data: pollJobData(storeId, job),
      });
    }
    for (const job of plan.create) {
      // Due at once (a newly wanted stream is polled now), then every interval.
      await this.agenda
        .create(JOB_NAMES.poll, pollJobData(storeId, job))
        .unique({ 'data.storeId': storeId, 'data.stream': job.stream }, { insertOnly: true })
        .repeatEvery(this.intervalMs(job.intervalMinutes))
        .save();
    }
    return plan;
  }

  /** Every job of the scheduler, or of one store, for operators. */
  async listJobs(storeId?: string): Promise<JobView[]> {
    const { jobs } = await this.agenda.queryJobs({
      names: Object.values(JOB_NAMES),
      ...(storeId ? { data: { storeId } } : {}),
    });
    return jobs
      .map(toJobView)
      .sort((a, b) =>
        `${a.store ?? ''}\u0000${a.stream ?? ''}\u0000${a.job}`.localeCompare(
          `${b.store ?? ''}\u0000${b.stream ?? ''}\u0000${b.job}`,
        ),
      );
  }

  /** Number of poll jobs per stream, across every replica. */
  async countPollJobsByStream(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const data of await this.pollJobData()) {
      const stream = data?.stream ?? 'unknown';
      counts.set(stream, (counts.get(stream) ?? 0) + 1);
    }
    return counts;
  }

  /** The stores that have at least one poll job. */
  async storesWithPollJobs(): Promise<string[]> {
    const stores = (await this.pollJobData()).flatMap((data) =>
      data?.storeId ? [data.storeId] : [],
    );
    return [...new Set(stores)].sort();
  }

  private async pollJobData(): Promise<(Partial<PollJobData> | null)[]> {
    const docs = await this.repository.collection
      .find({ name: JOB_NAMES.poll }, { projection: { data: 1 } })
      .toArray();
    return docs.map((doc) => doc.data as Partial<PollJobData> | null);
  }

  start(): Promise<void> {
    return this.agenda.start();
  }

  /**
   * Stops locking due jobs, lets the running ones finish (bounded), so their commands are
   * published before the producer disconnects, then frees the runs this instance had locked
   * ahead of time, for the other replicas. After a timeout nothing is freed: a run still going
   * here keeps its lock until the lock lifetime passes.
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    await this.repository.stopLocking();
    const drained = await this.agenda.drain({ timeout: timeoutMs });
    if (drained.timedOut) {
      this.options.logger.warn('jobs still running at shutdown; their locks will expire', {
        running: drained.running,
      });
      return;
    }
    const held = await this.repository.collection
      .find(
        { lastModifiedBy: this.options.instanceName, lockedAt: { $ne: null } },
        { projection: { _id: 1 } },
      )
      .toArray();
    if (held.length > 0) await this.repository.unlockJobs(held.map((j) => j._id.toHexString()));
  }

  private intervalMs(minutes: number): number {
    return minutes * this.options.minuteMs;
  }

  private now(): Date {
    return this.options.clock.now();
  }
}

const pollJobData = (storeId: string, job: DesiredPollJob): PollJobData => ({
  storeId,
  stream: job.stream,
  system: job.system,
  intervalMinutes: job.intervalMinutes,
});

function toExistingPollJob(job: JobParameters<PollJobData>): ExistingPollJob {
  return {
    id: job._id!.toString(),
    stream: job.data.stream,
    system: job.data.system,
    intervalMinutes: job.data.intervalMinutes,
  };
}

const iso = (date: Date | null | undefined) => (date ? new Date(date).toISOString() : null);

function toJobView(job: JobParameters): JobView {
  const data = (job.data ?? {}) as Partial<PollJobData>;
  return {
    job: job.name,
    store: data.storeId ?? null,
    stream: data.stream ?? null,
    intervalMinutes: data.intervalMinutes ?? null,
    nextRunAt: iso(job.nextRunAt),
    lastRunAt: iso(job.lastRunAt),
    lastFinishedAt: iso(job.lastFinishedAt),
    lastError: job.failReason ? { message: job.failReason, at: iso(job.failedAt) } : null,
    locked: Boolean(job.lockedAt),
  };
}
