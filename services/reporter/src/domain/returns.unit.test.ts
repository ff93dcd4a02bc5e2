import { describe, expect, it } from '@jest/globals';
import { completedTime, normalizeStatus, replacesReturn, type ReturnRecord } from './returns.js';

const record = (over: Partial<ReturnRecord> = {}): ReturnRecord => ({
  storeId: 's1',
  returnId: '901',
  referenceId: 'R-MKP-1-1',
  storeOrderId: 'MKP-1',
  status: 'AwaitingArrival',
  fulfillmentCenter: 'Cicero (IL)',
  actionRequested: 'Restock',
  actionTaken: null,
  completedAt: null,
  updatedAt: 1_000,
  ...over,
});

describe('the projection keeps the latest state of each return', () => {
  it('reads both spellings of awaiting arrival, and any case', () => {
    expect(normalizeStatus('Awaiting Arrival')).toBe('AwaitingArrival');
    expect(normalizeStatus('AwaitingArrival')).toBe('AwaitingArrival');
    expect(normalizeStatus('completed')).toBe('Completed');
    expect(normalizeStatus(' Refunded ')).toBe('Refunded');
  });

  it('takes a first state, and a state updated later at the source', () => {
    expect(replacesReturn(null, record())).toBe(true);
    expect(replacesReturn(record(), record({ status: 'Arrived', updatedAt: 2_000 }))).toBe(true);
  });

  it('ignores an older state that arrives after a newer one (arrival order does not count)', () => {
    const completed = record({ status: 'Completed', updatedAt: 3_000 });
    expect(replacesReturn(completed, record({ status: 'Processing', updatedAt: 2_000 }))).toBe(
      false,
    );
  });

  it('at the same source time, the further status wins and the same state again changes nothing', () => {
    const processing = record({ status: 'Processing', updatedAt: 2_000 });
    expect(replacesReturn(processing, record({ status: 'Completed', updatedAt: 2_000 }))).toBe(
      true,
    );
    expect(replacesReturn(record({ status: 'Completed', updatedAt: 2_000 }), processing)).toBe(
      false,
    );
    expect(replacesReturn(processing, { ...processing })).toBe(false);
  });

  it('dates a completion by ShipBob completion date, else by when it was seen completed', () => {
    expect(completedTime(record({ status: 'Completed', completedAt: 500, updatedAt: 900 }))).toBe(
      500,
    );
    expect(completedTime(record({ status: 'Completed', updatedAt: 900 }))).toBe(900);
    expect(completedTime(record({ status: 'Processing', completedAt: 500 }))).toBeNull();
  });
});
