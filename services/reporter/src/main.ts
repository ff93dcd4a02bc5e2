import { runService } from '@msync/platform';
import { startServiceDependencies } from '@msync/events';
import { SERVICE, configSchema } from './config.js';
import { createReporter } from './service.js';

// Composition root: read config, build adapters, start, register shutdown. Nothing else.
await runService({
  name: SERVICE,
  env: configSchema,
  async start(context) {
    const { config, logger, metrics, lifecycle } = context;
    const { backbone, mongo, checks } = await startServiceDependencies({
      service: SERVICE,
      ...context,
    });
    const reporter = await createReporter({
      kafka: backbone.kafka,
      codec: backbone.codec,
      publisher: backbone.publisher,
      namespace: backbone.namespace,
      db: mongo!.db,
      logger,
      metrics,
      smtp: { url: config.SMTP_URL, from: config.REPORT_FROM, timeoutMs: config.SMTP_TIMEOUT_MS },
      policy: {
        staleClaimMs: config.REPORT_CLAIM_STALE_MS,
        maxLateDays: config.REPORT_MAX_LATE_DAYS,
      },
      retrier: {
        intervalMs: config.RETRIER_INTERVAL_MS,
        maxDelayMs: config.RETRIER_MAX_BACKOFF_MS,
      },
      retention: {
        returnsDays: config.RETURNS_RETENTION_DAYS,
        reportsDays: config.REPORTS_RETENTION_DAYS,
      },
      testReportIntervalMs: config.REPORT_TEST_INTERVAL_MS,
    });
    // Registered after the producer and Mongo, so it stops before them.
    lifecycle.onShutdown('reporter', () => reporter.stop());
    await reporter.start();
    return { checks, opsRoutes: reporter.opsRoutes };
  },
});
