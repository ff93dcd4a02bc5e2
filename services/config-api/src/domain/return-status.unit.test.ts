import { describe, expect, it } from '@jest/globals';
import { laterReturnStatus, type ReturnStatus } from './return-status.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 30, 12, minute));
const status = (value: string, minute: number): ReturnStatus => ({
  storeId: 's1',
  returnId: '7',
  referenceId: 'MIRAKL-1-A-1',
  status: value,
  at: at(minute),
  actionTaken: null,
  completedAt: null,
});

describe('laterReturnStatus', () => {
  it('given none kept, keeps the first status', () => {
    expect(laterReturnStatus(null, status('AwaitingArrival', 1))).toEqual(
      status('AwaitingArrival', 1),
    );
  });

  it('keeps the status further along whatever the arrival order', () => {
    const arrived = status('Arrived', 5);
    const completed = status('Completed', 9);
    expect(laterReturnStatus(arrived, completed)).toBe(completed);
    expect(laterReturnStatus(completed, arrived)).toBe(completed);
    expect(laterReturnStatus(status('Cancelled', 2), status('AwaitingArrival', 1)).status).toBe(
      'Cancelled',
    );
  });

  it('places a status ShipBob adds later after the open ones and before the final ones', () => {
    expect(laterReturnStatus(status('Processing', 1), status('Inspecting', 2)).status).toBe(
      'Inspecting',
    );
    expect(laterReturnStatus(status('Completed', 1), status('Inspecting', 2)).status).toBe(
      'Completed',
    );
  });

  it('between equal ranks keeps the later; a redelivery changes nothing', () => {
    const first = status('Completed', 3);
    expect(laterReturnStatus(first, status('Completed', 3))).toBe(first);
    expect(laterReturnStatus(first, status('Cancelled', 4)).status).toBe('Cancelled');
  });
});
