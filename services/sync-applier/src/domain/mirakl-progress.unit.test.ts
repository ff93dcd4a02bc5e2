import { describe, expect, it } from '@jest/globals';
import { progressTowards } from './mirakl-progress.js';

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
