import type { EventOf } from '@msync/events';

/** One ShipBob return as the reporter keeps it: its latest known state. */
export interface ReturnRecord {
  storeId: string;
  returnId: string;
  referenceId: string;
  storeOrderId: string | null;
  /** Normalised (`Awaiting Arrival` reads as `AwaitingArrival`). */
  status: string;
  fulfillmentCenter: string | null;
  actionRequested: string | null;
  actionTaken: string | null;
  /** When ShipBob says it completed; null when not completed or not given. */
  completedAt: number | null;
  /** The source's time of this state (the event's `occurredAt`): what "latest" is ordered by. */
  updatedAt: number;
}

export const COMPLETED = 'Completed';

/** Statuses in the order a return goes through them; used only to break a tie of equal times. */
const PROGRESSION = ['AwaitingArrival', 'Arrived', 'Processing', 'Completed', 'Cancelled'];

/** ShipBob spells some statuses with a space (`Awaiting Arrival`); both read the same. */
export function normalizeStatus(status: string): string {
  const compact = status.replace(/\s+/g, '').toLowerCase();
  return PROGRESSION.find((known) => known.toLowerCase() === compact) ?? status.trim();
}

/** The record a `ShipBobReturnUpdated` describes. */
export function returnOf(event: EventOf<'returnUpdated'>): ReturnRecord {
  return {
    storeId: event.envelope.storeId,
    returnId: event.returnId,
    referenceId: event.referenceId,
    storeOrderId: event.storeOrderId,
    status: normalizeStatus(event.status),
    fulfillmentCenter: event.fulfillmentCenterName,
    actionRequested: event.actionRequested,
    actionTaken: event.actionTaken,
    completedAt: event.completedAt,
    updatedAt: event.envelope.occurredAt,
  };
}

const rank = (status: string) => PROGRESSION.indexOf(status);

/**
 * Whether `incoming` replaces `current`: a later source time wins whatever the arrival order;
 * at the same time the further status wins; the same state again changes nothing.
 */
export function replacesReturn(current: ReturnRecord | null, incoming: ReturnRecord): boolean {
  if (current === null) return true;
  if (incoming.updatedAt !== current.updatedAt) return incoming.updatedAt > current.updatedAt;
  return rank(incoming.status) > rank(current.status);
}

/** When the return reached `Completed`: ShipBob's completion date, else the time it was seen so. */
export function completedTime(record: ReturnRecord): number | null {
  if (record.status !== COMPLETED) return null;
  return record.completedAt ?? record.updatedAt;
}
