import { z } from 'zod';
import { eventBackboneEnv } from '@msync/events';
import { pollerFrameEnv } from '@msync/polling';
import { env, mongoEnv } from '@msync/platform';
import { encryptionKeysSetting } from '@msync/stores';
import { DEFAULT_RESYNC_LOOKBACK_MS } from './domain/resync-facts.js';
import { DEFAULT_LEVELS_PER_FACT } from './domain/inventory-facts.js';
import { DEFAULT_INVENTORY_FLAGS_MAX_AGE_MS, DEFAULT_READ_DEFERRAL } from './inventory-pass.js';
import { DEFAULT_RETURNS_LOOKBACK_MS } from './returns-pass.js';
import { DEFAULT_LEVEL_PRINTS_ENTRIES } from './adapters/level-prints-cache.js';

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
    /** How far back a resync (store reconnected, Tracking switched back on) re-reads labels. */
    RESYNC_LOOKBACK_MS: env.durationMs(DEFAULT_RESYNC_LOOKBACK_MS),
    /**
     * Open and canceled returns created longer ago than this are not read any more (ShipBob's
     * return list has no "updated since" filter; ADR 0079). Completed ones are read by date.
     */
    RETURNS_LOOKBACK_MS: env.durationMs(DEFAULT_RETURNS_LOOKBACK_MS),
    /**
     * A read of a ShipBob account's inventory that began this long before a store's request
     * serves it: stores on one account share one read per cycle (ADR 0075).
     */
    INVENTORY_SHARE_WINDOW_MS: env.durationMs(5 * 60_000),
    /**
     * An inventory read takes the items' active and digital flags from the last read that read
     * ShipBob's catalog for this long, and reads only the levels (half the calls); a new item
     * reads the catalog at once, a resync always (ADR 0109). 0: every read reads the catalog.
     */
    INVENTORY_FLAGS_MAX_AGE_MS: env.durationMs(DEFAULT_INVENTORY_FLAGS_MAX_AGE_MS),
    /**
     * A store's inventory read waits while the sync-applier has more than this many of the facts
     * up to the store's last ones still to apply (its group's committed offsets): reading again
     * would spend the account's ShipBob budget on levels that queue behind them (ADR 0154). 0:
     * never waits.
     */
    INVENTORY_DEFER_BEHIND: z.coerce
      .number()
      .int()
      .min(0)
      .default(DEFAULT_READ_DEFERRAL.behindLimit),
    /** A read waits no longer than this after the store's last facts were published (ADR 0154). */
    INVENTORY_DEFER_MAX_MS: env.durationMs(DEFAULT_READ_DEFERRAL.maxDeferMs),
    /**
     * SKUs one `ShipBobInventoryObserved` carries at most (ADR 0166). 1 gives one fact per SKU,
     * for a sync-applier older than the fact's revision 4 during an upgrade.
     */
    INVENTORY_LEVELS_PER_FACT: z.coerce
      .number()
      .int()
      .min(1)
      .max(1_000)
      .default(DEFAULT_LEVELS_PER_FACT),
    /** The sync-applier's consumer group (default `<namespace>sync-applier`). */
    APPLIER_GROUP_ID: z.string().min(1).optional(),
    /**
     * SKUs whose levels, as the account's last save left them, are kept in memory in 29 bytes
     * each (about 29 MB at the default): an account's next read tells what changed without
     * reading its snapshot from the database (ADR 0146). 0: the snapshot is read every time.
     */
    LEVEL_PRINTS_ENTRIES: z.coerce.number().int().min(0).default(DEFAULT_LEVEL_PRINTS_ENTRIES),
    /** Seen orders not changed for this long are forgotten. */
    SEEN_RETENTION_MS: env.durationMs(45 * 24 * 3600_000),
    /**
     * Port of the ShipBob webhook receiver (ADR 0063); without it no receiver runs and the
     * service polls only. config-api's PUBLIC_WEBHOOK_BASE_URL must lead here.
     */
    WEBHOOK_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
    WEBHOOK_HOST: z.string().default('0.0.0.0'),
    /** Larger deliveries are refused (413): ShipBob's orders are a few kilobytes. */
    WEBHOOK_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1_024)
      .default(1024 * 1024),
    /** Handled `webhook-id`s are remembered this long (ShipBob retries for about a day). */
    WEBHOOK_RECEIPT_RETENTION_MS: env.durationMs(7 * 24 * 3600_000),
  });

export type Config = z.infer<typeof configSchema>;
