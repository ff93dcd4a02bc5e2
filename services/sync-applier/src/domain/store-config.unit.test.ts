import { describe, expect, it } from '@jest/globals';
import { storeConfig } from '../test-support/facts.js';
import { progressTowards } from './mirakl-progress.js';
import { newestConfig } from './store-config.js';

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

describe('progress of a Mirakl order towards an effect', () => {
  it.each([
    ['STAGING', 'too-early', 'too-early'],
    ['WAITING_ACCEPTANCE', 'pending', 'too-early'],
    ['WAITING_DEBIT', 'reached', 'too-early'],
    ['WAITING_DEBIT_PAYMENT', 'reached', 'too-early'],
    ['SHIPPING', 'reached', 'pending'],
    ['SHIPPED', 'reached', 'reached'],
    ['TO_COLLECT', 'reached', 'reached'],
    ['RECEIVED', 'reached', 'reached'],
    ['CLOSED', 'reached', 'reached'],
    ['REFUSED', 'unreachable', 'unreachable'],
    ['CANCELED', 'unreachable', 'unreachable'],
    ['SOMETHING_NEW', 'unknown', 'unknown'],
  ])('%s: accepted %s, shipped %s', (state, accepted, shipped) => {
    expect(progressTowards(state, 'accepted')).toBe(accepted);
    expect(progressTowards(state, 'shipped')).toBe(shipped);
  });
});
