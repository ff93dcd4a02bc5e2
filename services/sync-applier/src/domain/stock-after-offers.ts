/** When a store whose offers were written asks for its inventory cycle to end again (ADR 0155). */
export interface CloseRequestTiming {
  /** No offer of the store written for this long: its offers run is over. */
  quietMs: number;
  /** Requests of one store at least this far apart, however its offers trickle in. */
  minIntervalMs: number;
}

export const DEFAULT_CLOSE_REQUEST_TIMING: CloseRequestTiming = {
  quietMs: 5_000,
  minIntervalMs: 60_000,
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
