import { createServer } from 'node:http';
import { connectMongo, runService } from '@msync/platform';
import { startEventBackbone } from '@msync/events';
import { SERVICE, configSchema } from './config.js';
import { createConfigApi } from './service.js';

// Composition root: read config, build adapters, start, register shutdown. Nothing else.
await runService({
  name: SERVICE,
  env: configSchema,
  async start({ config, logger, metrics, lifecycle }) {
    const backbone = await startEventBackbone({
      service: SERVICE,
      config,
      logger,
      metrics,
      lifecycle,
    });
    const mongo = await connectMongo(config.MONGO_URL, {
      dbName: config.MONGO_DB,
      appName: SERVICE,
      metrics,
      logger,
    });
    lifecycle.onShutdown('mongo', () => mongo.close());
    const api = await createConfigApi({
      db: mongo.db,
      publisher: backbone.publisher,
      logger,
      encryptionKeys: config.ENCRYPTION_KEYS,
      adminBootstrapToken: config.ADMIN_BOOTSTRAP_TOKEN,
      urlPolicy: {
        allowedHosts: config.MIRAKL_ALLOWED_HOSTS,
        trustedOrigins: config.MIRAKL_TRUSTED_ORIGINS,
      },
      shipbobBaseUrl: config.SHIPBOB_BASE_URL,
      relayIntervalMs: config.RELAY_INTERVAL_MS,
      publicWebhookBaseUrl: config.PUBLIC_WEBHOOK_BASE_URL ?? null,
      reporterUrl: config.REPORTER_URL ?? null,
      applierUrl: config.APPLIER_URL ?? null,
      webhookCheckIntervalMs: config.WEBHOOK_CHECK_INTERVAL_MS,
      metrics,
      events: { kafka: backbone.kafka, codec: backbone.codec, namespace: backbone.namespace },
      activityRetentionMs: config.ACTIVITY_RETENTION_DAYS * 24 * 60 * 60 * 1000,
      activityPruneIntervalMs: config.ACTIVITY_PRUNE_INTERVAL_MS,
      activityMaxUnfinishedPerPartition: config.ACTIVITY_MAX_UNFINISHED_PER_PARTITION,
    });
    api.relay.start();
    lifecycle.onShutdown('relay', () => api.relay.stop());
    api.webhooks.start();
    lifecycle.onShutdown('webhook-subscriptions', () => api.webhooks.stop());
    await api.activityFeed.start();
    lifecycle.onShutdown('activity', () => api.activityFeed.stop());
    const server = createServer(api.app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.HTTP_PORT, config.HTTP_HOST, resolve);
    });
    lifecycle.onShutdown(
      'http',
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    );
    const address = server.address();
    logger.info('http listening', { port: typeof address === 'object' ? address?.port : address });
    return { checks: [...backbone.checks, { name: 'mongo', check: mongo.ping }] };
  },
});
