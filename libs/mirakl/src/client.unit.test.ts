import { PermanentError, RateLimitedError, errorReason } from '@msync/platform';
import { describe, expect, it } from '@jest/globals';
import { parseErrorReport } from './client.js';
import { parseCsv, renderCsv } from '@msync/platform';
import { advanceCursor } from './cursor.js';
import type { MiraklOrder } from './domain.js';
import { CallLimiter } from './limiter.js';
import { parseRetryAfter } from './transport.js';
import { normaliseApiBase } from './url.js';

describe('normaliseApiBase', () => {
  it.each([
    ['https://macysus-prod.mirakl.net', 'https://macysus-prod.mirakl.net/api'],
    ['https://macysus-prod.mirakl.net/', 'https://macysus-prod.mirakl.net/api'],
    ['https://macysus-prod.mirakl.net/api', 'https://macysus-prod.mirakl.net/api'],
    ['https://macysus-prod.mirakl.net/api/', 'https://macysus-prod.mirakl.net/api'],
    [' https://marketplace.example.com/mirakl/api ', 'https://marketplace.example.com/mirakl/api'],
  ])('%s -> %s', (input, expected) => {
    expect(normaliseApiBase(input)).toBe(expected);
  });

  it('rejects what is not an http(s) URL', () => {
    expect(() => normaliseApiBase('macys')).toThrow(PermanentError);
    expect(() => normaliseApiBase('ftp://x.mirakl.net')).toThrow(PermanentError);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, HTTP dates, and falls back to 2 s', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(null)).toBe(2_000);
    expect(parseRetryAfter('soon')).toBe(2_000);
  });
});

describe('parseErrorReport', () => {
  it('reads an STO03 report: line number first, reason second, then the input line', () => {
    const csv = renderCsv([
      ['line', 'error-message', 'offer-sku', 'quantity', 'warehouse-code', 'update-delete'],
      [3, 'The offer with SKU B does not exist', 'B', 4, '', 'update'],
    ]);
    expect(parseErrorReport(csv, ['A', 'B'])).toEqual([
      { sku: 'B', message: 'The offer with SKU B does not exist', line: 3 },
    ]);
  });

  it('reads an OF03 report: input columns, then error-line and error-message', () => {
    const csv = renderCsv([
      ['sku', 'quantity', 'update-delete', 'error-line', 'error-message'],
      ['Z', 1, 'update', 2, 'The product does not exist'],
    ]);
    expect(parseErrorReport(csv, ['Z'])).toEqual([
      { sku: 'Z', message: 'The product does not exist', line: 2 },
    ]);
  });

  it('takes the SKU from the uploaded line when the report does not name it', () => {
    const csv = '"line";"error"\n"3";"Quantity is invalid"\n';
    expect(parseErrorReport(csv, ['A', 'B'])).toEqual([
      { sku: 'B', message: 'Quantity is invalid', line: 3 },
    ]);
  });
});

describe('csv', () => {
  it('round-trips quotes, separators and line breaks', () => {
    const rows = [
      ['a;b', 'say "hi"', 'x\ny'],
      ['1', '', '3'],
    ];
    expect(parseCsv(renderCsv(rows))).toEqual(rows);
  });
});

describe('advanceCursor', () => {
  const order = (iso: string): MiraklOrder => ({ lastUpdatedAt: new Date(iso) }) as MiraklOrder;
  it('moves to the newest update seen and never backwards', () => {
    const start = new Date('2026-01-01T10:00:00Z');
    expect(
      advanceCursor(start, [order('2026-01-01T09:00:00Z'), order('2026-01-01T11:00:00Z')]),
    ).toEqual(new Date('2026-01-01T11:00:00Z'));
    expect(advanceCursor(start, [order('2026-01-01T09:00:00Z')])).toEqual(start);
    expect(advanceCursor(undefined, [])).toBeUndefined();
  });
});

