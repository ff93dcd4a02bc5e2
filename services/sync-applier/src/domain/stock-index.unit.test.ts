import { describe, expect, it } from '@jest/globals';
import { inventoryOnConfig, stock, storeConfig } from '../test-support/facts.js';
import {
  decideWithIndex,
  inventoryBase,
  stockLines,
  type SkuStock,
  type StockLine,
} from './inventory.js';
import {
  PENDING_MAX,
  advanceStockIndex,
  indexAfterPush,
  indexAfterWrite,
  quantitiesAfterPush,
  stockIndexOf,
  type SkuChange,
  type StockIndex,
} from './stock-index.js';

const BUFFER = 2;
const indexOf = (
  levels: SkuStock[],
  offers: string[],
  pushed: [string, number][] = [],
  buffer = BUFFER,
) =>
  stockIndexOf({ levels, offers: new Set(offers), quantities: new Map(pushed) }, buffer, ['c1'])!;
const level = (fulfillable: number, extra: Partial<SkuStock> = {}): SkuChange['level'] => {
  const { sku: _sku, ...rest } = stock('x', fulfillable, extra);
  return rest;
};

describe('stock index: the SKUs pending', () => {
  it('given a map whose offers were pushed at their quantities, when indexed, then nothing is pending', () => {
    const index = indexOf(
      [stock('A', 10, { exception: 3 }), stock('B', 1), stock('DIGITAL', 50, { digital: true })],
      ['A', 'B', 'DIGITAL'],
      [
        ['A', 5],
        ['B', 0],
      ],
    );
    expect([...index.pending]).toEqual([]);
    expect(index.size).toBe(3);
    expect(index.chunks).toEqual(['c1']);
  });

  it('given offers whose quantity differs from the pushed one, when indexed, then they are pending with the quantity to send', () => {
    const index = indexOf(
      [stock('A', 10), stock('B', 4), stock('NOT-AN-OFFER', 9), stock('OFF', 9, { active: false })],
      ['A', 'B', 'OFF'],
      [['A', 7]],
    );
    expect([...index.pending]).toEqual([
      ['A', 8],
      ['B', 2],
    ]);
  });

  it('given more SKUs pending than an index keeps, when indexed, then there is no index (the map decides)', () => {
    const levels = Array.from({ length: PENDING_MAX + 1 }, (_, i) => stock(`S${i}`, 5));
    expect(
      stockIndexOf(
        { levels, offers: new Set(levels.map((l) => l.sku)), quantities: new Map() },
        BUFFER,
        [],
      ),
    ).toBeNull();
  });

  it('given a quantity beyond 32 bits, when indexed, then there is no index', () => {
    expect(
      stockIndexOf(
        { levels: [stock('A', 2 ** 33)], offers: new Set(['A']), quantities: new Map() },
        BUFFER,
        [],
      ),
    ).toBeNull();
  });
});

