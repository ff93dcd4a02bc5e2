import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  decideSlice,
  sliceHorizonMs,
  type BudgetShape,
  type ClaimedSlice,
} from './shared-budget.js';

// 150 calls a minute; slices usable for 5 s; 5 s of slack: a slice counts for 70 s.
const SHAPE: BudgetShape = { limit: 150, windowMs: 60_000, sliceTtlMs: 5_000, slackMs: 5_000 };

describe('shared budget decisions', () => {
  it('grants the first slice of a key in full', () => {
    expect(decideSlice([], 1_000, SHAPE, 10)).toEqual({ granted: true, seq: 1, size: 10 });
  });

  it('grants only what is left of the budget, and never nothing while something is left', () => {
    const claimed = [{ seq: 7, size: 146, at: 10_000 }];
    expect(decideSlice(claimed, 20_000, SHAPE, 10)).toEqual({ granted: true, seq: 8, size: 4 });
    expect(decideSlice(claimed, 20_000, SHAPE, 0)).toEqual({ granted: true, seq: 8, size: 1 });
  });

  it('refuses when the budget is used, with the wait until the oldest slices stop counting', () => {
    const claimed: ClaimedSlice[] = [
      { seq: 3, size: 50, at: 30_000 },
      { seq: 2, size: 50, at: 20_000 },
      { seq: 1, size: 50, at: 10_000 },
    ];
    // The slice of 10 000 counts until 80 000.
    expect(decideSlice(claimed, 40_000, SHAPE, 10)).toEqual({
      granted: false,
      retryAfterMs: 40_000,
    });
    expect(decideSlice(claimed, 80_000, SHAPE, 10)).toEqual({ granted: true, seq: 4, size: 10 });
  });

  it('a slice counts for a window plus its own life plus the slack', () => {
    expect(sliceHorizonMs(SHAPE)).toBe(70_000);
    const claimed = [{ seq: 1, size: 150, at: 0 }];
    expect(decideSlice(claimed, 69_999, SHAPE, 1)).toEqual({ granted: false, retryAfterMs: 1 });
    expect(decideSlice(claimed, 70_000, SHAPE, 1)).toMatchObject({ granted: true });
  });

  it('whatever the demand, no window of the vendor sees more calls than the limit', () => {
    // Claims decided one after another (as the unique sequence makes them); each slice's calls
    // start any time in its life and reach the vendor within the slack.
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            // Claims often land exactly where earlier slices stop counting.
            gapMs: fc.oneof(
              fc.constantFrom(0, 5_000, 10_000, 20_000),
              fc.integer({ min: 0, max: 20_000 }),
            ),
            want: fc.integer({ min: 1, max: 60 }),
            // The extremes are where a budget that counts too short shows.
            startAfterMs: fc.oneof(
              fc.constantFrom(0, SHAPE.sliceTtlMs),
              fc.integer({ min: 0, max: SHAPE.sliceTtlMs }),
            ),
            travelMs: fc.oneof(
              fc.constantFrom(0, SHAPE.slackMs),
              fc.integer({ min: 0, max: SHAPE.slackMs }),
            ),
          }),
          { maxLength: 80 },
        ),
        (requests) => {
          const claimed: ClaimedSlice[] = [];
          const arrivals: number[] = [];
          let now = 0;
          for (const request of requests) {
            now += request.gapMs;
            const decision = decideSlice(claimed, now, SHAPE, request.want);
            if (!decision.granted) continue;
            claimed.unshift({ seq: decision.seq, size: decision.size, at: now });
            for (let i = 0; i < decision.size; i++)
              arrivals.push(now + request.startAfterMs + request.travelMs);
          }
          arrivals.sort((a, b) => a - b);
          // Windows starting at each arrival: the busiest window starts at one of them.
          let most = 0;
          for (let first = 0, end = 0; first < arrivals.length; first++) {
            while (end < arrivals.length && arrivals[end]! < arrivals[first]! + SHAPE.windowMs)
              end++;
            most = Math.max(most, end - first);
          }
          expect(most).toBeLessThanOrEqual(SHAPE.limit);
        },
      ),
      { numRuns: 300 },
    );
  });
});
