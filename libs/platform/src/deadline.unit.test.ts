import { describe, expect, it } from '@jest/globals';
import { runWithDeadline, withDeadline } from './deadline.js';
import { sleep } from './retry.js';

describe('a deadline over nested work', () => {
  it('reaches calls made anywhere inside the work, across awaits, and only there', async () => {
    const deadline = new AbortController();
    const seen: (AbortSignal | undefined)[] = [];
    const deepCall = async () => {
      await sleep(1);
      seen.push(withDeadline());
    };
    await runWithDeadline(deadline.signal, async () => {
      await deepCall();
      await Promise.all([deepCall(), deepCall()]);
    });
    await deepCall();
    expect(seen.slice(0, 3).every((s) => s === deadline.signal)).toBe(true);
    expect(seen[3]).toBeUndefined();
  });

  it("combines with a call's own signal and with an outer deadline: whichever aborts first", async () => {
    const outer = new AbortController();
    const inner = new AbortController();
    const own = new AbortController();
    let combined: AbortSignal | undefined;
    await runWithDeadline(outer.signal, () =>
      runWithDeadline(inner.signal, () => {
        combined = withDeadline(own.signal);
        return Promise.resolve();
      }),
    );
    expect(combined?.aborted).toBe(false);
    outer.abort(new Error('outer deadline'));
    expect(combined?.aborted).toBe(true);
    expect(combined?.reason).toEqual(new Error('outer deadline'));
    expect(withDeadline(own.signal)).toBe(own.signal);
  });
});
