import {
  Counter,
  Gauge,
  Histogram,
  errorMessage,
  type Logger,
  type Registry,
} from '@msync/platform';

export interface SchedulerMetrics {
  pollsRequested: Counter<'stream' | 'system'>;
  /** Resync requests (ADR 0055): a store connected again or a flow switched back on. */
  resyncsRequested: Counter<'stream' | 'system'>;
  /** Runs of a job whose stream the store no longer wants (the job is then removed). */
  pollsSkipped: Counter<'stream'>;
  reportsRequested: Counter;
  configEvents: Counter<'outcome'>;
  reconcileSeconds: Histogram<'trigger'>;
  jobFailures: Counter<'job'>;
}

/**
 * The scheduler's metrics on the service registry. `pollJobsByStream` is read from the job
 * store at scrape time, so every replica reports the same, true number.
 */
export function schedulerMetrics(
  registry: Registry,
  pollJobsByStream: () => Promise<Map<string, number>>,
  logger: Logger,
): SchedulerMetrics {
  const registers = [registry];
  new Gauge({
    name: 'scheduler_poll_jobs',
    help: 'Recurring poll jobs scheduled, by stream',
    labelNames: ['stream'],
    registers,
    async collect() {
      try {
        const counts = await pollJobsByStream();
        this.reset();
        for (const [stream, count] of counts) this.set({ stream }, count);
      } catch (error) {
        // Keep the last values; /metrics must not fail because Mongo is slow.
        logger.warn('poll job count unavailable', { error: errorMessage(error) });
      }
    },
  });
  return {
    pollsRequested: new Counter({
      name: 'scheduler_polls_requested_total',
      help: 'PollRequested commands published, by stream and system',
      labelNames: ['stream', 'system'],
      registers,
    }),
    resyncsRequested: new Counter({
      name: 'scheduler_resyncs_requested_total',
      help: 'Resync PollRequested commands published (store connected again, flow switched back on), by stream and system',
      labelNames: ['stream', 'system'],
      registers,
    }),
    pollsSkipped: new Counter({
      name: 'scheduler_polls_skipped_total',
      help: 'Due poll jobs not published because the store no longer wants the stream',
      labelNames: ['stream'],
      registers,
    }),
    reportsRequested: new Counter({
      name: 'scheduler_reports_requested_total',
      help: 'ReportRequested commands published',
      registers,
    }),
    configEvents: new Counter({
      name: 'scheduler_config_events_total',
      help: 'StoreConfigChanged events handled, by outcome (applied, stale)',
      labelNames: ['outcome'],
      registers,
    }),
    reconcileSeconds: new Histogram({
      name: 'scheduler_reconcile_duration_seconds',
      help: 'Time to bring a store’s jobs in line with its configuration, by trigger',
      labelNames: ['trigger'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    jobFailures: new Counter({
      name: 'scheduler_job_failures_total',
      help: 'Job runs that failed, by job name',
      labelNames: ['job'],
      registers,
    }),
  };
}
