import type { EventEnvelope, Publisher, SyncOutcomeRecorded } from '@msync/events';
import type { ReportRecord } from './mongo-ledger.js';

export const SOURCE = 'reporter';
/** The flow of report outcomes in the store's activity. */
export const REPORT_FLOW = 'report';

const OUTCOME = { SENT: 'APPLIED', SKIPPED: 'SKIPPED', FAILED: 'FAILED' } as const;

/**
 * The audit event of a decided report. Its event id is kept with the report, so publishing it
 * again after a crash is the same activity entry. The outcome schema's `target` is an enum of
 * vendors that cannot grow compatibly: a report is about ShipBob returns, so it says SHIPBOB
 * and the flow `report` tells it is an e-mail (ADR 0062).
 */
export function reportOutcomeEvent(
  report: ReportRecord,
  command: { envelope: EventEnvelope },
  now: number,
): SyncOutcomeRecorded {
  const { storeId } = report;
  return {
    envelope: {
      eventId: report.outcomeEventId,
      idempotencyKey: `${SOURCE}:${storeId}:report:${report.reportDate}:${report.result}`,
      storeId,
      occurredAt: report.resolvedAt.getTime(),
      observedAt: now,
      correlationId: command.envelope.correlationId,
      causationId: command.envelope.eventId,
      source: SOURCE,
    },
    flow: REPORT_FLOW,
    effectKey: `report:${report.reportDate}`,
    target: 'SHIPBOB',
    outcome: OUTCOME[report.result],
    subjectId: report.reportDate,
    detail: report.detail,
    dryRun: false,
    miraklOrderId: null,
    reason: report.reason,
    externalIds: report.messageId ? { messageId: report.messageId } : {},
    latencyMs: Math.max(0, report.resolvedAt.getTime() - command.envelope.occurredAt),
  };
}

export type OutcomePublisher = (
  report: ReportRecord,
  command: { envelope: EventEnvelope },
) => Promise<void>;

export function createOutcomePublisher(publisher: Publisher, now = Date.now): OutcomePublisher {
  return async (report, command) => {
    await publisher.publish('syncOutcome', reportOutcomeEvent(report, command, now()));
  };
}
