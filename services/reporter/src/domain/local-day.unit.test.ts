import { describe, expect, it } from '@jest/globals';
import { daysBetween, localDay } from './local-day.js';

describe('the report day in New York', () => {
  it.each([
    ['2026-03-08T13:00:00.000Z', '2026-03-08'], // 09:00 EDT on the day clocks spring forward
    ['2026-11-01T14:00:00.000Z', '2026-11-01'], // 09:00 EST on the day clocks fall back
    ['2026-11-02T04:59:59.000Z', '2026-11-01'], // 23:59:59 EST
    ['2026-11-02T05:00:00.000Z', '2026-11-02'],
  ])('%s is %s in New York', (instant, day) => {
    expect(localDay(Date.parse(instant), 'America/New_York')).toBe(day);
  });

  it('counts whole days between two dates, across a month end and a DST change', () => {
    expect(daysBetween('2026-03-07', '2026-03-09')).toBe(2);
    expect(daysBetween('2026-10-31', '2026-11-02')).toBe(2);
    expect(daysBetween('2026-11-02', '2026-11-01')).toBe(-1);
    expect(daysBetween('2026-11-02', '2026-11-02')).toBe(0);
  });
});
