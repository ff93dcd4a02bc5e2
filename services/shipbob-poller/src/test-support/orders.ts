import type { ShipBobOrder, Shipment } from '@msync/shipbob';

// Order and shipment snapshots for the decisions' tests: one order (900) with one shipment (501).

export const STORE = 'store-1';
export const T0 = new Date('2025-03-01T10:00:00.000Z');
export const later = (ms: number) => new Date(T0.getTime() + ms);

/** A shipment still processing (no label). */
export function shipment(overrides: Partial<Shipment> = {}): Shipment {
  return {
    id: 501,
    orderId: 900,
    status: 'Processing',
    statusDetails: [],
    isLabeled: false,
    isCanceled: false,
    fulfillmentCenterId: 1,
    tracking: null,
    items: [],
    skuItems: [],
    lastUpdateAt: T0,
    ...overrides,
  };
}

/** The shipment labeled by UPS, 10 ms after T0. */
export const labeled = (overrides: Partial<Shipment> = {}) =>
  shipment({
    status: 'LabeledCreated',
    isLabeled: true,
    tracking: { carrier: 'UPS', trackingNumber: '1Z999', trackingUrl: 'https://ups.example/1Z999' },
    lastUpdateAt: later(10),
    ...overrides,
  });

/** Order 900 (Mirakl order `MIRAKL-1-A`) with the processing shipment. */
export function order(overrides: Partial<ShipBobOrder> = {}): ShipBobOrder {
  return {
    id: 900,
    referenceId: 'MIRAKL-1-A',
    orderNumber: null,
    status: 'Processing',
    isCanceled: false,
    channelId: 7,
    createdAt: T0,
    updatedAt: T0,
    shipments: [shipment()],
    ...overrides,
  };
}
