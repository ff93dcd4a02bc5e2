/** When the daily report is due: a wall-clock hour in a time zone, whatever its UTC offset. */
export interface DailyTime {
  timeZone: string;
  hour: number;
}

export const DAILY_REPORT_TIME: DailyTime = { timeZone: 'America/New_York', hour: 9 };

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  // Stryker disable next-line ConditionalExpression: the cache saves time only; a new formatter formats the same
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading in `timeZone` at `instant`, as if it were UTC (ms). */
function wallClockMs(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(instant))
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

function localDate(instant: number, timeZone: string): LocalDate {
  const wall = new Date(wallClockMs(instant, timeZone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The instant the clocks in `timeZone` show `hour`:00 on `date`. The offset is read at a first
 * guess and read again at the result, which settles it on DST change days (the hour must not
 * fall in a skipped or repeated hour; 09:00 never does).
 */
function instantAt(date: LocalDate, { timeZone, hour }: DailyTime): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hour);
  const firstGuess = wall - (wallClockMs(wall, timeZone) - wall);
  return wall - (wallClockMs(firstGuess, timeZone) - firstGuess);
}

/** The latest daily time at or before `now`: the run a late execution still belongs to. */
export function dailyTimeAtOrBefore(now: Date, time: DailyTime = DAILY_REPORT_TIME): Date {
  const today = localDate(now.getTime(), time.timeZone);
  const candidate = instantAt(today, time);
  return new Date(candidate <= now.getTime() ? candidate : instantAt(addDays(today, -1), time));
}

/** The first daily time strictly after `instant`. */
export function dailyTimeAfter(instant: Date, time: DailyTime = DAILY_REPORT_TIME): Date {
  const today = localDate(instant.getTime(), time.timeZone);
  const candidate = instantAt(today, time);
  return new Date(candidate > instant.getTime() ? candidate : instantAt(addDays(today, 1), time));
}

/** The calendar day (YYYY-MM-DD) in `timeZone` at `instant`. */
export function calendarDay(instant: Date, timeZone: string = DAILY_REPORT_TIME.timeZone): string {
  return new Date(wallClockMs(instant.getTime(), timeZone)).toISOString().slice(0, 10);
}
