import {
  envelope,
  type EventEnvelope,
  type Publisher,
  type SyncOutcomeRecorded,
} from '@msync/events';
import type { Logger } from '@msync/platform';
import type { Outcome } from '../domain/decision.js';
import type { ApplierMetrics } from '../metrics.js';

export const SOURCE = 'sync-applier';

/** Records outcomes: one `SyncOutcomeRecorded` each, plus the outcome metrics. */
export type OutcomeRecorder = (
  outcome: Outcome,
  fact: { envelope: EventEnvelope },
) => Promise<void>;

/**
 * The event for an outcome. Its idempotency key is deterministic: one APPLIED per effect, and
 * one of any other outcome per fact, so a projection can drop repeats.
 */
export function outcomeEvent(
  outcome: Outcome,
  fact: { envelope: EventEnvelope },
  now: number,
): SyncOutcomeRecorded {
  const { storeId } = fact.envelope;
  const key =
    outcome.outcome === 'APPLIED'
      ? `applier:${storeId}:${outcome.effectKey}:APPLIED`
      : `applier:${storeId}:${outcome.effectKey}:${outcome.outcome}:${fact.envelope.idempotencyKey}`;
  return {
    envelope: envelope({
      storeId,
      idempotencyKey: key,
      source: SOURCE,
      occurredAt: now,
      observedAt: now,
      correlationId: fact.envelope.correlationId,
      causationId: fact.envelope.eventId,
    }),
    flow: outcome.flow,
    effectKey: outcome.effectKey,
    target: outcome.target,
    outcome: outcome.outcome,
    subjectId: outcome.subjectId ?? outcome.miraklOrderId,
    detail: outcome.detail,
    dryRun: false,
    // Inventory outcomes are about a cycle or a SKU, never an order: no order timeline for them.
    miraklOrderId: outcome.flow === 'inventory' ? null : outcome.miraklOrderId || null,
    reason: outcome.reason,
    externalIds: outcome.externalIds,
    latencyMs: Math.max(0, now - fact.envelope.observedAt),
  };
}

/**
 * Publishes outcomes through the project's publisher (acks=all), counts them and logs each (under
 * the fact's store and correlation id: the line an operator greps for, docs/runbook.md).
 */
export function createOutcomeRecorder(options: {
  publisher: Publisher;
  metrics: ApplierMetrics;
  logger?: Logger;
  now?: () => number;
}): OutcomeRecorder {
  const now = options.now ?? Date.now;
  return async (outcome, fact) => {
    const event = outcomeEvent(outcome, fact, now());
    await options.publisher.publish('syncOutcome', event);
    countOutcome(options.metrics, outcome, event);
    const fields = {
      flow: outcome.flow,
      action: outcome.action,
      outcome: outcome.outcome,
      effectKey: outcome.effectKey,
      // What the event says: an inventory outcome names no order (its cycle is its subject).
      miraklOrderId: event.miraklOrderId,
      reason: outcome.reason,
    };
    if (outcome.outcome === 'FAILED') options.logger?.warn('outcome recorded', fields);
    else options.logger?.info('outcome recorded', fields);
  };
}

/**
 * The outcome metrics of a published outcome, or of `count` alike (same flow, action and outcome)
 * that one event stands for (ADR 0161).
 */
export function countOutcome(
  metrics: ApplierMetrics,
  outcome: Outcome,
  event: SyncOutcomeRecorded,
  count = 1,
): void {
  const labels = { flow: outcome.flow, action: outcome.action };
  metrics.outcomes.inc({ ...labels, outcome: outcome.outcome }, count);
  if (outcome.outcome === 'APPLIED') {
    for (let n = 0; n < count; n++)
      metrics.effectLatency.observe(labels, (event.latencyMs ?? 0) / 1000);
  }
}