describe('CallLimiter', () => {
  const fakeClock = (): {
    now: () => number;
    sleep: (ms: number) => Promise<void>;
    slept: number[];
  } => {
    let t = 0;
    const slept: number[] = [];
    return {
      now: () => t,
      sleep: (ms: number) => {
        slept.push(ms);
        t += ms;
        return Promise.resolve();
      },
      slept,
    };
  };

  it('spaces OR11 calls a minute apart per store by default', async () => {
    const clock = fakeClock();
    const limiter = new CallLimiter({ now: clock.now, sleep: clock.sleep });
    await limiter.acquire('OR11');
    await limiter.acquire('OR11');
    await limiter.acquire('A01');
    expect(clock.slept).toEqual([60_000]);
  });

  it('queues concurrent callers instead of letting them burst', async () => {
    const clock = fakeClock();
    const limiter = new CallLimiter({
      now: () => 0,
      sleep: clock.sleep,
      minIntervalMs: { STO01: 1_000 },
    });
    await Promise.all([
      limiter.acquire('STO01'),
      limiter.acquire('STO01'),
      limiter.acquire('STO01'),
    ]);
    expect(clock.slept).toEqual([1_000, 2_000]);
  });

  it('fails fast with a rate-limited error when the wait would be too long', async () => {
    const clock = fakeClock();
    const limiter = new CallLimiter({ now: () => 0, sleep: clock.sleep, maxWaitMs: 30_000 });
    await limiter.acquire('STO01');
    await expect(limiter.acquire('STO01')).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('waits for an operation given a longer wait of its own; others still fail fast', async () => {
    const clock = fakeClock();
    const limiter = new CallLimiter({
      now: clock.now,
      sleep: clock.sleep,
      maxWaitMs: 0,
      maxWaitMsOf: { STO01: 20_000 },
    });
    await limiter.acquire('STO01');
    await limiter.acquire('OF52');
    await clock.sleep(45_000);
    // 15 s left of each minute: OF52 (no wait of its own) is refused, STO01 waits in place.
    await expect(limiter.acquire('OF52')).rejects.toBeInstanceOf(RateLimitedError);
    await limiter.acquire('STO01');
    expect(clock.slept).toEqual([45_000, 15_000]);
    // A whole minute left: more than its 20 s, refused with the wait.
    const refused = await limiter.acquire('STO01').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterMs).toBe(60_000);
    expect(errorReason(refused)).toBe('call-frequency');
  });

  it('spaces the next call from the answer of a call that took long to come back', async () => {
    const clock = fakeClock();
    const limiter = new CallLimiter({ now: clock.now, sleep: clock.sleep });
    await limiter.acquire('OR11');
    await clock.sleep(20_000); // the call's own latency
    limiter.settled('OR11');
    clock.slept.length = 0;
    await limiter.acquire('OR11');
    expect(clock.slept).toEqual([60_000]);
  });

  it("says how long until an operation's next slot: none before the first call, the interval from the answer after it", async () => {
    const clock = fakeClock();
    const limiter = new CallLimiter({ now: clock.now, sleep: clock.sleep });
    expect(limiter.waitMs('STO02')).toBe(0);
    await limiter.acquire('STO02');
    await clock.sleep(1_000); // the read's latency
    limiter.settled('STO02');
    expect(limiter.waitMs('STO02')).toBe(15_000);
    await clock.sleep(10_000);
    expect(limiter.waitMs('STO02')).toBe(5_000);
    await clock.sleep(6_000);
    expect(limiter.waitMs('STO02')).toBe(0);
    expect(limiter.waitMs('A01')).toBe(0);
  });

  it('honours a server-given wait', async () => {
    const clock = fakeClock();
    const limiter = new CallLimiter({
      now: clock.now,
      sleep: clock.sleep,
      minIntervalMs: { OR11: 0 },
    });
    limiter.backOff('OR11', 5_000);
    await limiter.acquire('OR11');
    expect(clock.slept).toEqual([5_000]);
  });
});
