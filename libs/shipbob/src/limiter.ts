import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { RateLimitedError, type SharedBudget } from '@msync/platform';

/** A request budget shared by every store that uses one ShipBob token. */
export interface RateLimiter {
  /**
   * Waits for a slot for `storeId` and returns `release`, to call when the response (or
   * failure) arrives. Stores waiting at the same time are served in turn. `expectedCalls`: how
   * many calls the caller's work still makes, this one included, as far as it knows (a list
   * read page by page): the shared budget is then claimed for them at once, not a slice each.
   */
  acquire(storeId: string, signal?: AbortSignal, expectedCalls?: number): Promise<() => void>;
  /** Stops granting slots for `ms` (the server answered 429 with a retry-after). */
  pause(ms: number): void;
}

/** A token's budget shared with every other process of the product, and this token's key in it. */
export interface SharedTokenBudget {
  budget: SharedBudget;
  key: string;
  /** Calls claimed at a time (default 10): one claim, not one round trip, per call. */
  sliceSize?: number;
  /**
   * At most this many calls claimed at a time (default 50) for a caller that expects more than
   * `sliceSize` (ADR 0157); the budget's own answer may give fewer.
   */
  maxSliceSize?: number;
  /** Told when a claim fails (the database is down); the claim is tried again a second later. */
  onError?: (error: unknown) => void;
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
  /**
   * The budget across processes (ADR 0057). This limiter stays the fast path: a call takes one of
   * the calls its process claimed ahead, so the database is asked once per slice.
   */
  shared?: SharedTokenBudget;
  /**
   * A call not granted a slot within this long fails with a `RateLimitedError` carrying an
   * estimate of the wait, for callers that must not hold what they hold (default: it waits).
   */
  maxWaitMs?: number;
}

const patience = new AsyncLocalStorage<number>();

/**
 * Runs `work` with every ShipBob call made inside it, however deep, allowed to wait up to
 * `maxWaitMs` for its token's budget instead of the limiter's own `maxWaitMs`: for work that
 * holds nothing shared while it waits and saves many calls by waiting (one product list instead
 * of a lookup per SKU).
 */
export function withBudgetPatience<T>(maxWaitMs: number, work: () => Promise<T>): Promise<T> {
  return patience.run(maxWaitMs, work);
}

interface Waiter {
  /** The calls the waiter's work still expects to make, this one included (1 when unknown). */
  expected: number;
  resolve: (release: () => void) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  cancelTimeout?: () => void;
}

const SHARED_CLAIM_RETRY_MS = 1_000;

