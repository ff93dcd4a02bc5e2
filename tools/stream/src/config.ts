import { z } from 'zod';
import { eventBackboneEnv } from '@msync/events';
import { env } from '@msync/platform';
import { DEFAULT_RETURNS_LOOKBACK_MS } from '@msync/shipbob-poller/reads';
import { encryptionKeysSetting } from '@msync/stores';

/** The CLI's environment: the services' settings it shares (ConfigMap msync-config in a cluster). */
export const configSchema = eventBackboneEnv.extend({
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('error'),
  MONGO_URL: z.string().optional(),
  MONGO_DB: z.string().default('msync'),
  ENCRYPTION_KEYS: encryptionKeysSetting.optional(),
  /** Origins of Mirakl stores allowed on private addresses (simulators), as for the services. */
  MIRAKL_TRUSTED_ORIGINS: z
    .string()
    .default('')
    .transform((s) => s.split(',').filter((p) => p.trim()))
    .pipe(z.array(z.url().transform((u) => new URL(u).hostname))),
  SHIPBOB_BASE_URL: z.string().optional(),
  /** As mirakl-poller's: the wait between two status reads of an offer export. */
  OF53_POLL_INTERVAL_MS: env.durationMs(10_000),
  /** As shipbob-poller's: older open and canceled returns are not read. */
  RETURNS_LOOKBACK_MS: env.durationMs(DEFAULT_RETURNS_LOOKBACK_MS),
});
