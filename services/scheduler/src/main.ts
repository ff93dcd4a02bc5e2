import { runService } from '@msync/platform';
import { startServiceDependencies } from '@msync/events';
import { SERVICE, configSchema } from './config.js';
import { createScheduler } from './service.js';

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
    const scheduler = await createScheduler({
      db: mongo!.db,
      kafka: backbone.kafka,
      codec: backbone.codec,
      publisher: backbone.publisher,
      namespace: backbone.namespace,
      logger,
      metrics,
      processEveryMs: config.SCHEDULER_PROCESS_EVERY_MS,
    });
    // Registered after the producer and Mongo, so it stops before them.
    lifecycle.onShutdown('scheduler', () => scheduler.stop());
    await scheduler.start();
    return { checks, opsRoutes: scheduler.opsRoutes };
  },
});
