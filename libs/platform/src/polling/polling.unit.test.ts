import { describe, expect, it } from '@jest/globals';
import { decideClaim } from './call-gate.js';
import { Coalescer, isCovered, mergeDemands } from './coalesce.js';

describe('call gate decisions', () => {
  it('grants the first call on a key and sets the next allowed instant one interval later', () => {
    expect(decideClaim(null, 1_000, 60_000)).toEqual({ granted: true, seq: 1, nextAt: 61_000 });
  });

  it('refuses a call before the next allowed instant, with the wait', () => {
    expect(decideClaim({ seq: 4, nextAt: 61_000 }, 31_000, 60_000)).toEqual({
      granted: false,
      retryAfterMs: 30_000,
    });
  });

  it('grants a call at or after the next allowed instant with the next sequence number', () => {
    expect(decideClaim({ seq: 4, nextAt: 61_000 }, 61_000, 60_000)).toEqual({
      granted: true,
      seq: 5,
      nextAt: 121_000,
    });
  });
});

describe('poll demands', () => {
  it('a pass that started after the request covers it; one that started before does not', () => {
    expect(isCovered({ requestedAt: 100, since: null }, 100)).toBe(true);
    expect(isCovered({ requestedAt: 100, since: null }, 99)).toBe(false);
    expect(isCovered({ requestedAt: 100, since: null }, null)).toBe(false);
  });

  it('a backfill is never covered by a regular pass', () => {
    expect(isCovered({ requestedAt: 100, since: 5 }, 500)).toBe(false);
  });

  it('merging keeps the later request and the earlier backfill start', () => {
    expect(
      mergeDemands(
        { requestedAt: 1, since: 50, requestId: 'a', correlationId: 'corr-a' },
        { requestedAt: 2, since: null, requestId: 'b', correlationId: 'corr-b' },
      ),
    ).toEqual({ requestedAt: 2, since: 50, requestId: 'b', correlationId: 'corr-b' });
    expect(mergeDemands({ requestedAt: 3, since: 70 }, { requestedAt: 2, since: 40 })).toEqual({
      requestedAt: 3,
      since: 40,
    });
  });
});

/** A job the test finishes by hand, recording the demand each run was given. */
function handDriven() {
  const runs: { key: string; demand: number[]; finish: () => void; fail: (e: Error) => void }[] =
    [];
  const coalescer = new Coalescer<number[], string>(
    (key, demand) =>
      new Promise<string>((resolve, reject) => {
        runs.push({ key, demand, finish: () => resolve(`run ${runs.length}`), fail: reject });
      }),
    (a, b) => [...a, ...b],
  );
  return { runs, coalescer };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('Coalescer', () => {
  it('runs one job per key at a time and folds requests arriving meanwhile into one follow-up', async () => {
    const { runs, coalescer } = handDriven();
    const first = coalescer.request('s1', [1]);
    const second = coalescer.request('s1', [2]);
    const third = coalescer.request('s1', [3]);
    await settle();
    expect(runs.map((r) => r.demand)).toEqual([[1]]);

    runs[0]!.finish();
    expect(await first).toBe('run 1');
    await settle();
    expect(runs.map((r) => r.demand)).toEqual([[1], [2, 3]]);

    runs[1]!.finish();
    expect(await Promise.all([second, third])).toEqual(['run 2', 'run 2']);
    expect(coalescer.busy).toBe(0);
  });

  it('runs different keys side by side', async () => {
    const { runs, coalescer } = handDriven();
    const a = coalescer.request('s1', [1]);
    const b = coalescer.request('s2', [1]);
    await settle();
    expect(runs.map((r) => r.key)).toEqual(['s1', 's2']);
    runs.forEach((r) => r.finish());
    await Promise.all([a, b]);
  });

  it('a failed run fails its requests; the follow-up still runs for the ones that came later', async () => {
    const { runs, coalescer } = handDriven();
    const first = coalescer.request('s1', [1]);
    const later = coalescer.request('s1', [2]);
    await settle();
    runs[0]!.fail(new Error('vendor down'));
    await expect(first).rejects.toThrow('vendor down');
    await settle();
    expect(runs).toHaveLength(2);
    runs[1]!.finish();
    expect(await later).toBe('run 2');
  });
});
