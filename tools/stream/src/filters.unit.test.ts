import { describe, expect, it } from '@jest/globals';
import { matchesFilter } from './filters.js';

const order = {
  envelope: { storeId: 'store-1', eventId: 'e1' },
  orderId: 'ORDER-7-A',
  lines: [
    { orderLineId: 'ORDER-7-A-1', offerSku: 'SKU-MUG' },
    { orderLineId: 'ORDER-7-A-2', offerSku: 'SKU-BOWL' },
  ],
};
const shipment = { referenceId: 'ORDER-8-A', trackingNumber: '1Z' };

describe('tail filters', () => {
  it('keeps an event about the order, under any of its names', () => {
    expect(matchesFilter(order, { orderId: 'ORDER-7-A' })).toBe(true);
    expect(matchesFilter(shipment, { orderId: 'ORDER-8-A' })).toBe(true);
    expect(matchesFilter(order, { orderId: 'ORDER-8-A' })).toBe(false);
  });

  it('keeps an event with the SKU on any line, and needs every filter given', () => {
    expect(matchesFilter(order, { sku: 'SKU-BOWL' })).toBe(true);
    expect(matchesFilter(order, { sku: 'SKU-CUP' })).toBe(false);
    expect(matchesFilter(order, { orderId: 'ORDER-7-A', sku: 'SKU-CUP' })).toBe(false);
    expect(matchesFilter(shipment, {})).toBe(true);
  });

  it('does not take a line id for the order id', () => {
    expect(matchesFilter(order, { orderId: 'ORDER-7-A-1' })).toBe(false);
  });
});
