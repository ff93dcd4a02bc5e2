import type { MiraklOrder, MiraklOrderLine } from '@msync/mirakl';

// Order snapshots as the Mirakl client maps OR11's answer, for the decisions' unit tests.

export const STORE = 'store-1';
export const T0 = new Date('2025-03-01T10:00:00.000Z');
export const later = (ms: number) => new Date(T0.getTime() + ms);

export function line(overrides: Partial<MiraklOrderLine> = {}): MiraklOrderLine {
  return {
    lineId: 'O1-A-1',
    index: 1,
    state: 'WAITING_ACCEPTANCE',
    sku: 'SKU-1',
    offerId: 11,
    productSku: 'P-1',
    title: 'Blue mug',
    quantity: 2,
    unitPrice: 12.5,
    price: 25,
    shippingPrice: 0,
    totalPrice: 25,
    ...overrides,
  };
}

export function order(overrides: Partial<MiraklOrder> = {}): MiraklOrder {
  return {
    orderId: 'O1-A',
    commercialId: 'O1',
    state: 'WAITING_ACCEPTANCE',
    createdAt: T0,
    lastUpdatedAt: T0,
    canCancel: false,
    canShopShip: false,
    hasIncident: false,
    currency: 'USD',
    totalPrice: 25,
    shippingTypeCode: 'STD',
    customer: { customerId: 'C1', firstName: 'Ada', lastName: 'Lovelace' },
    shippingAddress: null,
    lines: [line()],
    ...overrides,
  };
}

export const shipping = (at: Date) =>
  order({
    state: 'SHIPPING',
    lastUpdatedAt: at,
    lines: [line({ state: 'SHIPPING' })],
    shippingAddress: {
      firstName: 'Ada',
      lastName: 'Lovelace',
      street1: '1 Main St',
      city: 'Springfield',
      state: 'IL',
      zipCode: '62701',
      country: 'United States',
      countryIso3: 'USA',
    },
  });
