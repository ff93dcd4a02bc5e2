import { describe, expect, it } from '@jest/globals';
import { createProductLookups } from './product-lookups.js';

const match = (id: string) => ({ productId: id, matchedBy: 'sku' as const });

describe('product lookups made ahead of their facts', () => {
  it('given answers of a store that puts nothing more, when a minute passed past their freshness, then another store putting drops them', () => {
    let clock = 0;
    const lookups = createProductLookups(30_000, () => clock);
    lookups.put('store-a', [
      ['A-1', match('1')],
      ['A-2', null],
    ]);
    const held = Symbol('batch');
    lookups.put('store-a', [['A-3', match('3')]], held);
    expect(lookups.size).toBe(3);

    clock = 61_000;
    lookups.put('store-b', [['B-1', match('9')]]);

    // are stale; A-3 is held by a batch still being handled.
    expect(lookups.size).toBe(2);
    expect(lookups.take('store-a', ['A-1', 'A-3'])).toEqual({
      known: new Map([['A-3', match('3')]]),
      missing: ['A-1'],
    });
  });

  it("given a whole list's answers kept five minutes, when other stores put, then they go only once those minutes passed", () => {
    let clock = 0;
    const lookups = createProductLookups(30_000, () => clock);
    lookups.put('store-a', [['A-1', match('1')]], undefined, 5 * 60_000);
    clock = 4 * 60_000;
    lookups.put('store-b', [['B-1', match('9')]]);
    expect(lookups.size).toBe(2);
    clock = 5 * 60_000 + 1;
    lookups.put('store-b', [['B-2', match('8')]]);
    // B-1 went with store-b's own put, A-1 with the sweep.
    expect(lookups.size).toBe(1);
    expect(lookups.take('store-a', ['A-1'])).toEqual({ known: new Map(), missing: ['A-1'] });
  });
});
