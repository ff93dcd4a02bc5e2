/** A limit's verdict on one call. */
export type LimitDecision =
  { allowed: true; remaining?: number } | { allowed: false; retryAfterSeconds: number };

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * Minimum time between two calls of one operation by one caller (Mirakl's "call frequency").
 * Operations without an interval are not limited; intervals can change at run time.
 */
export class MinIntervalLimiter<Op extends string> {
  private intervals: Partial<Record<Op, number>>;
  private readonly lastCall = new Map<string, number>();

  constructor(intervals: Partial<Record<Op, number>> = {}) {
    this.intervals = { ...intervals };
  }

  /** Replaces the intervals (ms per operation); `{}` switches the limit off. */
  setIntervals(intervals: Partial<Record<Op, number>>): void {
    this.intervals = { ...intervals };
  }

  currentIntervals(): Partial<Record<Op, number>> {
    return { ...this.intervals };
  }

  /** Records the call when allowed. */
  check(caller: string, operation: Op, nowMs: number): LimitDecision {
    const interval = this.intervals[operation];
    if (interval === undefined || interval <= 0) return { allowed: true };
    const key = `${caller}\u0000${operation}`;
    const last = this.lastCall.get(key);
    if (last !== undefined && nowMs - last < interval) {
      return { allowed: false, retryAfterSeconds: seconds(interval - (nowMs - last)) };
    }
    this.lastCall.set(key, nowMs);
    return { allowed: true };
  }

  /** Forgets past calls (keeps the intervals). */
  reset(): void {
    this.lastCall.clear();
  }
}

/** At most `limit` calls per caller in any `windowMs` (ShipBob's per-token budget). */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly options: { limit: number; windowMs: number }) {}

  /** Records the call when allowed; `remaining` is what is left in the window after it. */
  check(caller: string, nowMs: number): LimitDecision {
    const since = nowMs - this.options.windowMs;
    const log = (this.hits.get(caller) ?? []).filter((t) => t > since);
    this.hits.set(caller, log);
    const oldest = log[0];
    if (log.length >= this.options.limit && oldest !== undefined) {
      return { allowed: false, retryAfterSeconds: seconds(oldest + this.options.windowMs - nowMs) };
    }
    log.push(nowMs);
    return { allowed: true, remaining: this.options.limit - log.length };
  }

  reset(): void {
    this.hits.clear();
  }
}