describe('stock index: what was written since', () => {
  const settled = () =>
    indexOf(
      [stock('A', 10), stock('B', 4), stock('C', 6)],
      ['A', 'B', 'C'],
      [
        ['A', 8],
        ['B', 2],
        ['C', 4],
      ],
    );

  it('given a settled store, when one SKU’s levels change, then that SKU is its one line', () => {
    const advanced = advanceStockIndex(settled(), [['B', { level: level(9) }]], ['c1', 'c2'])!;
    expect(advanced.lines).toEqual([{ sku: 'B', quantity: 7 }]);
    expect(advanced.index!.chunks).toEqual(['c1', 'c2']);
  });

  it('given a line sent, when its quantity is written as pushed, then it is pending no more', () => {
    const first = advanceStockIndex(settled(), [['B', { level: level(9) }]], ['c1', 'c2'])!;
    const second = advanceStockIndex(first.index!, [['B', { pushed: 7 }]], ['c1', 'c2', 'c3'])!;
    expect(second.lines).toEqual([]);
  });

  it('given a line never written as pushed (the import failed), when other SKUs change, then it is sent again with them', () => {
    const first = advanceStockIndex(settled(), [['B', { level: level(9) }]], ['c1', 'c2'])!;
    const second = advanceStockIndex(
      first.index!,
      [['C', { level: level(1) }]],
      ['c1', 'c2', 'c3'],
    )!;
    expect(second.lines).toEqual([
      { sku: 'B', quantity: 7 },
      { sku: 'C', quantity: 0 },
    ]);
  });

  it('given a new offer with levels, when written in two parts, then it is a line; a deleted offer is none', () => {
    const advanced = advanceStockIndex(
      settled(),
      [
        ['NEW', { level: level(12) }],
        ['NEW', { offer: true }],
        ['A', { offer: false }],
        ['A', { level: level(1) }],
      ],
      ['c2'],
    )!;
    expect(advanced.lines).toEqual([{ sku: 'NEW', quantity: 10 }]);
    expect(advanced.index!.size).toBe(4);
  });

  it('given a SKU turned digital or inactive, or its entry removed, then it is no line; its pushed quantity forgotten, it is one', () => {
    const advanced = advanceStockIndex(
      settled(),
      [
        ['A', { level: level(30, { digital: true }) }],
        ['B', { level: level(30, { active: false }) }],
        ['C', null],
      ],
      ['c2'],
    )!;
    expect(advanced.lines).toEqual([]);
    const forgotten = advanceStockIndex(advanced.index!, [['A', { pushed: null }]], ['c3'])!;
    expect(forgotten.lines).toEqual([]);
    const back = advanceStockIndex(forgotten.index!, [['A', { level: level(10) }]], ['c4'])!;
    expect(back.lines).toEqual([{ sku: 'A', quantity: 8 }]);
  });

  it('given more SKUs pending than an index keeps, when written, then their lines are given and no index is left', () => {
    const changes: [string, SkuChange][] = Array.from({ length: PENDING_MAX + 1 }, (_, i) => [
      `N${i}`,
      { level: level(5), offer: true },
    ]);
    const advanced = advanceStockIndex(settled(), changes, ['c2'])!;
    expect(advanced.lines).toHaveLength(PENDING_MAX + 1);
    expect(advanced.index).toBeNull();
  });
});

/** A store's map as the chunks leave it: each SKU's entry, merged write by write. */
type Entry = { level?: Omit<SkuStock, 'sku'>; offer: boolean; pushed?: number };
function applyTo(map: Map<string, Entry>, sku: string, change: SkuChange | null) {
  if (change === null) return void map.delete(sku);
  const entry: Entry = { ...(map.get(sku) ?? { offer: false }) };
  if (change.level === null) delete entry.level;
  else if (change.level) entry.level = change.level;
  if (change.offer !== undefined) entry.offer = change.offer;
  if (change.pushed === null) delete entry.pushed;
  else if (change.pushed !== undefined) entry.pushed = change.pushed;
  map.set(sku, entry);
}
const linesOfMap = (map: Map<string, Entry>, buffer: number): StockLine[] =>
  stockLines({
    levels: [...map].flatMap(([sku, e]) => (e.level ? [{ sku, ...e.level }] : [])),
    offers: new Set([...map].filter(([, e]) => e.offer).map(([sku]) => sku)),
    pushed: {
      buffer,
      quantities: new Map(
        [...map].flatMap(([sku, e]): [string, number][] =>
          e.pushed === undefined ? [] : [[sku, e.pushed]],
        ),
      ),
    },
    buffer,
    full: false,
  });

