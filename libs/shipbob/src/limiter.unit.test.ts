import { describe, expect, it } from '@jest/globals';
import { RateLimitedError } from '@msync/platform';
import { createRateLimiter, withBudgetPatience } from './limiter.js';
import { ManualClock } from './test-support/manual-clock.js';

describe('shared token rate limiter', () => {
  it('grants 150 requests per minute by default and holds the 151st until a slot leaves the window', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ clock });
    const releases = await Promise.all(Array.from({ length: 150 }, () => limiter.acquire('store')));
    let granted = false;
    const next = limiter.acquire('store').then((release) => {
      granted = true;
      return release;
    });
    releases.forEach((release) => release());
    await clock.advance(59_999);
    expect(granted).toBe(false);
    await clock.advance(1);
    expect(granted).toBe(true);
    (await next)();
  });

  it('counts a slot until one window after its response, however long it was in flight', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ limit: 1, windowMs: 1_000, clock });
    const release = await limiter.acquire('a');
    let granted = false;
    void limiter.acquire('a').then(() => (granted = true));
    await clock.advance(5_000);
    expect(granted).toBe(false); // still in flight
    release();
    await clock.advance(999);
    expect(granted).toBe(false);
    await clock.advance(1);
    expect(granted).toBe(true);
  });

  it('serves waiting stores in turn, so a busy store cannot starve the others', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ limit: 1, windowMs: 100, clock });
    const order: string[] = [];
    const ask = (store: string) =>
      limiter.acquire(store).then((release) => {
        order.push(store);
        release();
      });
    const all = [...Array.from({ length: 5 }, () => ask('busy')), ask('quiet-1'), ask('quiet-2')];
    await clock.advance(1_000);
    await Promise.all(all);
    // The first call is granted at once; after it, the waiting stores take turns.
    expect(order).toEqual(['busy', 'busy', 'quiet-1', 'quiet-2', 'busy', 'busy', 'busy']);
  });

  it('pauses every store after a 429 for the time ShipBob asked', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ limit: 10, windowMs: 1_000, clock });
    limiter.pause(500);
    let granted = false;
    void limiter.acquire('a').then(() => (granted = true));
    await clock.advance(499);
    expect(granted).toBe(false);
    await clock.advance(1);
    expect(granted).toBe(true);
  });

  it('drops a waiter whose signal aborts', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ limit: 1, windowMs: 1_000, clock });
    const release = await limiter.acquire('a');
    const controller = new AbortController();
    const waiting = limiter.acquire('b', controller.signal);
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
    release();
    await clock.advance(1_000);
    const next = await limiter.acquire('c');
    next();
  });

  it('waits on the clock it is given, not on real timers', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, clock });
    (await limiter.acquire('a'))();
    const waiting = limiter.acquire('a');
    expect(clock.timers).toBe(1);
    await clock.advance(60_000);
    (await waiting)();
    expect(clock.now()).toBe(60_000);
  });

  it('fails a call that waited maxWaitMs with a rate-limited error carrying the wait, and serves the next caller in its place', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, maxWaitMs: 2_000, clock });
    (await limiter.acquire('a'))();
    let refused: unknown;
    void limiter.acquire('b').catch((error: unknown) => (refused = error));
    await clock.advance(1_999);
    expect(refused).toBeUndefined();
    await clock.advance(1);
    expect(refused).toBeInstanceOf(RateLimitedError);
    // The slot of 'a' leaves the window at 60 000.
    expect((refused as RateLimitedError).retryAfterMs).toBe(58_000);
    // The refused caller left the queue: a later one gets the slot when it frees.
    await clock.advance(57_000);
    let granted = false;
    void limiter.acquire('c').then(() => (granted = true));
    await clock.advance(999);
    expect(granted).toBe(false);
    await clock.advance(1);
    expect(granted).toBe(true);
  });

  it('lets calls made under withBudgetPatience wait longer than maxWaitMs, and only those', async () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter({ limit: 1, windowMs: 10_000, maxWaitMs: 2_000, clock });
    (await limiter.acquire('a'))();
    let impatient: unknown;
    let patient: unknown;
    void limiter.acquire('b').catch((error: unknown) => (impatient = error));
    const granted = withBudgetPatience(30_000, () => limiter.acquire('c')).then(
      (release) => (patient = release),
      (error: unknown) => (patient = error),
    );
    await clock.advance(2_000);
    expect(impatient).toBeInstanceOf(RateLimitedError);
    expect(patient).toBeUndefined();
    // The slot of 'a' leaves the window at 10 000: the patient call gets it.
    await clock.advance(8_000);
    await granted;
    expect(patient).toBeInstanceOf(Function);
    // Outside it, the limiter's own maximum again.
    let later: unknown;
    void limiter.acquire('d').catch((error: unknown) => (later = error));
    await clock.advance(2_000);
    expect(later).toBeInstanceOf(RateLimitedError);
  });
});
