import { describe, expect, it } from '@jest/globals';
import { Registry } from '@msync/platform';
import { counted } from '@msync/test-support';
import { headKeyOf, printsOf } from '../domain/level-prints.js';
import { skuLevel } from '../test-support/levels.js';
import { createLevelPrintsCache } from './level-prints-cache.js';

const at = new Date('2026-12-05T00:00:00Z');
const printsOfSize = (size: number, head: string) =>
  printsOf(
    Array.from({ length: size }, (_, i) => skuLevel(`SKU-${i}`, i, { inventoryId: String(i + 1) })),
    head,
  );

describe('level prints cache (ADR 0146)', () => {
  it('given prints of a head, when another head is asked, then they are a miss and that head a hit', async () => {
    const registry = new Registry();
    const cache = createLevelPrintsCache({ maxEntries: 100, registry });
    const head = headKeyOf({ revision: 3, readAt: at });
    cache.put('account', printsOfSize(10, head));
    // The snapshot removed and made again: revision 3 again, read at another time.
    expect(
      cache.get('account', headKeyOf({ revision: 3, readAt: new Date(at.getTime() + 1) })),
    ).toBe(null);
    expect(cache.get('account', head)?.size).toBe(10);
    expect(await counted(registry, 'inventory_level_prints_total', { result: 'hit' })).toBe(1);
    expect(await counted(registry, 'inventory_level_prints_total', { result: 'miss' })).toBe(1);
  });

  it('given a save of the head alone, when moved, then the prints stand for the new head only if they were of the one read', () => {
    const cache = createLevelPrintsCache({ maxEntries: 100 });
    cache.put('account', printsOfSize(5, '1@1'));
    cache.moved('account', '9@9', '10@10');
    expect(cache.get('account', '10@10')).toBe(null);
    cache.moved('account', '1@1', '2@2');
    expect(cache.get('account', '2@2')?.size).toBe(5);
    expect(cache.get('account', '1@1')).toBe(null);
  });

  it('given a budget, when accounts are put beyond it, then the one read longest ago gives way and one larger than the budget is not kept', () => {
    const cache = createLevelPrintsCache({ maxEntries: 25 });
    cache.put('a', printsOfSize(10, 'a'));
    cache.put('b', printsOfSize(10, 'b'));
    expect(cache.get('a', 'a')).not.toBe(null); // a read last: b gives way first
    cache.put('c', printsOfSize(10, 'c'));
    expect([cache.get('a', 'a'), cache.get('b', 'b'), cache.get('c', 'c')].map(Boolean)).toEqual([
      true,
      false,
      true,
    ]);
    cache.put('huge', printsOfSize(26, 'huge'));
    expect(cache.get('huge', 'huge')).toBe(null);
    expect(cache.size()).toEqual({ entries: 20, accounts: 2 });
    cache.unusable('a');
    expect(cache.size()).toEqual({ entries: 10, accounts: 1 });
  });
});
