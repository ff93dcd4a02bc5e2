import { completedTime, type ReturnRecord } from './returns.js';

export const DAY_MS = 24 * 3600_000;

/** One line of the report, in the columns the seller sees. */
export interface ReportRow {
  returnId: string;
  storeOrderId: string | null;
  referenceId: string;
  fulfillmentCenter: string | null;
  actionRequested: string | null;
  actionTaken: string | null;
  completedAt: number;
}

/**
 * Where a store's reporting starts: carried from its previous report, or — for its first
 * report — 24 hours before the report time. Returns completed earlier are never reported.
 */
export function windowStart(previous: { windowStart: number } | null, reportTime: number): number {
  return previous ? previous.windowStart : reportTime - DAY_MS;
}

/**
 * The returns a report lists: completed, not in any report sent before, completed at or after
 * the window start; oldest first. A return seen late (completed before the previous report but
 * observed after it) is still listed, and one listed in a sent report is never listed again.
 */
export function reportRows(
  unreported: readonly (ReturnRecord & { reportedOn: string | null })[],
  since: number,
): ReportRow[] {
  const rows: ReportRow[] = [];
  for (const record of unreported) {
    const completedAt = completedTime(record);
    if (completedAt === null || record.reportedOn !== null || completedAt < since) continue;
    rows.push({
      returnId: record.returnId,
      storeOrderId: record.storeOrderId,
      referenceId: record.referenceId,
      fulfillmentCenter: record.fulfillmentCenter,
      actionRequested: record.actionRequested,
      actionTaken: record.actionTaken,
      completedAt,
    });
  }
  return rows.sort(
    (a, b) => a.completedAt - b.completedAt || a.referenceId.localeCompare(b.referenceId),
  );
}
