import { createHash } from 'node:crypto';

/** A request budget shared by every store that uses one ShipBob token. */
export interface RateLimiter {
  /**
   * Waits for a slot for `storeId` and returns `release`, to call when the response (or
   * failure) arrives. Stores waiting at the same time are served in turn.
   */
  acquire(storeId: string, signal?: AbortSignal): Promise<() => void>;
  /** Stops granting slots for `ms` (the server answered 429 with a retry-after). */
  pause(ms: number): void;
}

/** Time as the limiter sees it: the system clock, or a manual one that tests move by hand. */
export interface LimiterClock {
  now(): number;
  /** Runs `fn` once, `ms` from now; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: LimiterClock = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

export interface RateLimiterOptions {
  /** Requests per window; ShipBob allows 150 per minute per token. */
  limit?: number;
  windowMs?: number;
  /** Default: the system clock. */
  clock?: LimiterClock;
}

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * Sliding-window limiter with round-robin fairness between stores. A slot counts from the
 * moment it is granted until one window after its response arrives, so however long requests
 * take in flight, the server never sees more than `limit` of them in any window.
 */
export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const limit = options.limit ?? 150;
  const windowMs = options.windowMs ?? 60_000;
  const clock = options.clock ?? systemClock;
  const now = (): number => clock.now();
  const finished: number[] = [];
  const queues = new Map<string, Waiter[]>();
  const turn: string[] = [];
  let inFlight = 0;
  let pausedUntil = 0;
  let cancelWake: (() => void) | undefined;

  const prune = (at: number): void => {
    while (finished.length > 0 && finished[0]! <= at - windowMs) finished.shift();
  };

  const schedule = (at: number): void => {
    if (cancelWake || turn.length === 0) return;
    let wakeAt: number;
    if (at < pausedUntil) wakeAt = pausedUntil;
    else if (inFlight + finished.length >= limit && finished.length > 0)
      wakeAt = finished[0]! + windowMs;
    else return; // every slot is in flight: the next release pumps
    cancelWake = clock.after(Math.max(1, wakeAt - at), () => {
      cancelWake = undefined;
      pump();
    });
  };

  const pump = (): void => {
    const at = now();
    prune(at);
    while (turn.length > 0 && at >= pausedUntil && inFlight + finished.length < limit) {
      const storeId = turn.shift()!;
      const queue = queues.get(storeId)!;
      const waiter = queue.shift()!;
      if (queue.length > 0) turn.push(storeId);
      else queues.delete(storeId);
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      inFlight += 1;
      let released = false;
      waiter.resolve(() => {
        if (released) return;
        released = true;
        inFlight -= 1;
        finished.push(now());
        pump();
      });
    }
    schedule(at);
  };

  return {
    acquire(storeId, signal) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason as Error);
          return;
        }
        const waiter: Waiter = {
          resolve,
          reject,
          signal,
          onAbort: () => {
            const queue = queues.get(storeId);
            const index = queue?.indexOf(waiter) ?? -1;
            if (queue && index >= 0) queue.splice(index, 1);
            if (queue && queue.length === 0) {
              queues.delete(storeId);
              turn.splice(turn.indexOf(storeId), 1);
            }
            reject(signal?.reason as Error);
          },
        };
        signal?.addEventListener('abort', waiter.onAbort, { once: true });
        const queue = queues.get(storeId);
        if (queue) queue.push(waiter);
        else {
          queues.set(storeId, [waiter]);
          turn.push(storeId);
        }
        pump();
      });
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
      cancelWake?.();
      cancelWake = undefined;
      schedule(now());
    },
  };
}

/** One limiter per token, so every store using the same PAT shares one budget. */
export interface RateLimiterRegistry {
  forToken(pat: string): RateLimiter;
}

/** Creates a registry; tokens are keyed by their SHA-256 so the registry never holds a PAT. */
export function createRateLimiterRegistry(options: RateLimiterOptions = {}): RateLimiterRegistry {
  const limiters = new Map<string, RateLimiter>();
  return {
    forToken(pat) {
      const key = createHash('sha256').update(pat).digest('hex');
      let limiter = limiters.get(key);
      if (!limiter) {
        limiter = createRateLimiter(options);
        limiters.set(key, limiter);
      }
      return limiter;
    },
  };
}
