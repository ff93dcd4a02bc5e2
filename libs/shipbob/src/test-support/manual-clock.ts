import type { LimiterClock } from '../limiter.js';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when the test moves it; timers run in due order. */
export class ManualClock implements LimiterClock {
  private time: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.push(timer);
    return () => {
      this.pending = this.pending.filter((t) => t !== timer);
    };
  }

  /** Number of timers not yet run. */
  get timers(): number {
    return this.pending.length;
  }

  /**
   * Moves the clock forward by `ms`, running every timer that falls due on the way and letting
   * the work each one starts settle before the next (as real time would).
   */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (let next = this.nextDue(); next && next.at <= target; next = this.nextDue()) {
      this.time = next.at;
      this.pending = this.pending.filter((t) => t !== next);
      next.fn();
      await settle();
    }
    this.time = target;
  }

  /** Moves the clock to the earliest pending timer and runs it; false when there is none. */
  async runNextTimer(): Promise<boolean> {
    const next = this.nextDue();
    if (!next) return false;
    await this.advance(next.at - this.time);
    return true;
  }

  private nextDue(): Pending | undefined {
    return this.pending.reduce<Pending | undefined>(
      (earliest, t) =>
        !earliest || t.at < earliest.at || (t.at === earliest.at && t.seq < earliest.seq)
          ? t
          : earliest,
      undefined,
    );
  }
}

/** Lets every promise callback and I/O callback that is already due run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
