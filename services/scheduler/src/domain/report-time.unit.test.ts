import { describe, expect, it } from '@jest/globals';
import { calendarDay, dailyTimeAfter, dailyTimeAtOrBefore } from './report-time.js';

const at = (iso: string) => new Date(iso);
const HOUR = 3_600_000;

/** The New York wall-clock hour of an instant, read independently of the code under test. */
const newYorkHour = (instant: Date) =>
  Number(
    new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      hour: 'numeric',
      hourCycle: 'h23',
    }).format(instant),
  );

describe('the daily report is due at 09:00 in New York, summer and winter', () => {
  it.each([
    // [now, next 09:00 New York]
    ['2026-01-15T10:00:00.000Z', '2026-01-15T14:00:00.000Z'], // winter: 09:00 EST is 14:00 UTC
    ['2026-01-15T14:00:00.000Z', '2026-01-16T14:00:00.000Z'], // exactly due: the next one
    ['2026-07-01T12:59:59.999Z', '2026-07-01T13:00:00.000Z'], // summer: 09:00 EDT is 13:00 UTC
    // 2026-03-08: clocks jump from 02:00 to 03:00; the day before to the day is 23 hours.
    ['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z'],
    ['2026-03-08T06:30:00.000Z', '2026-03-08T13:00:00.000Z'], // 01:30 EST, before the jump
    ['2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z'],
    // 2026-11-01: clocks fall back from 02:00 to 01:00; that day is 25 hours.
    ['2026-10-31T13:00:00.000Z', '2026-11-01T14:00:00.000Z'],
    ['2026-11-01T05:30:00.000Z', '2026-11-01T14:00:00.000Z'], // first 01:30 (EDT)
    ['2026-11-01T06:30:00.000Z', '2026-11-01T14:00:00.000Z'], // second 01:30 (EST)
    ['2026-11-01T14:00:00.000Z', '2026-11-02T14:00:00.000Z'],
    // 2027-03-14 and 2027-11-07.
    ['2027-03-13T14:00:00.000Z', '2027-03-14T13:00:00.000Z'],
    ['2027-03-14T12:00:00.000Z', '2027-03-14T13:00:00.000Z'],
    ['2027-11-06T13:00:00.000Z', '2027-11-07T14:00:00.000Z'],
    ['2027-11-07T13:30:00.000Z', '2027-11-07T14:00:00.000Z'], // 08:30 EST on the 25-hour day
  ])('after %s the next report time is %s', (now, expected) => {
    expect(dailyTimeAfter(at(now)).toISOString()).toBe(expected);
  });

  it('is 09:00 in New York every day of 2026 and 2027, one 23-hour and one 25-hour gap a year', () => {
    const gaps = new Map<number, string[]>();
    let previous = dailyTimeAfter(at('2025-12-31T12:00:00.000Z'));
    while (previous.getUTCFullYear() < 2028) {
      expect(newYorkHour(previous)).toBe(9);
      const next = dailyTimeAfter(previous);
      const hours = (next.getTime() - previous.getTime()) / HOUR;
      if (hours !== 24) gaps.set(hours, [...(gaps.get(hours) ?? []), calendarDay(next)]);
      previous = next;
    }
    expect(Object.fromEntries(gaps)).toEqual({
      23: ['2026-03-08', '2027-03-14'],
      25: ['2026-11-01', '2027-11-07'],
    });
  });

  it.each([
    // [now, the 09:00 New York run it belongs to]
    ['2026-11-02T14:00:00.000Z', '2026-11-02T14:00:00.000Z'], // exactly on time
    ['2026-11-02T13:59:59.000Z', '2026-11-01T14:00:00.000Z'], // a second early: yesterday's
    ['2026-03-09T03:59:00.000Z', '2026-03-08T13:00:00.000Z'], // late: 22:59 EDT the same day
    ['2026-11-01T13:30:00.000Z', '2026-10-31T13:00:00.000Z'], // 08:30 EST after falling back
  ])('a run at %s belongs to the report time %s', (now, expected) => {
    expect(dailyTimeAtOrBefore(at(now)).toISOString()).toBe(expected);
  });

  it.each([
    ['2026-11-02T03:00:00.000Z', '2026-11-01'], // 22:00 EST on Nov 1
    ['2026-03-08T13:00:00.000Z', '2026-03-08'],
    ['2027-01-01T04:59:59.000Z', '2026-12-31'],
    ['2027-01-01T05:00:00.000Z', '2027-01-01'],
  ])('the report date of %s is %s in New York', (instant, day) => {
    expect(calendarDay(at(instant))).toBe(day);
  });
});
