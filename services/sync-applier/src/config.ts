import { z } from 'zod';
import { eventBackboneEnv } from '@msync/events';
import { env, mongoEnv } from '@msync/platform';
import { DEFAULT_CYCLE_ENDS_AT_ONCE } from './inventory-flow.js';
import { DEFAULT_STOCK_INDEX_ENTRIES } from './adapters/stock-indexes.js';
import { DEFAULT_CLOSE_REQUEST_TIMING } from './domain/stock-after-offers.js';
import { DEFAULT_INVENTORY_MAP_CACHE_ENTRIES } from './adapters/inventory-state.js';
import { encryptionKeysSetting } from '@msync/stores';

export const SERVICE = 'sync-applier';

const DAY_MS = 24 * 3600_000;

/** Environment variables of sync-applier (besides LOG_LEVEL, OPS_PORT, OPS_HOST, SHUTDOWN_TIMEOUT_MS). */
export const configSchema = eventBackboneEnv.extend(mongoEnv.shape).extend({
  /** Opens the stores' Mirakl keys and ShipBob tokens; the same key ring as config-api (ADR 0041). */
  ENCRYPTION_KEYS: encryptionKeysSetting,
  /** Exact origins of Mirakl stores allowed on private addresses (simulators, local runs). */
  MIRAKL_TRUSTED_ORIGINS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url().transform((u) => new URL(u).hostname))),
  MIRAKL_TIMEOUT_MS: env.durationMs(15_000),
  /** Retries inside one attempt; after them the fact is parked and the retrier takes over. */
  MIRAKL_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /**
   * Wait between a stock import (STO01/OF01) and its first status read: a small import is seen
   * `COMPLETE` within the live deadline. The read still keeps STO02's (OF02's) interval from the
   * shop's previous one, product-wide (ADR 0095).
   */
  MIRAKL_IMPORT_FIRST_POLL_DELAY_MS: env.durationMs(1_500),
  /** Wait between two status reads of a stock import (STO02/OF02). */
  MIRAKL_IMPORT_POLL_INTERVAL_MS: env.durationMs(15_000),
  /** Least time between two stock imports (and error reports) of one store: Mirakl's once a minute. */
  MIRAKL_STOCK_IMPORT_MIN_INTERVAL_MS: env.durationMs(60_000),
  MIRAKL_STOCK_IMPORT_MAX_WAIT_MS: env.durationMs(20_000),
  /** Minimum interval between two OR11 calls on one shop, product-wide; the mirakl-poller's value. */
  OR11_MIN_INTERVAL_MS: env.durationMs(60_000),
  SHIPBOB_BASE_URL: z.url().default('https://api.shipbob.com'),
  SHIPBOB_TIMEOUT_MS: env.durationMs(15_000),
  SHIPBOB_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /**
   * How long each call of a fetched batch's product lookup (the account's product list, 50 SKUs
   * a page) may wait for the token's budget (ADR 0101); other calls wait at most 2 s and are
   * parked with the wait.
   */
  SHIPBOB_PREFETCH_BUDGET_WAIT_MS: env.durationMs(60_000),
  /**
   * Vendor calls of a fact read from Kafka must end within this; past it the fact is parked and
   * the retrier (no such limit) takes over. Bounds how long a hanging vendor holds a partition.
   */
  LIVE_DEADLINE_MS: env.durationMs(4_000),
  /**
   * The live deadline of a store's cycle end, which sends the store's stock import and follows
   * it (ADR 0101): an upload of thousands of lines takes seconds, and one abandoned in flight
   * leaves an import of unknown id that the next STO01 must wait a minute for. It holds only the
   * store's inventory lane (ADR 0100).
   */
  IMPORT_LIVE_DEADLINE_MS: env.durationMs(30_000),
  /** Pause between the retrier's passes over parked stores. */
  RETRIER_INTERVAL_MS: env.durationMs(1_000),
  /** A parked lane whose drainer went silent (killed) is taken over after this; renewed at a quarter. */
  RETRIER_LEASE_MS: env.durationMs(120_000),
  /**
   * Parked stores replayed at once by the retrier: one store's replay may wait on Mirakl for a
   * while (an import followed to its end), the others do not wait behind it.
   */
  RETRIER_LANES_CONCURRENTLY: z.coerce.number().int().min(1).max(128).default(16),
  /** Longest wait between two replays of a failing store (a Retry-After may ask for more). */
  RETRIER_MAX_BACKOFF_MS: env.durationMs(15 * 60_000),
  /** How long a fact waiting for a person (a SKU without a ShipBob product) waits between tries. */
  WAITING_RETRY_MS: env.durationMs(15 * 60_000),
  /**
   * Session of the applier's consumers (Kafka's bounds): a killed process keeps the facts'
   * partitions this long before the group hands them on.
   */
  /**
   * Fact partitions handled at once by one replica. A store's facts stay in order (one partition
   * is one batch at a time); the work waits on vendors and the database, not on CPU, so a replica
   * handles every partition it is assigned at once rather than a few.
   */
  FACT_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(128).default(24),
  /**
   * Stores of one fact partition handled at once (ADR 0092): a partition carries many stores,
   * and one store's fact waits on the database and the vendors; each store's facts stay in
   * order, and commits never pass the oldest unfinished fact. 1 handles a partition one fact
   * after the other.
   */
  FACT_KEYS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(8),
  /**
   * How often the facts consumer commits (ADR 0017), and so how often the offers outcomes kept
   * for the commit are published and the catalog view written (ADR 0097). Longer: a store's view
   * document is rewritten less often while its catalog flows (offer facts 80 → 275 a second at
   * 5 s in the catalog benchmark); a crash delivers that much more of the facts again.
   */
  FACT_COMMIT_INTERVAL_MS: env.durationMs(1_000),
  /**
   * Facts of one partition fetched and not yet handled at which its fetching pauses until half
   * are handled (ADR 0098): the applier's memory is about this many decoded facts per partition.
   * 1,000 since ADR 0122: at 5,000 the applier ran out of a 128 MB heap at 10 stores × 10,000
   * SKUs; the catalog benchmark's runs with 1,000 were no slower.
   */
  FACT_MAX_UNFINISHED_PER_PARTITION: z.coerce.number().int().min(100).max(100_000).default(1_000),
  /**
   * Facts fetched and not yet handled across all fact partitions at which every partition's
   * fetching pauses until half are handled (ADR 0132): the decoded facts the applier holds, about
   * 1.7 KB each. Many busy partitions, each under its own limit, held 14,000 at once (24 MB).
   */
  FACT_MAX_UNFINISHED: z.coerce.number().int().min(100).max(1_000_000).default(3_000),
  /**
   * Bytes one fetch of facts asks Kafka for at most (kafkajs' default: 10 MiB). The client holds a
   * response whole and a copy while it assembles it; 2 MiB is more facts than the applier holds
   * at once (ADR 0132).
   */
  FACT_FETCH_MAX_BYTES: z.coerce.number().int().min(65_536).max(104_857_600).default(2_097_152),
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(1_800_000).default(30_000),
  /** Done effects are kept this long; longer than the fact topics' retention (30 days) so a replay stays exactly-once. */
  EFFECTS_RETENTION_MS: env.durationMs(90 * DAY_MS),
  /**
   * Entries of the stores' inventory maps (a SKU's levels, offer and pushed quantity each, ADR
   * 0125) kept in memory between reads, so that a cycle reads only what changed since (ADR 0108);
   * about 200 bytes each. 0: none.
   */
  MAP_CACHE_ENTRIES: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000_000)
    .default(DEFAULT_INVENTORY_MAP_CACHE_ENTRIES),
  /**
   * Stores' cycle ends whose catalog-sized phases (the decision on the store's maps, the recording
   * of an import's results, a stock reconciliation) run at once; a phase of fewer than 10,000 SKUs
   * takes its share of a slot (ADR 0140, 0143). Peak memory grows with this, not with the stores.
   */
  CYCLE_ENDS_AT_ONCE: z.coerce.number().int().min(1).max(64).default(DEFAULT_CYCLE_ENDS_AT_ONCE),
  /**
   * SKUs of the stores' stock indexes (17 bytes each) kept between cycle ends, so that a cycle end
   * reads only what was written to the store's map since the last one (ADR 0147). 0: none (every
   * cycle end that may send something reads the store's map).
   */
  STOCK_INDEX_ENTRIES: z.coerce
    .number()
    .int()
    .min(0)
    .max(100_000_000)
    .default(DEFAULT_STOCK_INDEX_ENTRIES),
  /**
   * Once a store's offers were written and then quiet for this long, the applier asks for its
   * inventory cycle to end again with the last ShipBob read, so that new offers' stock reaches
   * Mirakl without waiting for the next scheduled read (ADR 0155).
   */
  OFFERS_STOCK_QUIET_MS: env.durationMs(DEFAULT_CLOSE_REQUEST_TIMING.quietMs),
  /** Such requests of one store at least this far apart (ADR 0155). */
  OFFERS_STOCK_MIN_INTERVAL_MS: env.durationMs(DEFAULT_CLOSE_REQUEST_TIMING.minIntervalMs),
  /**
   * While offers of a store published are not all applied, its cycle ends and the request after
   * its offers wait for them, at most this long after their publish; 0: never (ADR 0180).
   */
  OFFERS_STOCK_HOLD_MS: z.coerce.number().int().min(0).default(DEFAULT_CLOSE_REQUEST_TIMING.holdMs),
});

export type Config = z.infer<typeof configSchema>;
