import { Counter, Gauge, Histogram, type Registry } from '@msync/platform';

export interface ReporterMetrics {
  reports: Counter<'result' | 'reason'>;
  sendAttempts: Counter<'result'>;
  sendSeconds: Histogram<'result'>;
  returnsProjected: Counter<'result'>;
  parkedLanes: Gauge;
  retrierAttempts: Counter<'result'>;
}

const cached = new WeakMap<Registry, ReporterMetrics>();

/** The reporter's metrics, registered once per registry. */
export function reporterMetrics(registry: Registry): ReporterMetrics {
  const known = cached.get(registry);
  if (known) return known;
  const metrics: ReporterMetrics = {
    reports: new Counter({
      name: 'reporter_reports_total',
      help: 'Daily reports decided, by result (sent, skipped, failed) and reason (none, no-completed-returns, no-address, disconnected, too-late, refused, uncertain).',
      labelNames: ['result', 'reason'],
      registers: [registry],
    }),
    sendAttempts: new Counter({
      name: 'reporter_send_attempts_total',
      help: 'SMTP sends tried, by result (ok, transient: retried later, refused, uncertain).',
      labelNames: ['result'],
      registers: [registry],
    }),
    sendSeconds: new Histogram({
      name: 'reporter_send_duration_seconds',
      help: 'Time of one SMTP send, by result.',
      labelNames: ['result'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
    returnsProjected: new Counter({
      name: 'reporter_returns_projected_total',
      help: 'Return events read, by result (applied, stale: older than the state kept).',
      labelNames: ['result'],
      registers: [registry],
    }),
    parkedLanes: new Gauge({
      name: 'reporter_parked_lanes',
      help: 'Stores whose report waits for a retry (SMTP unavailable, another attempt in progress).',
      registers: [registry],
    }),
    retrierAttempts: new Counter({
      name: 'reporter_retrier_attempts_total',
      help: 'Retrier passes over a parked store, by result (drained, failed, not-due, busy).',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
  // Every result's series exists from the start: an alert's increase() misses the first report
  // of a series that appears with it.
  for (const result of ['sent', 'skipped', 'failed'])
    metrics.reports.inc({ result, reason: 'none' }, 0);
  cached.set(registry, metrics);
  return metrics;
}
