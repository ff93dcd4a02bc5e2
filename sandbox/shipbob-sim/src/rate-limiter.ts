/** ShipBob's limit: a sliding window of requests per token (150 per minute by default). */
export interface RateLimitOptions {
  limit: number;
  windowMs: number;
}

export type RateDecision =
  { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/** Sliding-window log per token, the way ShipBob counts (per user and application). */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly options: RateLimitOptions) {}

  check(token: string, now: number): RateDecision {
    const since = now - this.options.windowMs;
    const log = (this.hits.get(token) ?? []).filter((t) => t > since);
    this.hits.set(token, log);
    if (log.length >= this.options.limit) {
      const waitMs = log[0]! + this.options.windowMs - now;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    log.push(now);
    return { allowed: true, remaining: this.options.limit - log.length };
  }

  reset(): void {
    this.hits.clear();
  }
}
