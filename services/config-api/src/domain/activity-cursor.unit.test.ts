import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeCursor, encodeCursor, isAfter, pageOf } from './activity-cursor.js';

const at = (ms: number) => new Date(Date.UTC(2026, 10, 30) + ms);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('activity cursor', () => {
  it('gives back the position it was made from', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.string({ minLength: 1, maxLength: 80 }),
        (ms, id) => {
          const cursor = encodeCursor({ at: new Date(ms), id });
          expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(decodeCursor(cursor)).toEqual({ at: new Date(ms), id });
        },
      ),
    );
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'not a cursor'],
    ['not JSON', 'abc'],
    ['a time that is not a number', b64(['a1', 'x', 'id'])],
    ['a fractional time', b64(['a1', 1.5, 'id'])],
    ['a time given as text', b64(['a1', '1', 'id'])],
    ['a time past the last date', b64(['a1', 9e15, 'id'])],
    ['an empty id', b64(['a1', 1, ''])],
    ['an id that is not text', b64(['a1', 1, 7])],
    ['an id over 200 characters', b64(['a1', 1, 'x'.repeat(201)])],
    ['another version', b64(['a0', 1, 'id'])],
    ['an extra element', b64(['a1', 1, 'id', 'more'])],
    ['an object', b64({ at: 1, id: 'x' })],
    ['an object shaped like the array', b64({ 0: 'a1', 1: 1, 2: 'id', length: 3 })],
    ['over 512 characters', 'A'.repeat(600)],
  ])('refuses what it did not make: %s', (_, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });

  it.each([
    ['padding', (c: string) => `${c}=`],
    ['a leading "!"', (c: string) => `!${c}`],
    ['a space inside', (c: string) => `${c.slice(0, 4)} ${c.slice(4)}`],
  ])('refuses a cursor of ours with %s, which a base64url decoder would skip', (_, change) => {
    expect(decodeCursor(change(encodeCursor({ at: at(0), id: 'evt-1' })))).toBeNull();
  });

  it('accepts a cursor given out by an earlier process (the format is stable), with ids up to 200 characters', () => {
    expect(decodeCursor('WyJhMSIsMTc2NDQ2MDgwMDAwMCwiZXZ0LTEiXQ')).toEqual({
      at: new Date('2025-11-30T00:00:00.000Z'),
      id: 'evt-1',
    });
    const long = 'x'.repeat(200);
    expect(decodeCursor(encodeCursor({ at: at(0), id: long }))).toEqual({ at: at(0), id: long });
  });

  it('orders newest first, ties by id', () => {
    const position = { at: at(1000), id: 'm' };
    expect(isAfter({ at: at(999), id: 'z' }, position)).toBe(true);
    expect(isAfter({ at: at(1000), id: 'l' }, position)).toBe(true);
    expect(isAfter({ at: at(1000), id: 'm' }, position)).toBe(false);
    expect(isAfter({ at: at(1000), id: 'n' }, position)).toBe(false);
    expect(isAfter({ at: at(1001), id: 'a' }, position)).toBe(false);
  });

  it('gives a next cursor only when more was fetched than a page holds: the position of the page’s last entry', () => {
    const entries = [3, 2, 1, 0].map((ms) => ({ at: at(ms), id: `e-${ms}` }));
    expect(pageOf(entries, 3)).toEqual({
      items: entries.slice(0, 3),
      nextCursor: encodeCursor(entries[2]!),
    });
    expect(pageOf(entries.slice(0, 3), 3)).toEqual({
      items: entries.slice(0, 3),
      nextCursor: null,
    });
    expect(pageOf(entries.slice(0, 2), 3).nextCursor).toBeNull();
    expect(pageOf([], 3)).toEqual({ items: [], nextCursor: null });
  });

  it('pages through any list exactly once, in order, with limit + 1 fetched per page', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.uuid()), {
          selector: ([, id]) => id,
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 7 }),
        (pairs, limit) => {
          // Newest first, as the store sorts them (at desc, id desc).
          const all = pairs
            .map(([ms, id]) => ({ at: at(ms), id }))
            .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1));
          const seen: string[] = [];
          let cursor: string | null = null;
          for (let pages = 0; pages < 100; pages += 1) {
            const after: ReturnType<typeof decodeCursor> = cursor ? decodeCursor(cursor) : null;
            const fetched: typeof all = all
              .filter((e) => !after || isAfter(e, after))
              .slice(0, limit + 1);
            const page: { items: typeof all; nextCursor: string | null } = pageOf(fetched, limit);
            expect(page.items.length).toBeLessThanOrEqual(limit);
            seen.push(...page.items.map((e) => e.id));
            cursor = page.nextCursor;
            if (cursor === null) break;
          }
          expect(seen).toEqual(all.map((e) => e.id));
        },
      ),
    );
  });
});
