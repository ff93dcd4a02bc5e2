import { connectMongo, runService } from '@msync/platform';
import { startEventBackbone } from '@msync/events';
import { SERVICE, configSchema } from './config.js';

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
    });
    lifecycle.onShutdown('mongo', () => mongo.close());
    return { checks: [...backbone.checks, { name: 'mongo', check: mongo.ping }] };
  },
});
