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
});
