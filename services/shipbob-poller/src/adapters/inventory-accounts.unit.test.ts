import { describe, expect, it } from '@jest/globals';
import type { SkuLevel } from '../domain/inventory-facts.js';
import { changedItems } from './inventory-accounts.js';

const item = (sku: string, fulfillable: number, extra: Partial<SkuLevel> = {}): SkuLevel => ({
  sku,
  inventoryId: `inv-${sku}`,
  fulfillable,
  onHand: fulfillable,
  committed: 0,
  exception: 0,
  active: true,
  digital: false,
  ...extra,
});

describe('changedItems', () => {
  it('given a read like the last, when saved, then nothing is written', () => {
    expect(changedItems([item('A', 1), item('B', 2)], [item('A', 1), item('B', 2)])).toEqual([]);
  });

  it('given changed, new and gone SKUs, when saved, then those and removals are written', () => {
    const previous = [item('A', 1), item('B', 2), item('C', 3), item('D', 4)];
    const next = [
      item('A', 1),
      item('B', 5),
      item('C', 3, { committed: 1 }),
      item('D', 4, { digital: true }),
      item('E', 0),
    ];
    expect(changedItems(previous, next)).toEqual([
      ['B', item('B', 5)],
      ['C', item('C', 3, { committed: 1 })],
      ['D', item('D', 4, { digital: true })],
      ['E', item('E', 0)],
    ]);
    expect(changedItems(previous, [item('A', 1)])).toEqual([
      ['B', null],
      ['C', null],
      ['D', null],
    ]);
  });

  it('given a first save, when saved, then every SKU is written', () => {
    expect(changedItems([], [item('A', 1), item('B', 2)])).toEqual([
      ['A', item('A', 1)],
      ['B', item('B', 2)],
    ]);
  });
});
