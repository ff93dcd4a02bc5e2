import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DAY_MS, reportRows, windowStart } from './report-window.js';
import type { ReturnRecord } from './returns.js';

const T = Date.parse('2026-03-10T13:00:00.000Z'); // 09:00 in New York
const HOUR = 3_600_000;

const completed = (
  referenceId: string,
  at: number,
  over: Partial<ReturnRecord & { reportedOn: string | null }> = {},
) => ({
  storeId: 's1',
  returnId: `id-${referenceId}`,
  referenceId,
  storeOrderId: `order-${referenceId}`,
  status: 'Completed',
  fulfillmentCenter: 'Cicero (IL)',
  actionRequested: 'Restock',
  actionTaken: 'Restocked',
  completedAt: at,
  updatedAt: at + 60_000,
  reportedOn: null,
  ...over,
});

describe('which returns a report lists', () => {
  it('the first report of a store covers the 24 hours before it', () => {
    const since = windowStart(null, T);
    expect(since).toBe(T - DAY_MS);
    const rows = reportRows(
      [completed('old', T - DAY_MS - 1), completed('edge', T - DAY_MS), completed('new', T - HOUR)],
      since,
    );
    expect(rows.map((r) => r.referenceId)).toEqual(['edge', 'new']);
  });

  it('later reports keep the first window start, so a return observed late is not dropped', () => {
    const since = windowStart({ windowStart: T - DAY_MS }, T + DAY_MS);
    // Completed before yesterday's report but seen only after it was sent.
    const late = completed('late', T - HOUR);
    expect(reportRows([late], since).map((r) => r.referenceId)).toEqual(['late']);
  });

  it('never lists a return a sent report listed, nor one not completed', () => {
    const rows = reportRows(
      [
        completed('sent', T - HOUR, { reportedOn: '2026-03-09' }),
        completed('processing', T - HOUR, { status: 'Processing' }),
        completed('fresh', T - HOUR),
      ],
      T - DAY_MS,
    );
    expect(rows.map((r) => r.referenceId)).toEqual(['fresh']);
  });

  it('between two reports: every completion in exactly one of them', () => {
    const returns = [
      completed('a', T - 5 * HOUR),
      completed('b', T - HOUR),
      completed('c', T + HOUR),
      completed('d', T + 20 * HOUR),
    ];
    const since = windowStart(null, T);
    // First report at T: the projection knows a and b only.
    const first = reportRows(returns.slice(0, 2), since);
    const reported = new Set(first.map((r) => r.referenceId));
    // Second report a day later: everything is known now; what was sent is marked.
    const marked = returns.map((r) => ({
      ...r,
      reportedOn: reported.has(r.referenceId) ? '2026-03-10' : null,
    }));
    const second = reportRows(marked, windowStart({ windowStart: since }, T + DAY_MS));
    expect([...first, ...second].map((r) => r.referenceId)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('lists oldest first, then by reference', () => {
    const rows = reportRows(
      [completed('z', T - HOUR), completed('b', T - 2 * HOUR), completed('a', T - HOUR)],
      T - DAY_MS,
    );
    expect(rows.map((r) => r.referenceId)).toEqual(['b', 'a', 'z']);
  });
});

describe('the window between reports (property)', () => {
  // Reports on consecutive days at T + d·DAY; each return completes somewhere in the days
  // covered and becomes known to the projection at its completion or later (seen late).
  const returnsArb = fc.uniqueArray(
    fc.record({
      referenceId: fc.string({ minLength: 1, maxLength: 6 }),
      completedOffset: fc.integer({ min: 0, max: 5 * DAY_MS }),
      seenDelay: fc.integer({ min: 0, max: 2 * DAY_MS }),
    }),
    { selector: (r) => r.referenceId, maxLength: 30 },
  );

  it('neither drops nor repeats a return: each completion is listed by exactly one report', () => {
    fc.assert(
      fc.property(returnsArb, fc.integer({ min: 1, max: 8 }), (returns, days) => {
        const first = T - DAY_MS;
        const reportedOn = new Map<string, string>();
        const listed: string[] = [];
        let previous: { windowStart: number } | null = null;
        // Enough reports for every return to be both completed and seen by the last one.
        const reports = days + 8;
        for (let d = 0; d < reports; d += 1) {
          const at = T + d * DAY_MS;
          const since = windowStart(previous, at);
          const known = returns
            .filter((r) => first + r.completedOffset + r.seenDelay <= at)
            .map((r) =>
              completed(r.referenceId, first + r.completedOffset, {
                reportedOn: reportedOn.get(r.referenceId) ?? null,
              }),
            );
          const rows = reportRows(known, since);
          for (const row of rows) {
            expect(row.completedAt).toBeLessThanOrEqual(at);
            reportedOn.set(row.referenceId, `day-${d}`);
            listed.push(row.referenceId);
          }
          previous = { windowStart: since };
        }
        expect([...listed].sort()).toEqual(returns.map((r) => r.referenceId).sort());
      }),
      { numRuns: 300 },
    );
  });
});
