import { describe, expect, it } from '@jest/globals';
import { laneOfFlow, storeOfLane } from './lanes.js';

describe('lanes of a store (ADR 0100)', () => {
  it('keeps the store id as the lane of its orders, the lane every fact had before', () => {
    expect(laneOfFlow('orders', 'store-1')).toBe('store-1');
  });

  it('gives the offers and the inventory of a store lanes of their own, apart from each other', () => {
    const lanes = ['orders', 'offers', 'inventory'].map((flow) =>
      laneOfFlow(flow as 'orders' | 'offers' | 'inventory', 'store-1'),
    );
    expect(new Set(lanes).size).toBe(3);
    expect(laneOfFlow('offers', 'store-1')).toBe('store-1|offers');
    expect(laneOfFlow('inventory', 'store-1')).toBe('store-1|inventory');
  });

  it('never gives two stores one lane', () => {
    expect(laneOfFlow('offers', 'a')).not.toBe(laneOfFlow('offers', 'b'));
  });

  it('finds the store of any lane', () => {
    for (const flow of ['orders', 'offers', 'inventory'] as const) {
      expect(storeOfLane(laneOfFlow(flow, 'store-7'))).toBe('store-7');
    }
    expect(storeOfLane('store-7|offer:SKU-1')).toBe('store-7');
  });
});
