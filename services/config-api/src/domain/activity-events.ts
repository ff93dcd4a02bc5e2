import type { EventOf } from '@msync/events';
import {
  orderIdOfOutcome,
  stepsOfEffect,
  timelineChangeOf,
  type OrderStep,
} from './order-steps.js';

/** The topics the activity projection reads. */
export const ACTIVITY_TOPICS = [
  'syncOutcome',
  'orderAwaitingAcceptance',
  'orderReadyToShip',
  'shipmentLabeled',
  'orderCanceledOnMarketplace',
] as const;

export type ActivityTopic = (typeof ACTIVITY_TOPICS)[number];

/** One consumed event of those topics (the consumer's union, narrowed by `topicKey`). */
export type ActivityEvent = {
  [K in ActivityTopic]: { topicKey: K; value: EventOf<K> };
}[ActivityTopic];

/**
 * Fields the applier may add to its outcomes in later schema revisions; read when present, so
 * the projection needs no change when they arrive.
 */
interface OutcomeExtensions {
  action?: unknown;
  miraklOrderId?: unknown;
  reason?: unknown;
  externalIds?: unknown;
  latencyMs?: unknown;
}

/** One line of a store's activity: what the applier did (or did not do) about one fact. */
export interface ActivityEntry {
  /** The outcome event's id: a redelivered or replayed event is the same entry. */
  id: string;
  storeId: string;
  /** When the applier recorded the outcome. */
  at: Date;
  flow: string;
  action: string | null;
  effectKey: string;
  target: string;
  outcome: string;
  subjectId: string;
  orderId: string | null;
  /** The timeline steps this effect stands for (empty when unknown). */
  steps: OrderStep[];
  reason: string | null;
  detail: string | null;
  externalIds: Record<string, string>;
  latencyMs: number | null;
  correlationId: string;
}

/** A failure kept on the timeline (the latest one). */
export interface TimelineFailure {
  at: Date;
  eventId: string;
  flow: string;
  action: string | null;
  steps: OrderStep[];
  outcome: string;
  reason: string | null;
  detail: string | null;
}

/**
 * A change to one order's timeline. Every part is idempotent and independent of arrival order:
 * step times keep the earliest, `lastEventAt` the latest, `failure` replaces an older one.
 */
export interface TimelineUpdate {
  storeId: string;
  orderId: string;
  at: Date;
  reached: OrderStep[];
  /** Set as given (facts carry the same values when delivered again). */
  details: Partial<TimelineDetails>;
  /** Since when the order waits for acceptance: its creation on the marketplace. */
  waitingSince?: Date;
  failure?: TimelineFailure;
}

export interface TimelineDetails {
  commercialId: string | null;
  orderCreatedAt: Date;
  acceptanceDeadline: Date | null;
  shipbobOrderId: string;
  shipment: {
    shipmentId: string;
    carrier: string;
    trackingNumber: string;
    trackingUrl: string | null;
  };
  cancellation: { state: string; reason: string | null };
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value : null;

const stringMap = (value: unknown): Record<string, string> => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(
      (pair): pair is [string, string] => typeof pair[1] === 'string',
    ),
  );
};

const latency = (value: unknown): number | null => {
  const n = typeof value === 'bigint' ? Number(value) : value;
  return Number.isFinite(n) ? (n as number) : null;
};

/** The activity entry of an outcome; null for dry-run outcomes (nothing was changed). */
export function activityEntryOf(event: EventOf<'syncOutcome'>): ActivityEntry | null {
  if (event.dryRun) return null;
  const extra = event as EventOf<'syncOutcome'> & OutcomeExtensions;
  const record = {
    flow: event.flow,
    effectKey: event.effectKey,
    outcome: event.outcome,
    subjectId: event.subjectId,
    action: text(extra.action),
    miraklOrderId: text(extra.miraklOrderId),
  };
  return {
    id: event.envelope.eventId,
    storeId: event.envelope.storeId,
    at: new Date(event.envelope.occurredAt),
    flow: event.flow,
    action: record.action,
    effectKey: event.effectKey,
    target: event.target,
    outcome: event.outcome,
    subjectId: event.subjectId,
    orderId: orderIdOfOutcome(record),
    steps: stepsOfEffect(record),
    reason: text(extra.reason),
    detail: event.detail,
    externalIds: stringMap(extra.externalIds),
    latencyMs: latency(extra.latencyMs),
    correlationId: event.envelope.correlationId,
  };
}

