import { describe, expect, it } from '@jest/globals';
import { manualClock } from './clock.js';
import { RequestJournal, type Exchange } from './journal.js';

describe('manualClock', () => {
  it('moves only when told to', () => {
    const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'));
    expect(clock().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    clock.advance(1_500);
    expect(clock().toISOString()).toBe('2026-01-01T00:00:01.500Z');
    clock.set(new Date('2025-12-31T23:00:00Z'));
    expect(clock().toISOString()).toBe('2025-12-31T23:00:00.000Z');
  });
});

describe('RequestJournal', () => {
  const entry = (journal: RequestJournal<'OP'>, path: string): Exchange<'OP'> =>
    journal.start({ method: 'GET', path, query: {}, requestHeaders: {} });

  it('stamps exchanges with the simulator clock and starts them unanswered and unknown', () => {
    const clock = manualClock(0);
    const journal = new RequestJournal<'OP'>({ clock });
    clock.advance(42);
    expect(entry(journal, '/x')).toMatchObject({
      at: '1970-01-01T00:00:00.042Z',
      operation: 'unknown',
      status: 0,
    });
  });

  it('keeps the newest `limit` exchanges and tells listeners about each', () => {
    const journal = new RequestJournal<'OP'>({ clock: manualClock(0), limit: 2 });
    const heard: string[] = [];
    journal.onRecord((e) => heard.push(e.path));
    for (const path of ['/1', '/2', '/3']) journal.record(entry(journal, path));
    expect(journal.entries().map((e) => e.path)).toEqual(['/2', '/3']);
    expect(heard).toEqual(['/1', '/2', '/3']);
    journal.clear();
    expect(journal.entries()).toEqual([]);
  });
});
