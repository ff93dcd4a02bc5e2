import { runPoller } from '@msync/polling';
import { SERVICE, configSchema } from './config.js';
import { createMiraklPoller } from './service.js';

// Composition root: read config, build adapters, start, register shutdown. Nothing else.
await runPoller({
  name: SERVICE,
  env: configSchema,
  create: (wiring, config) =>
    createMiraklPoller({
      ...wiring,
      or11IntervalMs: config.OR11_MIN_INTERVAL_MS,
      of52IntervalMs: config.OF52_MIN_INTERVAL_MS,
      offersFullEveryMs: config.OFFERS_FULL_EVERY_MS,
      offersPerFact: config.OFFERS_PER_FACT,
      exportPollIntervalMs: config.OF53_POLL_INTERVAL_MS,
      initialLookbackMs: config.INITIAL_LOOKBACK_MS,
      seenRetentionMs: config.SEEN_RETENTION_MS,
      trustedHosts: config.MIRAKL_TRUSTED_HOSTS,
    }),
});