/** The timeline change of an activity entry (none when it is about no order, or SKIPPED). */
export function timelineUpdateOfEntry(entry: ActivityEntry): TimelineUpdate | null {
  const change = timelineChangeOf({
    flow: entry.flow,
    effectKey: entry.effectKey,
    outcome: entry.outcome,
    subjectId: entry.subjectId,
    action: entry.action,
    miraklOrderId: entry.orderId,
  });
  const base = { storeId: entry.storeId, at: entry.at };
  switch (change.kind) {
    case 'none':
      return null;
    case 'reached': {
      const shipbobOrderId = entry.externalIds['shipbobOrderId'];
      return {
        ...base,
        orderId: change.orderId,
        reached: change.steps,
        details: shipbobOrderId ? { shipbobOrderId } : {},
      };
    }
    case 'failed':
      return {
        ...base,
        orderId: change.orderId,
        reached: [],
        details: {},
        failure: {
          at: entry.at,
          eventId: entry.id,
          flow: entry.flow,
          action: entry.action,
          steps: change.steps,
          outcome: entry.outcome,
          reason: entry.reason,
          detail: entry.detail,
        },
      };
  }
}

/** The timeline change of any event the projection reads (outcomes: see {@link activityEntryOf}). */
export function timelineUpdateOf(event: ActivityEvent): TimelineUpdate | null {
  const update = anyTimelineUpdateOf(event);
  // A fact without an order id (a broken payload) has no timeline to go to.
  return update && update.orderId.trim() !== '' ? update : null;
}

function anyTimelineUpdateOf(event: ActivityEvent): TimelineUpdate | null {
  switch (event.topicKey) {
    case 'syncOutcome': {
      const entry = activityEntryOf(event.value);
      return entry ? timelineUpdateOfEntry(entry) : null;
    }
    case 'orderAwaitingAcceptance': {
      const fact = event.value;
      return {
        ...factBase(fact.envelope, fact.orderId),
        reached: ['seen'],
        details: {
          commercialId: fact.commercialId,
          orderCreatedAt: new Date(fact.createdAt),
          acceptanceDeadline:
            fact.acceptanceDeadline === null ? null : new Date(fact.acceptanceDeadline),
        },
        waitingSince: new Date(fact.createdAt),
      };
    }
    case 'orderReadyToShip': {
      const fact = event.value;
      return {
        ...factBase(fact.envelope, fact.orderId),
        reached: ['readyToShip'],
        details: fact.commercialId ? { commercialId: fact.commercialId } : {},
      };
    }
    case 'shipmentLabeled': {
      const fact = event.value;
      return {
        ...factBase(fact.envelope, fact.referenceId),
        reached: ['labeled'],
        details: {
          shipbobOrderId: fact.shipbobOrderId,
          shipment: {
            shipmentId: fact.shipmentId,
            carrier: fact.carrier,
            trackingNumber: fact.trackingNumber,
            trackingUrl: fact.trackingUrl,
          },
        },
      };
    }
    case 'orderCanceledOnMarketplace': {
      const fact = event.value;
      return {
        ...factBase(fact.envelope, fact.orderId),
        reached: ['canceled'],
        details: { cancellation: { state: fact.state, reason: fact.reason } },
      };
    }
  }
}

const factBase = (envelope: { storeId: string; occurredAt: number }, orderId: string) => ({
  storeId: envelope.storeId,
  orderId,
  at: new Date(envelope.occurredAt),
});
