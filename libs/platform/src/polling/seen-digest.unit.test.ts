import { describe, expect, it } from '@jest/globals';
import { marksHash, SeenDigest, SeenDigests } from './seen-digest.js';

const at = Date.parse('2025-01-02T00:00:00Z');
const entry = (marks: string[], seenAt = at) => ({ marks, seenAt });

describe('SeenDigest', () => {
  const digest = () =>
    new SeenDigest(
      [
        ['A', entry(['fp:a'])],
        ['B', entry(['fp:b'], at - 60_000)],
        ['C', entry(['state:x', 'state:y'])],
      ],
      ['c1'],
    );

  it('holds an entry of exactly these marks, remembered at or after the instant', () => {
    const d = digest();
    expect(d.holds('A', marksHash(['fp:a']), at)).toBe(true);
    // Marks are a set: their order does not matter.
    expect(d.holds('C', marksHash(['state:y', 'state:x']), at)).toBe(true);
    expect(d.size).toBe(3);
  });

  it.each([
    ['of other marks', 'A', ['fp:changed'], at],
    ['of a mark less', 'C', ['state:x'], at],
    ['remembered before the instant', 'B', ['fp:b'], at],
    ['remembered a part of a second before it', 'A', ['fp:a'], at + 1],
    ['never seen', 'Z', ['fp:z'], at - 3_600_000],
  ])('does not hold an entry %s', (_, id, marks, freshSince) => {
    expect(digest().holds(id, marksHash(marks), freshSince)).toBe(false);
  });

  it('takes in entries written since: changed, removed, or merged (marks not known whole)', () => {
    const d = digest();
    d.add([
      ['A', entry(['fp:a2'])],
      ['B', null],
      ['C', { ...entry(['state:x', 'state:y']), unknown: true }],
      ['D', entry(['fp:d'])],
    ]);
    expect(d.holds('A', marksHash(['fp:a']), at)).toBe(false);
    expect(d.holds('A', marksHash(['fp:a2']), at)).toBe(true);
    expect(d.holds('B', marksHash(['fp:b']), at - 3_600_000)).toBe(false);
    expect(d.holds('C', marksHash(['state:x', 'state:y']), at)).toBe(false);
    expect(d.holds('D', marksHash(['fp:d']), at)).toBe(true);
    // The later of two writes of one id wins.
    d.add([['D', entry(['fp:d2'], at - 60_000)]]);
    expect(d.holds('D', marksHash(['fp:d2']), at)).toBe(false);
    expect(d.holds('D', marksHash(['fp:d2']), at - 60_000)).toBe(true);
  });

  it('tells apart two ids of one hash by their marks', () => {
    // "S539599" and "S722382" have the same 32-bit FNV-1a hash.
    const d = new SeenDigest(
      [
        ['S539599', entry(['fp:one'])],
        ['S722382', entry(['fp:two'])],
      ],
      [],
    );
    expect(d.holds('S539599', marksHash(['fp:one']), at)).toBe(true);
    expect(d.holds('S722382', marksHash(['fp:two']), at)).toBe(true);
    expect(d.holds('S539599', marksHash(['fp:three']), at)).toBe(false);
  });

  it('folds many entries written since into its arrays, each replacing the rows of its hash', () => {
    const d = new SeenDigest(
      [
        ['S539599', entry(['fp:one'])],
        ['kept', entry(['fp:kept'])],
        ['gone', entry(['fp:gone'])],
      ],
      [],
    );
    const later = Array.from({ length: 300 }, (_, i) => [`N${i}`, entry([`fp:${i}`])] as const);
    // "S722382" has the hash of "S539599": its row replaces that one, which is no longer told.
    d.add([...later, ['S722382', entry(['fp:two'])], ['gone', null]]);
    expect(d.size).toBe(302);
    expect(later.filter(([id, e]) => !d.holds(id, marksHash(e.marks), at))).toEqual([]);
    expect(d.holds('S722382', marksHash(['fp:two']), at)).toBe(true);
    expect(d.holds('S539599', marksHash(['fp:one']), at)).toBe(false);
    expect(d.holds('kept', marksHash(['fp:kept']), at)).toBe(true);
    expect(d.holds('gone', marksHash(['fp:gone']), at)).toBe(false);
  });

  it('answers for each of many entries, sorted or not', () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => `SKU-${(i * 7919) % 5_000}`);
    const d = new SeenDigest(
      ids.map((id) => [id, entry([`fp:${id}`])]),
      [],
    );
    expect(ids.filter((id) => !d.holds(id, marksHash([`fp:${id}`]), at))).toEqual([]);
    expect(ids.filter((id) => d.holds(id, marksHash([`fp:${id}!`]), at))).toEqual([]);
  });
});

describe('marksHash', () => {
  it('differs for marks that differ, in either of its two halves', () => {
    const hashes = new Set<string>();
    for (let i = 0; i < 20_000; i++) hashes.add(marksHash([`fp:${i}`]).join(':'));
    expect(hashes.size).toBe(20_000);
    const [a, b] = marksHash(['fp:1']);
    expect(a).not.toBe(b);
  });
});

describe('SeenDigests', () => {
  const of = (n: number) =>
    new SeenDigest(
      Array.from({ length: n }, (_, i) => [`K${i}`, entry(['m'])] as const),
      [],
    );

  it('keeps digests within its entries, dropping the least recently used first', () => {
    const kept = new SeenDigests(10);
    kept.put('a', of(4));
    kept.put('b', of(4));
    kept.get('a');
    kept.put('c', of(4));
    expect([kept.get('a') !== undefined, kept.get('b'), kept.get('c') !== undefined]).toEqual([
      true,
      undefined,
      true,
    ]);
    expect(kept.entries()).toBe(8);
  });

  it('keeps no digest larger than its budget, and counts what a digest took in', () => {
    const kept = new SeenDigests(10);
    kept.put('big', of(11));
    expect(kept.get('big')).toBeUndefined();
    kept.put('a', of(4));
    const a = kept.get('a')!;
    a.add([['new', entry(['m'])]]);
    kept.grew('a', 4);
    expect(kept.entries()).toBe(5);
    kept.drop('a');
    expect(kept.entries()).toBe(0);
  });
});
