/** When a store whose offers were written asks for its inventory cycle to end again (ADR 0155). */
export interface CloseRequestTiming {
  /** No offer of the store written for this long: its offers run is over. */
  quietMs: number;
  /** Requests of one store at least this far apart, however its offers trickle in. */
  minIntervalMs: number;
  /**
   * While the store's last published offers are not all applied, its cycle ends are left to the
   * request that follows them, and that request waits for them: for at most this long after
   * their publish (ADR 0180; 0: never).
   */
  holdMs: number;
}

export const DEFAULT_CLOSE_REQUEST_TIMING: CloseRequestTiming = {
  quietMs: 5_000,
  minIntervalMs: 60_000,
  holdMs: 300_000,
};

/**
 * When the store asks (epoch ms): once no offer of it was written for `quietMs` after the last
 * one (`lastWrittenAt`), and not sooner than `minIntervalMs` after its last request
 * (`lastAskedAt`, null: none yet). A store whose offers keep coming asks once a `minIntervalMs`,
 * and once more after the last of them.
 */
export function closeRequestAt(
  lastWrittenAt: number,
  lastAskedAt: number | null,
  timing: CloseRequestTiming,
): number {
  const quiet = lastWrittenAt + timing.quietMs;
  return lastAskedAt === null ? quiet : Math.max(quiet, lastAskedAt + timing.minIntervalMs);
}

/**
 * Whether a store's offers hold its cycle ends and its request (ADR 0180): the mirakl-poller's
 * last offers of the store (`last`: how many facts up to them the applier's group has not
 * committed, and when they were published; null: none recorded) are not all applied, and were
 * published less than `holdMs` ago — an applier that far behind has its cycle ends decided as
 * they come.
 */
export function offersHold(
  last: { behind: number; publishedAt: number } | null,
  now: number,
  timing: Pick<CloseRequestTiming, 'holdMs'>,
): boolean {
  return last !== null && last.behind > 0 && now - last.publishedAt < timing.holdMs;
}
