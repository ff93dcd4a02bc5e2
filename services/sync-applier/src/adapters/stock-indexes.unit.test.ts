import { describe, expect, it } from '@jest/globals';
import { stock } from '../test-support/facts.js';
import { stockIndexOf } from '../domain/stock-index.js';
import { createStockIndexes } from './stock-indexes.js';

/** An index of `skus` SKUs. */
const indexOf = (skus: number) => {
  const levels = Array.from({ length: skus }, (_, i) => stock(`S${i}`, 1));
  return stockIndexOf({ levels, offers: new Set(), quantities: new Map() }, 0, [])!;
};

describe('stock indexes kept between cycle ends', () => {
  it('given a budget, when indexes are put, then the least recently used store gives way first', () => {
    const sizes: number[] = [];
    const indexes = createStockIndexes(10, (entries) => sizes.push(entries));
    indexes.put('a', indexOf(4));
    indexes.put('b', indexOf(4));
    // a used (taken and put back): b is now the least recently used.
    indexes.put('a', indexes.take('a')!);
    indexes.put('c', indexOf(4));
    expect(indexes.take('b')).toBeUndefined();
    expect(indexes.size()).toEqual({ entries: 8, stores: 2 });
    expect(sizes.at(-1)).toBe(8);
  });

  it('given an index taken, when nothing is put back, then the store has none', () => {
    const indexes = createStockIndexes(10);
    indexes.put('a', indexOf(3));
    expect(indexes.take('a')!.size).toBe(3);
    expect(indexes.take('a')).toBeUndefined();
    expect(indexes.size()).toEqual({ entries: 0, stores: 0 });
  });

  it('given an index larger than the budget, when put, then it is not kept and the others stay', () => {
    const indexes = createStockIndexes(10);
    indexes.put('a', indexOf(3));
    indexes.put('b', indexOf(11));
    expect(indexes.size()).toEqual({ entries: 3, stores: 1 });
    // Put again for a store, an index replaces the one it had.
    indexes.put('a', indexOf(5));
    expect(indexes.size()).toEqual({ entries: 5, stores: 1 });
  });
});
