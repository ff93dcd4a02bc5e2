import { describe, expect, it } from '@jest/globals';
import { groupWrites } from './group-writes.js';

/** A write that records its groups and can be held open. */
function recorder() {
  const groups: number[][] = [];
  let release: (() => void) | undefined;
  let held: Promise<void> | undefined;
  return {
    groups,
    hold() {
      held = new Promise<void>((resolve) => (release = resolve));
    },
    release: () => release?.(),
    write: async (items: number[]) => {
      groups.push(items);
      if (held) {
        const wait = held;
        held = undefined;
        await wait;
      }
      return items.map((i) => i * 10);
    },
  };
}

describe('groupWrites', () => {
  it('given items handed over together, when written, then one write takes them all and each caller gets its result', async () => {
    const r = recorder();
    const add = groupWrites(r.write, { maxItems: 100, maxDelayMs: 5 });
    await expect(Promise.all([add(1), add(2), add(3)])).resolves.toEqual([10, 20, 30]);
    expect(r.groups).toEqual([[1, 2, 3]]);
  });

  it('given a group being written, when more items come, then they wait and go together in order right after', async () => {
    const r = recorder();
    const add = groupWrites(r.write, { maxItems: 100, maxDelayMs: 5 });
    r.hold();
    const first = add(1);
    while (r.groups.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const later = [add(2), add(3)];
    r.release();
    await expect(Promise.all([first, ...later])).resolves.toEqual([10, 20, 30]);
    expect(r.groups).toEqual([[1], [2, 3]]);
  });

  it('given more than maxItems, when written, then the groups hold at most maxItems', async () => {
    const r = recorder();
    const add = groupWrites(r.write, { maxItems: 2, maxDelayMs: 5 });
    await Promise.all([1, 2, 3, 4, 5].map((i) => add(i)));
    expect(r.groups).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('given a write that fails, when its callers wait, then each of them gets the error and the next group is written', async () => {
    let fail = true;
    const add = groupWrites(
      async (items: number[]) => {
        if (fail) {
          fail = false;
          throw new Error('database down');
        }
        return items;
      },
      { maxItems: 100, maxDelayMs: 5 },
    );
    const failed = [add(1), add(2)];
    await expect(failed[0]).rejects.toThrow('database down');
    await expect(failed[1]).rejects.toThrow('database down');
    await expect(add(3)).resolves.toBe(3);
  });
});
