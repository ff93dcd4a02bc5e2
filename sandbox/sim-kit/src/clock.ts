/**
 * The simulators' notion of "now". Everything time-driven (import delays, payment delays, call
 * frequencies, journal timestamps) reads it, so a test can move time instead of waiting.
 */
export type SimClock = () => Date;

/** The wall clock. */
export const systemClock: SimClock = () => new Date();

/** A clock that only moves when told to. */
export interface ManualClock extends SimClock {
  /** Moves time forward by `ms`. */
  advance(ms: number): void;
  /** Jumps to `at` (backwards too, to test clock skew). */
  set(at: Date | number): void;
}

/** A {@link ManualClock} starting at `start` (default: the current wall-clock time). */
export function manualClock(start: Date | number = Date.now()): ManualClock {
  let nowMs = typeof start === 'number' ? start : start.getTime();
  const clock = (() => new Date(nowMs)) as ManualClock;
  clock.advance = (ms) => {
    nowMs += ms;
  };
  clock.set = (at) => {
    nowMs = typeof at === 'number' ? at : at.getTime();
  };
  return clock;
}
