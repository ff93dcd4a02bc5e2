import { runService } from '@msync/platform';
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
    return { checks: backbone.checks };
  },
});
