import { describe, expect, it } from '@jest/globals';
import { closeRequestAt, offersHold } from './stock-after-offers.js';

const timing = { quietMs: 5_000, minIntervalMs: 60_000, holdMs: 300_000 };

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

describe('offersHold (ADR 0180)', () => {
  const hold = { holdMs: 300_000 };

  it('given offers of the store published and not all applied, then they hold its cycle ends', () => {
    expect(offersHold({ behind: 3, publishedAt: 100_000 }, 110_000, hold)).toBe(true);
  });

  it('given every offer applied, or none recorded, then nothing holds', () => {
    expect(offersHold({ behind: 0, publishedAt: 100_000 }, 110_000, hold)).toBe(false);
    expect(offersHold(null, 110_000, hold)).toBe(false);
  });

  it('given offers published longer ago than the hold, then cycle ends are decided as they come', () => {
    expect(offersHold({ behind: 3, publishedAt: 100_000 }, 399_999, hold)).toBe(true);
    expect(offersHold({ behind: 3, publishedAt: 100_000 }, 400_000, hold)).toBe(false);
  });

  it('given a hold of 0, then nothing holds', () => {
    expect(offersHold({ behind: 3, publishedAt: 100_000 }, 100_000, { holdMs: 0 })).toBe(false);
  });
});
