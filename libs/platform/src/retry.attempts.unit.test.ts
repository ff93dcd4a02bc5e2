import { getEventListeners } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { PermanentError, RateLimitedError, RetriableError } from './errors.js';
import { backoffDelay, retry, sleep, type RetryOptions } from './retry.js';

/** Fails `failures` times with `error`, then answers `done`; counts attempts. */
function flaky(failures: number, error: () => Error = () => new RetriableError('down')) {
  const attempts: number[] = [];
  const fn = (attempt: number) => {
    attempts.push(attempt);
    return attempts.length <= failures ? Promise.reject(error()) : Promise.resolve('done');
  };
  return { fn, attempts };
}

function recordingSleep() {
  const waits: { ms: number; signal: AbortSignal | undefined }[] = [];
  const sleepFn: NonNullable<RetryOptions['sleep']> = (ms, signal) => {
    waits.push({ ms, signal });
    return Promise.resolve();
  };
  return { waits, sleep: sleepFn };
}

describe('retry attempts', () => {
  it.each([0, 1, 2, 5])('makes 1 + %d attempts before giving up', async (retries) => {
    const { fn, attempts } = flaky(Number.POSITIVE_INFINITY);
    const { sleep: noWait } = recordingSleep();
    await expect(retry(fn, { retries, sleep: noWait })).rejects.toThrow('down');
    expect(attempts).toEqual(Array.from({ length: retries + 1 }, (_, i) => i + 1));
  });

  it('succeeds on the last allowed attempt', async () => {
    const { fn, attempts } = flaky(2);
    const { sleep: noWait } = recordingSleep();
    await expect(retry(fn, { retries: 2, sleep: noWait })).resolves.toBe('done');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('rethrows the very error of the last attempt', async () => {
    const errors = [new RetriableError('first'), new RetriableError('second')];
    const { fn } = flaky(2, () => errors.shift() ?? new Error('no error left'));
    const { sleep: noWait } = recordingSleep();
    await expect(retry(fn, { retries: 1, sleep: noWait })).rejects.toThrow('second');
  });

  it('stops at once on a permanent error, even with retries left', async () => {
    const { fn, attempts } = flaky(1, () => new PermanentError('bad input'));
    const { sleep: noWait, waits } = recordingSleep();
    await expect(retry(fn, { retries: 3, sleep: noWait })).rejects.toThrow('bad input');
    expect(attempts).toEqual([1]);
    expect(waits).toEqual([]);
  });

  it('stops once the signal is aborted, with the error of the attempt', async () => {
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    const { fn, attempts } = flaky(5);
    const { sleep: noWait } = recordingSleep();
    await expect(
      retry(fn, { retries: 5, signal: controller.signal, sleep: noWait }),
    ).rejects.toThrow('down');
    expect(attempts).toEqual([1]);
  });

  it('reports each retry and passes the signal to every wait', async () => {
    const controller = new AbortController();
    const failures = [new RetriableError('a'), new RateLimitedError('b', 50)];
    const { fn } = flaky(2, () => failures.shift() ?? new Error('no error left'));
    const { sleep: recorded, waits } = recordingSleep();
    const reported: unknown[] = [];
    await retry(fn, {
      retries: 3,
      initialDelayMs: 10,
      jitter: 0,
      signal: controller.signal,
      sleep: recorded,
      onRetry: (info) => reported.push(info),
    });
    expect(reported).toEqual([
      { attempt: 1, delayMs: 10, error: expect.objectContaining({ message: 'a' }) },
      { attempt: 2, delayMs: 50, error: expect.objectContaining({ message: 'b' }) },
    ]);
    expect(waits).toEqual([
      { ms: 10, signal: controller.signal },
      { ms: 50, signal: controller.signal },
    ]);
  });

  it('keeps its own backoff when that is longer than the server asks', async () => {
    const { fn } = flaky(1, () => new RateLimitedError('slow down', 5));
    const { sleep: recorded, waits } = recordingSleep();
    await retry(fn, { retries: 1, initialDelayMs: 300, jitter: 0, sleep: recorded });
    expect(waits.map((w) => w.ms)).toEqual([300]);
  });

  it('sleeps with a real timer when no sleep is injected', async () => {
    const { fn, attempts } = flaky(2);
    await expect(retry(fn, { retries: 2, initialDelayMs: 1, jitter: 0 })).resolves.toBe('done');
    expect(attempts).toEqual([1, 2, 3]);
  });
});

describe('backoff delays', () => {
  it('doubles from 200 ms with half of each delay randomised by default', () => {
    expect(backoffDelay(1, { random: () => 0 })).toBe(100);
    expect(backoffDelay(1, { random: () => 1 })).toBe(200);
    expect(backoffDelay(2, { random: () => 0 })).toBe(200);
    expect(backoffDelay(3, { random: () => 0.5 })).toBe(600);
  });

  it('caps the delay at 30 s by default', () => {
    expect(backoffDelay(30, { jitter: 0 })).toBe(30_000);
    expect(backoffDelay(8, { jitter: 0 })).toBe(25_600);
  });

  it('uses the given factor, cap and jitter', () => {
    expect(backoffDelay(3, { initialDelayMs: 100, factor: 3, jitter: 0 })).toBe(900);
    expect(backoffDelay(4, { initialDelayMs: 100, factor: 3, maxDelayMs: 1_000, jitter: 0 })).toBe(
      1_000,
    );
    expect(backoffDelay(1, { initialDelayMs: 1_000, jitter: 1, random: () => 0.25 })).toBe(250);
  });

  it('rounds to whole milliseconds', () => {
    expect(backoffDelay(1, { initialDelayMs: 3, jitter: 0.5, random: () => 0.5 })).toBe(2);
  });

  it('draws from Math.random when no source is injected', () => {
    for (let i = 0; i < 20; i++) {
      const delay = backoffDelay(1, { initialDelayMs: 1_000 });
      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(1_000);
    }
  });
});

describe('sleep', () => {
  it('resolves after the given time, not before', async () => {
    const order: string[] = [];
    const slept = sleep(40).then(() => order.push('slept'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    order.push('5 ms later');
    await slept;
    expect(order).toEqual(['5 ms later', 'slept']);
  });

  it('rejects at once with the reason of an already aborted signal', async () => {
    const controller = new AbortController();
    const reason = new Error('stopping');
    controller.abort(reason);
    await expect(sleep(60_000, controller.signal)).rejects.toBe(reason);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the reason when aborted while waiting', async () => {
    const controller = new AbortController();
    const reason = new Error('stopping');
    const waiting = sleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  it('leaves no abort listener behind, so a long-lived signal does not collect them', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 3; i++) await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const aborted = new AbortController();
    const waiting = sleep(60_000, aborted.signal);
    expect(getEventListeners(aborted.signal, 'abort')).toHaveLength(1);
    aborted.abort();
    await expect(waiting).rejects.toBeDefined();
    expect(getEventListeners(aborted.signal, 'abort')).toHaveLength(0);
  });
});
