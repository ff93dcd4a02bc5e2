import { RateLimitedError, sleep as defaultSleep } from '@msync/platform';

/** Operations with a documented maximum call frequency per store. */
export type LimitedOperation =
  'OR11' | 'STO01' | 'OF01' | 'OF24' | 'OF52' | 'STO02' | 'STO03' | 'OF02' | 'OF03' | 'OF53';

/** Mirakl's documented maximum frequencies, as minimum milliseconds between two calls. */
export const DOCUMENTED_MIN_INTERVAL_MS: Readonly<Record<LimitedOperation, number>> = {
  OR11: 60_000,
  STO01: 60_000,
  OF01: 60_000,
  OF24: 60_000,
  OF52: 60_000,
  STO02: 15_000,
  STO03: 60_000,
  OF02: 60_000,
  OF03: 60_000,
  OF53: 10_000,
};

export interface CallLimiterOptions {
  /** Overrides per operation (tests and the simulator run faster cycles). */
  minIntervalMs?: Partial<Record<LimitedOperation, number>>;
  /** Longest wait for a slot; beyond it the call fails fast with a rate-limited error. */
  maxWaitMs?: number;
  /** Longest wait for these operations' slots, instead of `maxWaitMs`. */
  maxWaitMsOf?: Partial<Record<LimitedOperation, number>>;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Keeps one store's calls within Mirakl's documented frequencies. Slots are reserved in call
 * order, so concurrent callers queue instead of bursting.
 */
export class CallLimiter {
  private readonly nextSlot = new Map<LimitedOperation, number>();
  private readonly intervals: Record<LimitedOperation, number>;
  private readonly maxWaitMs: Record<LimitedOperation, number>;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: CallLimiterOptions = {}) {
    this.intervals = { ...DOCUMENTED_MIN_INTERVAL_MS, ...options.minIntervalMs };
    const maxWaitMs = options.maxWaitMs ?? 90_000;
    this.maxWaitMs = Object.fromEntries(
      Object.keys(this.intervals).map((op) => [
        op,
        options.maxWaitMsOf?.[op as LimitedOperation] ?? maxWaitMs,
      ]),
    ) as Record<LimitedOperation, number>;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Waits for the operation's next slot and takes it. */
  async acquire(operation: string, signal?: AbortSignal): Promise<void> {
    if (!(operation in this.intervals)) return;
    const op = operation as LimitedOperation;
    const now = this.now();
    const slot = Math.max(now, this.nextSlot.get(op) ?? 0);
    const wait = slot - now;
    if (wait > this.maxWaitMs[op]) {
      throw new RateLimitedError(
        `${op} may be called at most every ${this.intervals[op]} ms per store`,
        wait,
        {
          reason: 'call-frequency',
        },
      );
    }
    this.nextSlot.set(op, slot + this.intervals[op]);
    if (wait > 0) await this.sleep(wait, signal);
  }

  /** How long until the operation's next slot is free (0: a call may go now). */
  waitMs(operation: string): number {
    if (!(operation in this.intervals)) return 0;
    return Math.max(0, (this.nextSlot.get(operation as LimitedOperation) ?? 0) - this.now());
  }

  /**
   * Spaces the next call from this call's answer, not only from its slot: Mirakl counts the calls
   * it receives, and a call that reached it late must not let the next one arrive too soon (the
   * shared gate does the same, ADR 0086).
   */
  settled(operation: string): void {
    if (!(operation in this.intervals)) return;
    const op = operation as LimitedOperation;
    this.nextSlot.set(op, Math.max(this.nextSlot.get(op) ?? 0, this.now() + this.intervals[op]));
  }

  /** Pushes the next slot back after the server said how long to wait (429 `Retry-After`). */
  backOff(operation: string, retryAfterMs: number): void {
    if (!(operation in this.intervals)) return;
    const op = operation as LimitedOperation;
    this.nextSlot.set(op, Math.max(this.nextSlot.get(op) ?? 0, this.now() + retryAfterMs));
  }
}
