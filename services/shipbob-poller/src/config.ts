import { z } from 'zod';
import { eventBackboneEnv } from '@msync/events';
import { pollerFrameEnv } from '@msync/polling';
import { env, mongoEnv } from '@msync/platform';
import { encryptionKeysSetting } from '@msync/stores';

export const SERVICE = 'shipbob-poller';

/** Environment variables of shipbob-poller (besides LOG_LEVEL, OPS_PORT, OPS_HOST, SHUTDOWN_TIMEOUT_MS). */
export const configSchema = eventBackboneEnv
  .extend(mongoEnv.shape)
  .extend(pollerFrameEnv.shape)
  .extend({
    /** Opens the stores' ShipBob PATs (the same key ring as config-api). */
    ENCRYPTION_KEYS: encryptionKeysSetting,
    SHIPBOB_BASE_URL: z.url().default('https://api.shipbob.com'),
    /** Subtracted from the cursor on every read: ShipBob's list lags writes by seconds. */
    UPDATE_OVERLAP_MS: env.durationMs(5 * 60_000),
    /** How far back the first shipments pass of a store reads. */
    INITIAL_LOOKBACK_MS: env.durationMs(7 * 24 * 3600_000),
    /** Seen orders not changed for this long are forgotten. */
    SEEN_RETENTION_MS: env.durationMs(45 * 24 * 3600_000),
  });

export type Config = z.infer<typeof configSchema>;
