import { describe, expect, it } from '@jest/globals';
import { MinIntervalLimiter, SlidingWindowLimiter } from './rate-limits.js';

describe('MinIntervalLimiter', () => {
  it('refuses a second call inside the interval and says when to come back, rounded up', () => {
    const limiter = new MinIntervalLimiter<'OR11' | 'OF53'>({ OR11: 60_000 });
    expect(limiter.check('shop-1', 'OR11', 0)).toEqual({ allowed: true });
    expect(limiter.check('shop-1', 'OR11', 30_500)).toEqual({
      allowed: false,
      retryAfterSeconds: 30,
    });
    expect(limiter.check('shop-1', 'OR11', 59_999)).toEqual({
      allowed: false,
      retryAfterSeconds: 1,
    });
    expect(limiter.check('shop-1', 'OR11', 60_000)).toEqual({ allowed: true });
  });

  it('counts per caller and per operation; operations without an interval are free', () => {
    const limiter = new MinIntervalLimiter<'OR11' | 'OF53'>({ OR11: 1_000 });
    limiter.check('shop-1', 'OR11', 0);
    expect(limiter.check('shop-2', 'OR11', 1).allowed).toBe(true);
    expect(limiter.check('shop-1', 'OF53', 1).allowed).toBe(true);
    expect(limiter.check('shop-1', 'OF53', 2).allowed).toBe(true);
  });

  it('does not count a refused call as the last call', () => {
    const limiter = new MinIntervalLimiter<'OR11'>({ OR11: 1_000 });
    limiter.check('s', 'OR11', 0);
    limiter.check('s', 'OR11', 900);
    expect(limiter.check('s', 'OR11', 1_000).allowed).toBe(true);
  });

  it('switches on, changes and off at run time', () => {
    const limiter = new MinIntervalLimiter<'OR11'>();
    limiter.check('s', 'OR11', 0);
    expect(limiter.check('s', 'OR11', 1).allowed).toBe(true);
    limiter.setIntervals({ OR11: 10_000 });
    expect(limiter.currentIntervals()).toEqual({ OR11: 10_000 });
    // Calls made while unlimited are not held against the caller.
    expect(limiter.check('s', 'OR11', 2).allowed).toBe(true);
    expect(limiter.check('s', 'OR11', 3).allowed).toBe(false);
    limiter.setIntervals({});
    expect(limiter.check('s', 'OR11', 4).allowed).toBe(true);
  });
});

describe('SlidingWindowLimiter', () => {
  it('allows `limit` calls per window per caller, counting down what remains', () => {
    const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: 1_000 });
    expect(limiter.check('pat', 0)).toEqual({ allowed: true, remaining: 1 });
    expect(limiter.check('pat', 100)).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.check('pat', 200)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.check('other', 200).allowed).toBe(true);
    expect(limiter.check('pat', 1_001)).toEqual({ allowed: true, remaining: 0 });
  });
});