describe('stock index: the same lines as the whole map', () => {
  it('given random writes over many cycles, when each cycle ends, then the index gives exactly the lines the whole map gives', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const skus = Array.from({ length: 300 }, (_, i) => `SKU-${i}`);
    const map = new Map<string, Entry>();
    for (const sku of skus.slice(0, 200))
      applyTo(map, sku, { level: level(random(20)), offer: random(4) > 0 });
    const snapshotOf = () => ({
      levels: [...map].flatMap(([sku, e]) => (e.level ? [{ sku, ...e.level }] : [])),
      offers: new Set([...map].filter(([, e]) => e.offer).map(([sku]) => sku)),
      quantities: new Map(
        [...map].flatMap(([sku, e]): [string, number][] =>
          e.pushed === undefined ? [] : [[sku, e.pushed]],
        ),
      ),
    });
    let index: StockIndex | null = stockIndexOf(snapshotOf(), BUFFER, ['c0']);
    let chunk = 0;
    for (let cycle = 0; cycle < 60; cycle++) {
      const expected = linesOfMap(map, BUFFER);
      if (!index) {
        index = stockIndexOf(snapshotOf(), BUFFER, [`c${chunk}`]);
        expect(index).not.toBeNull();
      }
      // Writes of the cycle: levels, offers, entries removed, pushed quantities forgotten.
      const writes: [string, SkuChange | null][] = [];
      for (let i = random(40); i > 0; i--) {
        const sku = skus[random(skus.length)]!;
        const kind = random(10);
        const change: SkuChange | null =
          kind < 6
            ? { level: level(random(20), { exception: random(3), active: random(8) > 0 }) }
            : kind < 8
              ? { offer: random(3) > 0 }
              : kind < 9
                ? { pushed: null }
                : null;
        writes.push([sku, change]);
      }
      // Half the time the last cycle's lines were written as pushed (the import went through).
      if (random(2) === 0)
        for (const line of expected) writes.push([line.sku, { pushed: line.quantity }]);
      for (const [sku, change] of writes) applyTo(map, sku, change);
      const advanced = advanceStockIndex(index!, writes, [`c${++chunk}`])!;
      expect(advanced.lines).toEqual(linesOfMap(map, BUFFER));
      index = advanced.index;
    }
  });
});

describe('stock index: the cycle end decided on it', () => {
  const on = inventoryOnConfig();
  const cycle = { storeId: 'store-1', cycleId: 'store-1@1000', fullCycle: false };
  const index = () => indexOf([stock('A', 10)], ['A'], [['A', 8]]);
  const since = (appended: [string, SkuChange | null][], pushedBuffer: number | null = 2) => ({
    appended,
    pushedBuffer,
    chunks: ['c1', 'c2'],
  });

  it('given a change since the index, when the cycle ends, then its one line is imported', () => {
    const decided = decideWithIndex(cycle, on, {
      effect: null,
      index: index(),
      since: since([['A', { level: level(4) }]]),
    });
    expect(decided!.decision).toEqual({
      type: 'push',
      lines: [{ sku: 'A', quantity: 2 }],
      resumed: false,
      base: inventoryBase('store-1@1000'),
    });
    expect(decided!.index!.chunks).toEqual(['c1', 'c2']);
  });

  it('given nothing written since, when the cycle ends, then no import', () => {
    expect(decideWithIndex(cycle, on, { effect: null, index: index(), since: since([]) })).toEqual({
      decision: { type: 'unchanged', remember: true },
      index: expect.objectContaining({ chunks: ['c1', 'c2'] }),
    });
  });

  it('given the flow switched off, when the cycle ends, then it is skipped and the index kept as it was', () => {
    const kept = index();
    const decided = decideWithIndex(cycle, storeConfig(), {
      effect: null,
      index: kept,
      since: since([['A', { level: level(4) }]]),
    });
    expect(decided!.decision).toMatchObject({ type: 'skip', outcome: { outcome: 'SKIPPED' } });
    expect(decided!.index).toBe(kept);
  });

  it('given a store nothing was ever pushed for, when its offers are written since its index, then the index decides: every offer is a line (ADR 0174)', () => {
    const unpushed = indexOf([stock('A', 10), stock('B', 4), stock('C', 1)], []);
    const decided = decideWithIndex(cycle, on, {
      effect: null,
      index: unpushed,
      since: since(
        [
          ['A', { offer: true }],
          ['B', { offer: true }],
        ],
        null,
      ),
    });
    expect(decided!.decision).toMatchObject({
      type: 'push',
      lines: [
        { sku: 'A', quantity: 8 },
        { sku: 'B', quantity: 2 },
      ],
    });
    // An index holding pushed quantities of a map with no pushed buffer: the map decides.
    expect(
      decideWithIndex(cycle, on, { effect: null, index: index(), since: since([], null) }),
    ).toBeNull();
  });

  it('given a full cycle, another buffer, or pushed quantities not of its buffer, when the cycle ends, then the map decides', () => {
    const known = { effect: null, index: index(), since: since([]) };
    expect(decideWithIndex({ ...cycle, fullCycle: true }, on, known)).toBeNull();
    expect(decideWithIndex(cycle, { ...on, inventoryBuffer: 3 }, known)).toBeNull();
    expect(decideWithIndex(cycle, on, { ...known, since: since([], null) })).toBeNull();
  });
});

