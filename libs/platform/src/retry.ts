import { RateLimitedError, classifyError } from './errors.js';

export interface RetryOptions {
  /** Attempts after the first; `Infinity` retries until the signal aborts. */
  retries: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  /** 0..1: the share of each delay that is randomised (full jitter at 1). */
  jitter?: number;
  signal?: AbortSignal;
  /**
   * Longest server-given wait ({@link RateLimitedError}) waited out here; a longer one is thrown
   * at once, for a caller that must not hold what it holds that long (default: no limit).
   */
  maxRateLimitWaitMs?: number;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** Injected for tests; defaults to a timer that honours `signal`. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Resolves after `ms`, or rejects with the signal's reason when aborted first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Delay before retry number `attempt` (1-based): exponential, capped, with jitter. */
export function backoffDelay(
  attempt: number,
  options: Pick<
    RetryOptions,
    'initialDelayMs' | 'maxDelayMs' | 'factor' | 'jitter' | 'random'
  > = {},
): number {
  const initial = options.initialDelayMs ?? 200;
  const max = options.maxDelayMs ?? 30_000;
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.5;
  const random = options.random ?? Math.random;
  const base = Math.min(max, initial * factor ** (attempt - 1));
  return Math.round(base * (1 - jitter) + base * jitter * random());
}

/**
 * Runs `fn` until it succeeds, a permanent error is thrown, or retries run out. A
 * {@link RateLimitedError} waits at least the server-given time before the next attempt.
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (classifyError(error) === 'permanent' || attempt > options.retries) throw error;
      if (options.signal?.aborted) throw error;
      let delayMs = backoffDelay(attempt, options);
      if (error instanceof RateLimitedError) {
        if (error.retryAfterMs > (options.maxRateLimitWaitMs ?? Infinity)) throw error;
        delayMs = Math.max(delayMs, error.retryAfterMs);
      }
      options.onRetry?.({ attempt, delayMs, error });
      await wait(delayMs, options.signal);
    }
  }
}