/**
 * Sliding-window limiter with round-robin fairness between stores. A slot counts from the
 * moment it is granted until one window after its response arrives, so however long requests
 * take in flight, the server never sees more than `limit` of them in any window. With `shared`,
 * a slot also takes one of the calls this process claimed from the budget every process shares.
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
  const shared = options.shared;
  /** Calls claimed from the shared budget and not used yet, usable until `claimedUntil`. */
  let claimed = 0;
  let claimedUntil = 0;
  let claiming = false;
  /** No claim before this (the shared budget was used up, or the database failed). */
  let claimAgainAt = 0;

  const hasClaimed = (at: number): boolean => !shared || (claimed > 0 && at < claimedUntil);
  const localRoom = (): boolean => inFlight + finished.length < limit;

  /**
   * The calls the next slice is claimed for: the usual slice, or what the next caller to be
   * served still expects to make, up to the largest slice. Served in turn, a store's read of many
   * pages takes the slice's calls while they live (`sliceTtlMs`) unless other stores wait too.
   */
  const sliceWant = (): number => {
    const slice = shared?.sliceSize ?? 10;
    const next = turn.length > 0 ? queues.get(turn[0]!)?.[0] : undefined;
    const expected = next?.expected ?? 1;
    return expected <= slice ? slice : Math.min(expected, shared?.maxSliceSize ?? 50);
  };

  /** Claims the next slice of the shared budget; pumps again when the answer is in. */
  const claimSlice = (at: number): void => {
    if (!shared || claiming || at < claimAgainAt) return;
    claiming = true;
    const askedAt = at;
    shared.budget
      .claim(shared.key, sliceWant())
      .then(
        (grant) => {
          if (grant.granted) {
            claimed = grant.calls;
            // Counted from the question, not the answer: the slice's life began before.
            claimedUntil = askedAt + grant.validForMs;
          } else {
            claimAgainAt = now() + grant.retryAfterMs;
          }
        },
        (error: unknown) => {
          shared.onError?.(error);
          claimAgainAt = now() + SHARED_CLAIM_RETRY_MS;
        },
      )
      .finally(() => {
        claiming = false;
        pump();
      });
  };

  /** How long a call waiting now may still have to wait, as far as this limiter can tell. */
  const estimatedWait = (at: number): number =>
    Math.max(
      pausedUntil - at,
      localRoom() || finished.length === 0 ? 0 : finished[0]! + windowMs - at,
      hasClaimed(at) ? 0 : claimAgainAt - at,
      1_000,
    );

  const removeWaiter = (storeId: string, waiter: Waiter): void => {
    const queue = queues.get(storeId);
    const index = queue?.indexOf(waiter) ?? -1;
    if (queue && index >= 0) queue.splice(index, 1);
    if (queue && queue.length === 0) {
      queues.delete(storeId);
      turn.splice(turn.indexOf(storeId), 1);
    }
  };

  const prune = (at: number): void => {
    while (finished.length > 0 && finished[0]! <= at - windowMs) finished.shift();
  };

  const schedule = (at: number): void => {
    if (cancelWake || turn.length === 0) return;
    let wakeAt: number;
    if (at < pausedUntil) wakeAt = pausedUntil;
    else if (!localRoom() && finished.length > 0) wakeAt = finished[0]! + windowMs;
    else if (!localRoom())
      return; // every slot is in flight: the next release pumps
    else if (!hasClaimed(at) && !claiming && claimAgainAt > at) wakeAt = claimAgainAt;
    else return; // a claim is in flight: its answer pumps
    cancelWake = clock.after(Math.max(1, wakeAt - at), () => {
      cancelWake = undefined;
      pump();
    });
  };

  const pump = (): void => {
    const at = now();
    prune(at);
    while (turn.length > 0 && at >= pausedUntil && localRoom() && hasClaimed(at)) {
      const storeId = turn.shift()!;
      const queue = queues.get(storeId)!;
      const waiter = queue.shift()!;
      if (queue.length > 0) turn.push(storeId);
      else queues.delete(storeId);
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.cancelTimeout?.();
      if (shared) claimed -= 1;
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
    if (turn.length > 0 && at >= pausedUntil && localRoom() && !hasClaimed(at)) claimSlice(at);
    schedule(at);
  };

  return {
    acquire(storeId, signal, expectedCalls) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason as Error);
          return;
        }
        const waiter: Waiter = {
          expected:
            expectedCalls !== undefined && Number.isFinite(expectedCalls)
              ? Math.max(1, Math.floor(expectedCalls))
              : 1,
          resolve,
          reject,
          signal,
          onAbort: () => {
            waiter.cancelTimeout?.();
            removeWaiter(storeId, waiter);
            reject(signal?.reason as Error);
          },
        };
        signal?.addEventListener('abort', waiter.onAbort, { once: true });
        const maxWaitMs = patience.getStore() ?? options.maxWaitMs;
        if (maxWaitMs !== undefined) {
          waiter.cancelTimeout = clock.after(maxWaitMs, () => {
            signal?.removeEventListener('abort', waiter.onAbort);
            removeWaiter(storeId, waiter);
            reject(
              new RateLimitedError(
                `ShipBob request budget: no slot within ${maxWaitMs} ms`,
                estimatedWait(now()),
                { reason: 'budget-wait' },
              ),
            );
          });
        }
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

/** The key of a token in the shared budget: a digest, never the PAT (the same in every process). */
export function tokenBudgetKey(pat: string): string {
  return `shipbob:${createHash('sha256').update(pat).digest('hex').slice(0, 32)}`;
}

export interface RateLimiterRegistryOptions extends Omit<RateLimiterOptions, 'shared'> {
  /** The budget every process shares (ADR 0057); each token gets its own key in it. */
  shared?: Omit<SharedTokenBudget, 'key'>;
}

/** Creates a registry; tokens are keyed by a digest so the registry never holds a PAT. */
export function createRateLimiterRegistry(
  options: RateLimiterRegistryOptions = {},
): RateLimiterRegistry {
  const { shared, ...local } = options;
  const limiters = new Map<string, RateLimiter>();
  return {
    forToken(pat) {
      const key = tokenBudgetKey(pat);
      let limiter = limiters.get(key);
      if (!limiter) {
        limiter = createRateLimiter({
          ...local,
          ...(shared ? { shared: { ...shared, key } } : {}),
        });
        limiters.set(key, limiter);
      }
      return limiter;
    },
  };
}
