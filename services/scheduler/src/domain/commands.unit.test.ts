import { describe, expect, it } from '@jest/globals';
import {
  nextRunAfterIntervalChange,
  pollIdempotencyKey,
  reportIdempotencyKey,
  resyncIdempotencyKey,
} from './commands.js';

describe('scheduler commands', () => {
  it('keys a poll by store, stream and scheduled run time, a resync by the version that asked for it, and a report by store and day', () => {
    const run = new Date('2026-11-02T14:15:00.000Z');
    expect(pollIdempotencyKey('s1', 'orders', run)).toBe(
      'scheduler:s1:orders:2026-11-02T14:15:00.000Z',
    );
    expect(pollIdempotencyKey('s1', 'orders', new Date(run))).toBe(
      pollIdempotencyKey('s1', 'orders', run),
    );
    expect(resyncIdempotencyKey('s1', 'orders', 7)).toBe('scheduler:s1:orders:resync:v7');
    expect(reportIdempotencyKey('s1', '2026-11-02')).toBe('scheduler:s1:report:2026-11-02');
  });

  it('runs a rescheduled poll one new interval after its last run, or now if that has passed', () => {
    const now = new Date('2026-11-02T14:00:00.000Z');
    const minute = 60_000;
    const lastRun = new Date(now.getTime() - 30_000);
    expect(nextRunAfterIntervalChange(lastRun, minute, now)).toEqual(
      new Date(lastRun.getTime() + minute),
    );
    expect(nextRunAfterIntervalChange(new Date(now.getTime() - 10 * minute), minute, now)).toEqual(
      now,
    );
    expect(nextRunAfterIntervalChange(null, 15 * minute, now)).toEqual(now);
  });
});
