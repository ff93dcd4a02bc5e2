import { describe, expect, it } from '@jest/globals';
import { parseOrderFeedInterval } from './order-feed.js';

describe('the new-order feed switch of the standalone simulator', () => {
  it('is off when empty or "off", else a number of milliseconds', () => {
    expect(parseOrderFeedInterval('')).toBeNull();
    expect(parseOrderFeedInterval('off')).toBeNull();
    expect(parseOrderFeedInterval(' 15000 ')).toBe(15_000);
    expect(parseOrderFeedInterval('100')).toBe(100);
  });

  it('says what to give instead of a bad value', () => {
    for (const raw of ['15s', '99', '-1', '1.5', 'on'])
      expect(() => parseOrderFeedInterval(raw)).toThrow(/"off" or a number of milliseconds ≥ 100/);
  });
});
