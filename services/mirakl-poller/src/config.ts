import { z } from 'zod';
import { eventBackboneEnv } from '@msync/events';
import { pollerFrameEnv } from '@msync/polling';
import { env, mongoEnv } from '@msync/platform';
import { encryptionKeysSetting } from '@msync/stores';
import { DEFAULT_OFFERS_PER_FACT } from './domain/offer-facts.js';

export const SERVICE = 'mirakl-poller';

/** Environment variables of mirakl-poller (besides LOG_LEVEL, OPS_PORT, OPS_HOST, SHUTDOWN_TIMEOUT_MS). */
export const configSchema = eventBackboneEnv
  .extend(mongoEnv.shape)
  .extend(pollerFrameEnv.shape)
  .extend({
    /** Opens the stores' Mirakl API keys (the same key ring as config-api). */
    ENCRYPTION_KEYS: encryptionKeysSetting,
    /** Minimum interval between two OR11 calls on one shop, product-wide (Mirakl: once a minute). */
    OR11_MIN_INTERVAL_MS: env.durationMs(60_000),
    /** Minimum interval between two OF52 offer exports of one shop, product-wide (Mirakl: once a minute). */
    OF52_MIN_INTERVAL_MS: env.durationMs(60_000),
    /** A full offer export at most this often per store (Mirakl: once a day); differentials between. */
    OFFERS_FULL_EVERY_MS: env.durationMs(24 * 3600_000),
    /**
     * Offers one `MiraklOfferObserved` carries at most (ADR 0168). 1 gives one fact per offer, for
     * a sync-applier older than the fact's revision 2 during an upgrade.
     */
    OFFERS_PER_FACT: z.coerce.number().int().min(1).max(1_000).default(DEFAULT_OFFERS_PER_FACT),
    /** Wait between two OF53 status reads of an offer export (Mirakl: at most every 10 s). */
    OF53_POLL_INTERVAL_MS: env.durationMs(10_000),
    /** How far back the first orders pass of a store reads. */
    INITIAL_LOOKBACK_MS: env.durationMs(7 * 24 * 3600_000),
    /** Seen orders not changed for this long are forgotten. */
    SEEN_RETENTION_MS: env.durationMs(45 * 24 * 3600_000),
    /** Host names allowed to resolve to private addresses (simulators, local runs). */
    MIRAKL_TRUSTED_HOSTS: z
      .string()
      .default('')
      .transform((s) =>
        s
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      ),
  });

export type Config = z.infer<typeof configSchema>;
