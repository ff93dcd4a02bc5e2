import { describe, expect, it } from '@jest/globals';
import { configSnapshot } from './events.js';
import { defaultSettings, type Store } from './store.js';

const store: Store = {
  id: 'store-1',
  tenantId: 'tenant-a',
  status: 'CONNECTED',
  miraklBaseUrl: 'https://acme.mirakl.net',
  miraklShopId: '2001',
  miraklShopName: 'Acme',
  miraklApiKey: { sealed: 'sealed-mirakl-key', last4: 'k123' },
  shipbob: {
    pat: { sealed: 'sealed-shipbob-pat', last4: 'p456' },
    channelId: '77',
    channelName: 'Acme channel',
  },
  settings: {
    ...defaultSettings(),
    reportEmail: 'ops@example.com',
    reportWhenEmpty: true,
    toggles: { ...defaultSettings().toggles, orders: true, returns: true },
    inventoryBuffer: 2,
    returnFulfillmentCenterId: '8',
    pollIntervalMinutes: 5,
    shippingMethods: { STD: 'Standard', 'EXP-2D': '2-Day' },
    defaultShippingMethod: 'Ground',
    cancelShipBobOnMarketplaceCancel: true,
  },
  returnsApproved: true,
  version: 12,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  updatedAt: new Date('2026-01-02T00:00:00Z'),
};

describe('config snapshot on the compacted topic', () => {
  it('carries the whole configuration of a linked store', () => {
    expect(configSnapshot(store)).toEqual({
      version: 12,
      status: 'CONNECTED',
      tenantId: 'tenant-a',
      miraklBaseUrl: 'https://acme.mirakl.net',
      miraklShopId: '2001',
      miraklShopName: 'Acme',
      shipbobConfigured: true,
      shipbobChannelId: '77',
      reportEmail: 'ops@example.com',
      toggles: {
        offers: false,
        inventory: false,
        orders: true,
        tracking: false,
        cancellations: false,
        returns: true,
      },
      returnsApproved: true,
      inventoryBuffer: 2,
      returnFulfillmentCenterId: '8',
      pollIntervalMinutes: 5,
      shippingMethods: { STD: 'Standard', 'EXP-2D': '2-Day' },
      defaultShippingMethod: 'Ground',
      reportWhenEmpty: true,
      cancelShipBobOnMarketplaceCancel: true,
    });
  });

  it('says when ShipBob is not linked', () => {
    expect(configSnapshot({ ...store, shipbob: null })).toMatchObject({
      shipbobConfigured: false,
      shipbobChannelId: null,
    });
  });

  it('never carries a secret, sealed or not', () => {
    const text = JSON.stringify(configSnapshot(store));
    for (const secret of ['sealed-mirakl-key', 'k123', 'sealed-shipbob-pat', 'p456']) {
      expect(text).not.toContain(secret);
    }
  });

  it('is a copy: a later change to the store does not alter a published snapshot', () => {
    const copy = {
      ...store,
      settings: {
        ...store.settings,
        toggles: { ...store.settings.toggles },
        shippingMethods: { ...store.settings.shippingMethods },
      },
    };
    const snapshot = configSnapshot(copy);
    copy.settings.toggles.orders = false;
    copy.settings.shippingMethods['STD'] = 'Overnight';
    expect(snapshot.toggles.orders).toBe(true);
    expect(snapshot.shippingMethods['STD']).toBe('Standard');
  });
});
