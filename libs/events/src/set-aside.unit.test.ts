import { describe, expect, it } from '@jest/globals';
import { RateLimitedError, RetriableError } from '@msync/platform';
import { nextAttemptAfter } from './set-aside.js';

const now = new Date('2026-12-02T09:00:00.000Z');
const retry = { initialDelayMs: 1_000, maxDelayMs: 15 * 60_000 };
const waitOf = (error: unknown, attempts: number) =>
  nextAttemptAfter(error, attempts, now, retry).getTime() - now.getTime();

describe('when a set-aside event is tried again', () => {
  it('backs off further with each failed attempt, up to the longest wait', () => {
    const failure = new RetriableError('ShipBob answered 503');
    const waits = [1, 4, 8, 30].map((attempts) => waitOf(failure, attempts));
    // The default jitter keeps each wait between half and all of its base.
    expect(waits[0]).toBeLessThanOrEqual(1_000);
    expect(waits[1]).toBeGreaterThanOrEqual(4_000);
    expect(waits[2]).toBeGreaterThanOrEqual(64_000);
    expect(waits[3]).toBeGreaterThanOrEqual(7.5 * 60_000);
    expect(waits[3]).toBeLessThanOrEqual(15 * 60_000);
  });

  it('given a rate limit, waits what the limit says, however many attempts were limited before', () => {
    const limited = new RateLimitedError('ShipBob request budget: no slot', 12_000, {
      reason: 'budget-wait',
    });
    for (const attempts of [1, 5, 12, 40]) expect(waitOf(limited, attempts)).toBe(12_000);
  });

  it('given a rate limit shorter than a first retry, waits a first retry; longer than the longest wait, the longest', () => {
    const soon = new RateLimitedError('call gate', 50);
    const waitSoon = waitOf(soon, 9);
    expect(waitSoon).toBeGreaterThanOrEqual(500);
    expect(waitSoon).toBeLessThanOrEqual(1_000);
    expect(waitOf(new RateLimitedError('Retry-After: 3600', 3_600_000), 1)).toBe(15 * 60_000);
  });
});
