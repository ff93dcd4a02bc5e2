import { describe, expect, it } from '@jest/globals';
import { storeConfig, storeConfigChanged } from '../test-support/facts.js';
import { closedGate, newestConfig, storeConfigOf } from './store-config.js';

describe('the newest configuration of a store', () => {
  it('keeps the higher version; an older or repeated snapshot changes nothing', () => {
    const v3 = storeConfig({ version: 3 });
    const v4 = storeConfig({ version: 4, status: 'DISCONNECTED' });
    expect(newestConfig(undefined, v3)).toBe(v3);
    expect(newestConfig(v3, v4)).toBe(v4);
    expect(newestConfig(v4, v3)).toBe(v4);
    expect(newestConfig(v4, { ...v4, status: 'CONNECTED' })).toBe(v4);
  });
});

describe('the configuration the applier decides with', () => {
  it('given a configuration event, then it keeps the store, version, status, toggles and ship options', () => {
    const config = storeConfig({
      storeId: 'store-7',
      version: 9,
      shippingMethods: { STD: 'Standard', 'EXP-2D': '2-Day' },
      defaultShippingMethod: 'Ground',
    });
    expect(storeConfigOf(storeConfigChanged(config, 'https://acme.mirakl.net'))).toEqual(config);
  });
});

describe('whether a flow may act for a store', () => {
  it('given a store that is not connected, then nothing flows, and the seller reads why', () => {
    expect(closedGate(storeConfig({ status: 'DISCONNECTED' }), 'tracking')).toEqual({
      reason: 'store-not-connected',
      detail: 'the store is DISCONNECTED: nothing is synced until it is connected again',
    });
  });

  it('given no verified ShipBob token, then orders stop (they end in ShipBob) but tracking flows (Mirakl only)', () => {
    const noShipBob = storeConfig({ shipbobConfigured: false });
    expect(closedGate(noShipBob, 'orders')).toEqual({
      reason: 'shipbob-not-configured',
      detail: 'no verified ShipBob token is configured for this store',
    });
    expect(closedGate(noShipBob, 'tracking')).toBeUndefined();
  });
});
