import type { ReturnItem, ShipBobReturn } from '@msync/shipbob';
import { T0 } from './orders.js';

// Return snapshots for the decisions' tests: return 3 (RMA `MIRAKL-1-A-1`) of one mug.

/** One returned item, nothing processed yet. */
export function returnItem(overrides: Partial<ReturnItem> = {}): ReturnItem {
  return {
    inventoryId: 500,
    name: 'Mug',
    sku: 'MUG-1',
    quantity: 1,
    actionRequested: 'Default',
    actionTaken: [],
    ...overrides,
  };
}

/** Return 3, awaiting arrival at Cicero since T0. */
export function returnOrder(overrides: Partial<ShipBobReturn> = {}): ShipBobReturn {
  return {
    id: 3,
    referenceId: 'MIRAKL-1-A-1',
    status: 'AwaitingArrival',
    storeOrderId: 'MIRAKL-1-A',
    fulfillmentCenter: { id: 8, name: 'Cicero' },
    items: [returnItem()],
    trackingNumber: null,
    insertedAt: T0,
    completedAt: null,
    changedAt: T0,
    ...overrides,
  };
}
