import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createRestarter } from './restarter.js';

// On jest's fake clock: every delay is passed explicitly, so "nothing ran" is a statement about
// the clock having moved past every timer, not about a real wait being long enough.

/** A restarter whose attempts fail `failures` times, recording the clock at each attempt. */
function bed(failures: number, delaysMs: readonly number[] = [5, 10, 20]) {
  const stop = new AbortController();
  const attempts: number[] = [];
  const failed: string[] = [];
  const began = Date.now();
  const restarter = createRestarter({
    stopSignal: stop.signal,
    delaysMs,
    restart: async () => {
      attempts.push(Date.now() - began);
      if (attempts.length <= failures) throw new Error(`attempt ${attempts.length} refused`);
    },
    onFailed: (error) => failed.push((error as Error).message),
  });
  return { stop, attempts, failed, restarter };
}

describe('restarter', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('given attempts that throw, when scheduled, then it tries again with growing delays until one succeeds', async () => {
    const { restarter, attempts, failed } = bed(3);
    restarter.schedule();
    await jest.advanceTimersByTimeAsync(1_000);
    // Delays 5, 10, 20, then the last one again.
    expect(attempts).toEqual([5, 15, 35, 55]);
    expect(failed).toEqual(['attempt 1 refused', 'attempt 2 refused', 'attempt 3 refused']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('given a restart pending, when scheduled again, then one attempt runs', async () => {
    const { restarter, attempts } = bed(0);
    restarter.schedule();
    restarter.schedule();
    restarter.schedule();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(attempts).toEqual([5]);
  });

  it('given a start that failed after it returned, when it schedules again, then the next delay is used', async () => {
    const { restarter, attempts } = bed(0, [5, 40]);
    restarter.schedule();
    await jest.advanceTimersByTimeAsync(5);
    // The failed start reports itself (a second crash) by scheduling again.
    restarter.schedule();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(attempts).toEqual([5, 45]);
  });

  it('given a start that joined the group, when it crashes again, then the delays start over', async () => {
    const { restarter, attempts } = bed(0, [5, 1_000]);
    restarter.schedule();
    await jest.advanceTimersByTimeAsync(5);
    restarter.joined();
    restarter.schedule();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(attempts).toEqual([5, 10]);
  });

  it('given the consumer stopping, when a restart is pending or asked, then none runs', async () => {
    const cancelled = bed(0, [20]);
    cancelled.restarter.schedule();
    cancelled.restarter.cancel();
    cancelled.stop.abort();
    cancelled.restarter.schedule();
    const abortedWhilePending = bed(0, [20]);
    abortedWhilePending.restarter.schedule();
    abortedWhilePending.stop.abort();
    await jest.advanceTimersByTimeAsync(1_000);
    expect([cancelled.attempts, abortedWhilePending.attempts]).toEqual([[], []]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
