import { describe, expect, it } from '@jest/globals';
import { closeRequestAt } from './stock-after-offers.js';

const timing = { quietMs: 5_000, minIntervalMs: 60_000 };

describe('closeRequestAt (ADR 0155)', () => {
  it('given offers written and no request yet, when asked when to request, then once they were quiet', () => {
    expect(closeRequestAt(100_000, null, timing)).toBe(105_000);
  });

  it('given a request a while ago, when offers are written again, then once they are quiet', () => {
    expect(closeRequestAt(200_000, 100_000, timing)).toBe(205_000);
  });

  it('given a request moments ago, when offers keep coming, then not before the interval since it', () => {
    expect(closeRequestAt(110_000, 105_000, timing)).toBe(165_000);
  });
});
