import { runService } from '@msync/platform';
import { startServiceDependencies } from '@msync/events';
import { SERVICE, configSchema } from './config.js';

// Composition root: read config, build adapters, start, register shutdown. Nothing else.
await runService({
  name: SERVICE,
  env: configSchema,
  async start(context) {
    const { checks } = await startServiceDependencies({ service: SERVICE, ...context });
    return { checks };
  },
});
