import { describe, expect, it } from '@jest/globals';
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