describe('stock index: after an import (ADR 0173)', () => {
  const catalog = (n: number) => Array.from({ length: n }, (_, i) => stock(`S${i}`, 5 + (i % 7)));

  it("given a store's first push of more SKUs than an index keeps pending, when its lines are taken as pushed, then the index has none pending", () => {
    const levels = catalog(PENDING_MAX + 500);
    const map = { levels, offers: new Set(levels.map((l) => l.sku)), quantities: new Map() };
    const lines = stockLines({
      ...map,
      pushed: { buffer: BUFFER, quantities: new Map() },
      buffer: BUFFER,
      full: false,
    });
    expect(lines).toHaveLength(PENDING_MAX + 500);
    expect(stockIndexOf(map, BUFFER, ['c1'])).toBeNull();

    const after = stockIndexOf(
      { ...map, quantities: quantitiesAfterPush(map.quantities, lines) },
      BUFFER,
      ['c1'],
    )!;
    expect(after.size).toBe(levels.length);
    expect([...after.pending]).toEqual([]);
    // The same lines as the map whose pushed quantities were written, from here on.
    const changed = advanceStockIndex(after, [['S3', { level: level(40) }]], ['c1', 'c2'])!;
    expect(changed.lines).toEqual([{ sku: 'S3', quantity: 38 }]);
  });

  it("given an index with lines pending, when they are taken as pushed, then it is pending no more and still names the map's chunks before the write", () => {
    const index = indexOf([stock('A', 10), stock('B', 4)], ['A', 'B'], [['A', 8]]);
    expect([...index.pending]).toEqual([['B', 2]]);
    const after = indexAfterPush(index, [{ sku: 'B', quantity: 2 }])!;
    expect([...after.pending]).toEqual([]);
    expect(after.chunks).toEqual(['c1']);
    expect(advanceStockIndex(after, [], ['c1'])!.lines).toEqual([]);
  });

  it('given a catalog of offers written since the index (more SKUs pending than an index keeps), when the lines they make are taken as pushed, then the index names the chunks read and has none pending (ADR 0174)', () => {
    const levels = catalog(PENDING_MAX + 500);
    const index = indexOf(levels, []);
    const appended = levels.map(({ sku }): [string, SkuChange] => [sku, { offer: true }]);
    const since = { appended, chunks: ['c1', 'c2', 'c3'] };
    const advanced = advanceStockIndex(index, appended, since.chunks)!;
    expect(advanced.lines).toHaveLength(PENDING_MAX + 500);
    expect(advanced.index).toBeNull();

    const after = indexAfterPush(index, advanced.lines, since)!;
    expect(after.chunks).toEqual(['c1', 'c2', 'c3']);
    expect([...after.pending]).toEqual([]);
    expect(
      advanceStockIndex(after, [['S1', { level: level(30) }]], ['c1', 'c2', 'c3', 'c4'])!.lines,
    ).toEqual([{ sku: 'S1', quantity: 28 }]);
  });

  it('given the write of the pushed quantities, when its chunks directly follow the index’s, then the index names them; otherwise there is none', () => {
    const index = indexOf([stock('A', 10)], ['A'], [['A', 8]]);
    expect(indexAfterWrite(index, { chunks: ['c1', 'w1', 'w2'], appended: 2 })!.chunks).toEqual([
      'c1',
      'w1',
      'w2',
    ]);
    // Another write between the decision's read and this one: the map decides next.
    expect(indexAfterWrite(index, { chunks: ['c1', 'x', 'w1', 'w2'], appended: 2 })).toBeNull();
    // A compaction by the write: other chunks.
    expect(indexAfterWrite(index, { chunks: ['k1'], appended: 2 })).toBeNull();
    expect(indexAfterWrite(index, { chunks: ['c0', 'w1'], appended: 1 })).toBeNull();
  });
});
