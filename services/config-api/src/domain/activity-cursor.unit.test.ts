import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeCursor, encodeCursor, isAfter, pageOf } from './activity-cursor.js';

const at = (ms: number) => new Date(Date.UTC(2026, 10, 30) + ms);

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

  it('refuses what it did not make', () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      '',
      'not a cursor',
      'abc',
      b64(['a1', 'x', 'id']),
      b64(['a1', 1.5, 'id']),
      b64(['a1', 1, '']),
      b64(['a0', 1, 'id']),
      b64({ at: 1, id: 'x' }),
      b64(['a1', 9e15, 'id']),
      'A'.repeat(600),
    ]) {
      expect(decodeCursor(cursor)).toBeNull();
    }
  });

  it('orders newest first, ties by id', () => {
    const position = { at: at(1000), id: 'm' };
    expect(isAfter({ at: at(999), id: 'z' }, position)).toBe(true);
    expect(isAfter({ at: at(1000), id: 'l' }, position)).toBe(true);
    expect(isAfter({ at: at(1000), id: 'm' }, position)).toBe(false);
    expect(isAfter({ at: at(1000), id: 'n' }, position)).toBe(false);
    expect(isAfter({ at: at(1001), id: 'a' }, position)).toBe(false);
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
