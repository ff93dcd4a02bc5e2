import { describe, expect, it } from '@jest/globals';
import { PermanentError, RateLimitedError, RetriableError, classifyError } from './errors.js';
import { backoffDelay, retry } from './retry.js';

const noSleep = () => {
  const waits: number[] = [];
  return { waits, sleep: (ms: number) => (waits.push(ms), Promise.resolve()) };
};

describe('retry', () => {
  it('retries retriable errors with growing delays and returns the eventual result', async () => {
    const { waits, sleep } = noSleep();
    let calls = 0;
    const result = await retry(
      () => {
        calls++;
        if (calls < 4) return Promise.reject(new RetriableError('flaky'));
        return Promise.resolve('ok');
      },
      { retries: 5, initialDelayMs: 100, jitter: 0, sleep },
    );
    expect(result).toBe('ok');
    expect(waits).toEqual([100, 200, 400]);
  });

  it('does not retry permanent errors', async () => {
    const { waits, sleep } = noSleep();
    let calls = 0;
    await expect(
      retry(
        () => {
          calls++;
          return Promise.reject(new PermanentError('bad input'));
        },
        { retries: 5, sleep },
      ),
    ).rejects.toBeInstanceOf(PermanentError);
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('waits at least the server-given time when rate-limited', async () => {
    const { waits, sleep } = noSleep();
    let calls = 0;
    await retry(
      () =>
        ++calls === 1
          ? Promise.reject(new RateLimitedError('slow down', 7_000))
          : Promise.resolve(1),
      { retries: 3, initialDelayMs: 100, jitter: 0, sleep },
    );
    expect(waits).toEqual([7_000]);
  });

  it('throws a rate-limited error at once when the server asks for a longer wait than allowed', async () => {
    const { waits, sleep } = noSleep();
    let calls = 0;
    const limited = new RateLimitedError('slow down', 7_000);
    await expect(
      retry(() => (++calls === 1 ? Promise.reject(limited) : Promise.resolve(1)), {
        retries: 3,
        maxRateLimitWaitMs: 5_000,
        sleep,
      }),
    ).rejects.toBe(limited);
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
    // A shorter wait is still waited out.
    calls = 0;
    await retry(
      () =>
        ++calls === 1
          ? Promise.reject(new RateLimitedError('slow down', 2_000))
          : Promise.resolve(1),
      { retries: 3, initialDelayMs: 100, jitter: 0, maxRateLimitWaitMs: 5_000, sleep },
    );
    expect(waits).toEqual([2_000]);
  });

  it('gives up after the configured retries with the last error', async () => {
    const { sleep } = noSleep();
    await expect(
      retry(() => Promise.reject(new RetriableError('down')), { retries: 2, sleep }),
    ).rejects.toThrow('down');
  });

  it('caps the delay and applies jitter within bounds', () => {
    expect(backoffDelay(20, { initialDelayMs: 100, maxDelayMs: 5_000, jitter: 0 })).toBe(5_000);
    const low = backoffDelay(3, { initialDelayMs: 100, jitter: 0.5, random: () => 0 });
    const high = backoffDelay(3, { initialDelayMs: 100, jitter: 0.5, random: () => 0.999 });
    expect(low).toBe(200);
    expect(high).toBeGreaterThan(390);
    expect(high).toBeLessThanOrEqual(400);
  });

  it('classifies unknown errors as retriable so nothing is dropped', () => {
    expect(classifyError(new Error('?'))).toBe('retriable');
    expect(classifyError(new PermanentError('x'))).toBe('permanent');
  });

  it('stops at once, with the reason of the signal, when aborted while waiting to retry', async () => {
    const controller = new AbortController();
    const stopping = new Error('stopping');
    let calls = 0;
    const started = Date.now();
    const error = await retry(
      () => {
        calls++;
        return Promise.reject(new RetriableError('down'));
      },
      {
        retries: Infinity,
        initialDelayMs: 60_000,
        signal: controller.signal,
        onRetry: () => controller.abort(stopping),
      },
    ).catch((e: unknown) => e);
    expect(error).toBe(stopping);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('makes no further attempt once the signal aborted during an attempt', async () => {
    const { waits, sleep } = noSleep();
    const controller = new AbortController();
    let calls = 0;
    const error = await retry(
      () => {
        calls++;
        controller.abort();
        return Promise.reject(new RetriableError('down'));
      },
      { retries: Infinity, signal: controller.signal, sleep },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe('down');
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('lets an injected wait end the retries (e.g. a consumer losing its partitions)', async () => {
    const revoked = new Error('revoked');
    let calls = 0;
    const error = await retry(
      () => {
        calls++;
        return Promise.reject(new RetriableError('down'));
      },
      { retries: Infinity, sleep: () => Promise.reject(revoked) },
    ).catch((e: unknown) => e);
    expect(error).toBe(revoked);
    expect(calls).toBe(1);
  });
});
