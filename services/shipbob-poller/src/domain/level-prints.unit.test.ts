import { describe, expect, it } from '@jest/globals';
import { diffLevels, type SkuLevel } from './inventory-facts.js';
import { diffPrints, flagsOfPrints, printsOf } from './level-prints.js';
import { skuLevel } from '../test-support/levels.js';

const level = (
  id: number,
  sku: string,
  fulfillable: number,
  extra: Partial<SkuLevel> = {},
): SkuLevel => skuLevel(sku, fulfillable, { inventoryId: String(id), ...extra });
const bySku = (items: SkuLevel[]) => [...items].sort((a, b) => (a.sku < b.sku ? -1 : 1));
const last = bySku([level(1, 'A', 1), level(2, 'B', 2), level(3, 'C', 3), level(4, 'D', 4)]);
const printsOfLast = () => printsOf(last, '7@1')!;

describe('diffPrints (ADR 0146)', () => {
  it('given a read like the last save, when diffed on its prints, then nothing changed and nothing is written', () => {
    expect(diffPrints(printsOfLast(), last)).toEqual({ changed: [], entries: [] });
  });

  it('given quantities and flags changed and a SKU new, when diffed on the prints, then it finds what the items find', () => {
    const current = bySku([
      level(1, 'A', 5),
      level(2, 'B', 2, { exception: 1 }),
      level(3, 'C', 3, { onHand: 9, committed: 2 }),
      level(4, 'D', 4, { active: false, digital: true }),
      level(9, 'AA', 0),
    ]);
    const diff = diffPrints(printsOfLast(), current);
    expect(diff).toEqual(diffLevels(last, current));
    // On hand and committed are kept, not reported: C is written, not told.
    expect(diff!.changed.map((l) => l.sku)).toEqual(['A', 'AA', 'B', 'D']);
    expect(diff!.entries.map(([sku]) => sku)).toEqual(['A', 'AA', 'B', 'C', 'D']);
  });

  it('given the read lists the items in another order, when diffed on the prints, then they are matched by inventory id', () => {
    const current = [level(4, 'D', 0), level(3, 'C', 3), level(2, 'B', 2), level(1, 'A', 1)];
    expect(diffPrints(printsOfLast(), current)).toEqual(diffLevels(last, current));
  });

  it('given a SKU gone, renamed, or moved to another item, when diffed on the prints, then they cannot tell', () => {
    const gone = last.filter((l) => l.sku !== 'C');
    const renamed = last.map((l) => (l.sku === 'C' ? { ...l, sku: 'C2' } : l));
    const moved = last.map((l) => (l.sku === 'C' ? { ...l, inventoryId: '30' } : l));
    for (const current of [gone, bySku(renamed), moved])
      expect(diffPrints(printsOfLast(), current)).toBe(null);
  });

  it('given many random reads, when diffed on the prints, then each finds what the items find or cannot tell', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) & 0x7fffffff;
      return seed % n;
    };
    const previous = bySku(
      Array.from({ length: 200 }, (_, i) => level(1000 + i, `SKU-${i}`, random(5))),
    );
    const prints = printsOf(previous, '1@1')!;
    let told = 0;
    for (let round = 0; round < 200; round++) {
      const current = previous
        .filter(() => random(400) !== 0)
        .map((l) => {
          const roll = random(20);
          if (roll === 0) return { ...l, fulfillable: l.fulfillable + 1 };
          if (roll === 1) return { ...l, onHand: l.onHand + 1 };
          if (roll === 2) return { ...l, active: !l.active };
          if (roll === 3 && random(10) === 0) return { ...l, sku: `${l.sku}-renamed` };
          return l;
        });
      if (random(3) === 0) current.push(level(5000 + round, `NEW-${round}`, 1));
      const sorted = bySku(current);
      const diff = diffPrints(prints, sorted);
      if (diff) {
        told++;
        expect(diff).toEqual(diffLevels(previous, sorted));
      } else {
        const ids = new Set(sorted.map((l) => `${l.inventoryId}|${l.sku}`));
        expect(previous.some((l) => !ids.has(`${l.inventoryId}|${l.sku}`))).toBe(true);
      }
    }
    expect(told).toBeGreaterThan(20);
  });
});

describe('printsOf (ADR 0146)', () => {
  it('given an inventory id or a quantity beyond 32 bits, when printed, then there are no prints', () => {
    expect(printsOf([level(2 ** 31, 'A', 1)], '1@1')).toBe(null);
    expect(printsOf([level(1, 'A', 2 ** 31)], '1@1')).toBe(null);
    expect(printsOf([{ ...level(1, 'A', 1), inventoryId: 'inv-1' }], '1@1')).toBe(null);
    expect(printsOf([level(2 ** 31 - 1, 'A', -(2 ** 31))], '1@1')?.size).toBe(1);
  });

  it('given items with flags, when their flags are asked, then each inventory id has its own', () => {
    const flags = flagsOfPrints(
      printsOf([level(1, 'A', 1, { active: false }), level(2, 'B', 1, { digital: true })], '3@1')!,
    );
    expect([1, 2].map((id) => flags.get(id))).toEqual([
      { isActive: false, isDigital: false },
      { isActive: true, isDigital: true },
    ]);
  });

  it('given many items listed by SKU, when their flags are asked in id order, in reverse or at random (ADR 0163), then each id has its own and ids of no item none', () => {
    // Ids not in SKU order, negative ones among them, every combination of the flags.
    const items = Array.from({ length: 300 }, (_, i) =>
      level(((i * 37) % 300) * 3 - 200, `S${String(i).padStart(3, '0')}`, 1, {
        active: i % 2 === 0,
        digital: i % 3 === 0,
      }),
    );
    const flags = flagsOfPrints(printsOf(items, '3@1')!);
    const expected = new Map(
      items.map((l) => [Number(l.inventoryId), { isActive: l.active, isDigital: l.digital }]),
    );
    const ids = [...expected.keys()].sort((a, b) => a - b);
    const shuffled = [...ids].sort((a, b) => ((a * 7919) % 301) - ((b * 7919) % 301));
    for (const order of [ids, [...ids].reverse(), shuffled, ids]) {
      for (const id of order) {
        expect(flags.has(id)).toBe(true);
        expect(flags.get(id)).toEqual(expected.get(id));
      }
    }
    for (const absent of [-202, -199, -1, 0, 2, 898, 900, 2 ** 31, 1.5]) {
      expect(flags.has(absent)).toBe(false);
      expect(flags.get(absent)).toBe(undefined);
    }
  });
});
