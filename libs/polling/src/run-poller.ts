import type { z } from 'zod';
import { startServiceDependencies, type eventBackboneEnv } from '@msync/events';
import { runService, type baseServiceEnv, type mongoEnv } from '@msync/platform';
import { createSecretBox, createStoreCredentials, type encryptionKeysSetting } from '@msync/stores';
import type { pollerFrameEnv } from './env.js';
import type { Poller, PollerWiring } from './poller.js';

/** The settings every poller's environment schema must have. */
type PollerEnv = z.infer<typeof eventBackboneEnv> &
  z.infer<typeof mongoEnv> &
  z.infer<typeof pollerFrameEnv> & { ENCRYPTION_KEYS: z.infer<typeof encryptionKeysSetting> };

export interface PollerServiceDefinition<S extends z.ZodObject> {
  name: string;
  /** The poller's env schema; it has the backbone's, Mongo's, the frame's and `ENCRYPTION_KEYS`. */
  env: S;
  /** Builds the poller from the shared wiring and the poller's own settings. */
  create(wiring: PollerWiring, config: z.infer<S> & z.infer<typeof baseServiceEnv>): Poller;
}

/**
 * A poller's whole `main`: the service frame, Kafka and MongoDB, the store credentials port
 * (config-api's key ring), then the poller, stopped at shutdown before its dependencies.
 */
export async function runPoller<S extends z.ZodObject & z.ZodType<PollerEnv>>(
  definition: PollerServiceDefinition<S>,
): Promise<void> {
  await runService({
    name: definition.name,
    env: definition.env,
    async start(context) {
      const { config, logger, metrics, lifecycle } = context;
      const { backbone, mongo, checks } = await startServiceDependencies({
        service: definition.name,
        ...context,
      });
      if (!mongo) throw new Error('MONGO_URL is required');
      const poller = definition.create(
        {
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
          sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
          leaseMs: config.POLL_LEASE_MS,
          largePassesAtOnce: config.LARGE_PASSES_AT_ONCE,
          mapCacheEntries: config.MAP_CACHE_ENTRIES,
          seenDigestEntries: config.SEEN_DIGEST_ENTRIES,
          keysAtOnce: config.POLL_KEYS_AT_ONCE,
        },
        config,
      );
      await poller.start();
      lifecycle.onShutdown('poll-consumer', () => poller.stop());
      return { checks };
    },
  });
}
