import type { StoreSchedule } from '../domain/store-schedule.js';

// Store configurations as the scheduler records them, for the decisions' unit tests.

export const allOff = {
  offers: false,
  inventory: false,
  orders: false,
  tracking: false,
  cancellations: false,
  returns: false,
};

/** Given: a connected store with every flow off and ShipBob not configured. */
export function store(overrides: Partial<StoreSchedule> = {}): StoreSchedule {
  return {
    storeId: 'store-1',
    version: 1,
    status: 'CONNECTED',
    toggles: allOff,
    shipbobConfigured: false,
    returnsApproved: false,
    pollIntervalMinutes: 15,
    reportEmail: null,
    ...overrides,
  };
}
