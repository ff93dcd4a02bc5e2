import { Problem } from './domain/problem.js';

export const DEFAULT_VERIFICATION_DEADLINE_MS = 10_000;

/**
 * One time budget for the vendor calls of one request. The clients retry and time out per
 * attempt (two 10 s attempts make 20 s); the seller waits for the whole, so the whole is capped.
 * A call still running at the deadline is abandoned: its answer is ignored, nothing is saved.
 */
export class VerificationBudget {
  private readonly endsAt: number;

  constructor(
    private readonly ms: number,
    private readonly now: () => number = Date.now,
  ) {
    this.endsAt = now() + ms;
  }

  /** Runs `call` within what is left of the budget; 503 naming the vendor and the limit after it. */
  async run<T>(vendor: 'Mirakl' | 'ShipBob', call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(this.expired(vendor)), Math.max(0, this.endsAt - this.now()));
    });
    try {
      return await Promise.race([call(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private expired(vendor: string): Problem {
    return new Problem(
      503,
      'vendor-unavailable',
      'A vendor API could not be reached; try again',
      `${vendor} did not answer within ${this.ms / 1000} s, the limit for verifying credentials; nothing was saved. Try again in a minute.`,
    );
  }
}
