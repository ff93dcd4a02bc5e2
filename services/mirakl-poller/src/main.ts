import { runService } from '@msync/platform';
import { startServiceDependencies } from '@msync/events';
import { createSecretBox, createStoreCredentials } from '@msync/stores';
import { SERVICE, configSchema } from './config.js';
import { createMiraklPoller } from './service.js';

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
    if (!mongo) throw new Error('MONGO_URL is required');
    const poller = createMiraklPoller({
      kafka: backbone.kafka,
      codec: backbone.codec,
      publisher: backbone.publisher,
      namespace: backbone.namespace,
      db: mongo.db,
      credentials: createStoreCredentials({
        db: mongo.db,
        secretBox: createSecretBox(config.ENCRYPTION_KEYS),
      }),
      logger,
      metrics,
      or11IntervalMs: config.OR11_MIN_INTERVAL_MS,
      initialLookbackMs: config.INITIAL_LOOKBACK_MS,
      seenRetentionMs: config.SEEN_RETENTION_MS,
      trustedHosts: config.MIRAKL_TRUSTED_HOSTS,
    });
    await poller.start();
    lifecycle.onShutdown('poll-consumer', () => poller.stop());
    return { checks };
  },
});
