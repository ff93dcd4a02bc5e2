import { createPassLimit, runService } from '@msync/platform';
import { startServiceDependencies } from '@msync/events';
import { SERVICE, configSchema } from './config.js';
import { createSyncApplier } from './service.js';

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
    const applier = await createSyncApplier({
      kafka: backbone.kafka,
      codec: backbone.codec,
      publisher: backbone.publisher,
      namespace: backbone.namespace,
      db: mongo!.db,
      encryptionKeys: config.ENCRYPTION_KEYS,
      logger,
      metrics,
      vendors: {
        miraklTrustedHosts: config.MIRAKL_TRUSTED_ORIGINS,
        miraklTimeoutMs: config.MIRAKL_TIMEOUT_MS,
        miraklRetries: config.MIRAKL_RETRIES,
        miraklImportFirstPollDelayMs: config.MIRAKL_IMPORT_FIRST_POLL_DELAY_MS,
        miraklImportPollIntervalMs: config.MIRAKL_IMPORT_POLL_INTERVAL_MS,
        miraklStockImportIntervalMs: config.MIRAKL_STOCK_IMPORT_MIN_INTERVAL_MS,
        miraklStockImportMaxWaitMs: config.MIRAKL_STOCK_IMPORT_MAX_WAIT_MS,
        or11IntervalMs: config.OR11_MIN_INTERVAL_MS,
        shipbobBaseUrl: config.SHIPBOB_BASE_URL,
        shipbobTimeoutMs: config.SHIPBOB_TIMEOUT_MS,
        shipbobRetries: config.SHIPBOB_RETRIES,
        shipbobPrefetchBudgetWaitMs: config.SHIPBOB_PREFETCH_BUDGET_WAIT_MS,
      },
      retrier: {
        intervalMs: config.RETRIER_INTERVAL_MS,
        maxDelayMs: config.RETRIER_MAX_BACKOFF_MS,
        leaseMs: config.RETRIER_LEASE_MS,
        lanesConcurrently: config.RETRIER_LANES_CONCURRENTLY,
      },
      liveDeadlineMs: config.LIVE_DEADLINE_MS,
      importLiveDeadlineMs: config.IMPORT_LIVE_DEADLINE_MS,
      waitingRetryMs: config.WAITING_RETRY_MS,
      sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
      partitionsConcurrently: config.FACT_PARTITIONS_CONCURRENTLY,
      keysConcurrently: config.FACT_KEYS_CONCURRENTLY,
      maxUnfinishedPerPartition: config.FACT_MAX_UNFINISHED_PER_PARTITION,
      maxUnfinished: config.FACT_MAX_UNFINISHED,
      fetchMaxBytes: config.FACT_FETCH_MAX_BYTES,
      commit: { intervalMs: config.FACT_COMMIT_INTERVAL_MS },
      effectsRetentionMs: config.EFFECTS_RETENTION_MS,
      mapCacheEntries: config.MAP_CACHE_ENTRIES,
      cycleEnds: createPassLimit(config.CYCLE_ENDS_AT_ONCE),
      stockIndexEntries: config.STOCK_INDEX_ENTRIES,
      stockAfterOffers: {
        quietMs: config.OFFERS_STOCK_QUIET_MS,
        minIntervalMs: config.OFFERS_STOCK_MIN_INTERVAL_MS,
        holdMs: config.OFFERS_STOCK_HOLD_MS,
      },
    });
    // Registered after the producer and Mongo, so it stops before them.
    lifecycle.onShutdown('sync-applier', () => applier.stop());
    await applier.start();
    return { checks, opsRoutes: applier.opsRoutes };
  },
});
