import { z } from 'zod';
import { DEFAULT_MAP_CACHE_ENTRIES, DEFAULT_SEEN_DIGEST_ENTRIES, env } from '@msync/platform';

/** Kafka's default bounds for a member's session (`group.{min,max}.session.timeout.ms`). */
const SESSION_TIMEOUT_MS = z.coerce.number().int().min(6_000).max(1_800_000);

/** How long a killed poller can hold up others, unless the environment says otherwise. */
export const POLLER_DEFAULTS = {
  /** A pass may wait on the vendor's retry-after inside the handler; kafkajs heartbeats only
   * between messages, so the session must outlast the longest pass. */
  sessionTimeoutMs: 120_000,
  /** A process that died during a pass blocks its store and stream for at most this long. */
  leaseMs: 5 * 60_000,
  /** Catalog-sized pass phases a process runs at once (ADR 0094). */
  largePassesAtOnce: 2,
  /**
   * Stores of one poll-request partition whose requests a process handles at once (ADR 0117): 1
   * until the stall the orders crash test showed with 4 is understood.
   */
  keysAtOnce: 1,
  /** Seen-set entries of catalog streams kept in memory between passes (ADR 0108). */
  mapCacheEntries: DEFAULT_MAP_CACHE_ENTRIES,
  /** Catalog seen-set entries whose digest a process keeps (ADR 0178). */
  seenDigestEntries: DEFAULT_SEEN_DIGEST_ENTRIES,
} as const;

/** Environment variables every poller reads for its frame (both have defaults). */
export const pollerFrameEnv = z.object({
  /**
   * The poll-request consumer's session: a member that stops heartbeating (a killed process)
   * keeps its partitions this long before the group hands them to another one.
   */
  CONSUMER_SESSION_TIMEOUT_MS: SESSION_TIMEOUT_MS.default(POLLER_DEFAULTS.sessionTimeoutMs),
  /** Lease of a store and stream during a pass, renewed while it runs (ADR 0043). */
  POLL_LEASE_MS: env.durationMs(POLLER_DEFAULTS.leaseMs),
  /**
   * How many passes of a process may hold a whole catalog (an OF54 file, an account's inventory)
   * in memory at once; the others wait for a slot (ADR 0094). Memory grows with it.
   */
  LARGE_PASSES_AT_ONCE: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(POLLER_DEFAULTS.largePassesAtOnce),
  /**
   * How many stores of one poll-request partition a process handles at once, each store's
   * requests in order (ADR 0117). 1 (default): a partition's requests one after the other. Above
   * 1 is experimental: see ADR 0117 before raising it. Memory: a pass holds its read before it
   * takes a large-pass slot.
   */
  POLL_KEYS_AT_ONCE: z.coerce.number().int().min(1).max(64).default(POLLER_DEFAULTS.keysAtOnce),
  /**
   * Seen-set entries of catalog streams (a store's offers) kept in memory between passes, so that
   * a pass reads only what was written since (ADR 0108); about 300 bytes each. 0: none.
   */
  MAP_CACHE_ENTRIES: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000_000)
    .default(POLLER_DEFAULTS.mapCacheEntries),
  /**
   * Catalog seen-set entries whose digest (16 bytes each) a process keeps, so that a pass tells
   * offers that did not change without reading the store's seen-set (ADR 0178). 0: none.
   */
  SEEN_DIGEST_ENTRIES: z.coerce
    .number()
    .int()
    .min(0)
    .max(100_000_000)
    .default(POLLER_DEFAULTS.seenDigestEntries),
});
