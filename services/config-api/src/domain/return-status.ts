import type { EventOf } from '@msync/events';

/** The latest ShipBob status of one return, as the store's activity shows it per incident. */
export interface ReturnStatus {
  storeId: string;
  /** ShipBob's return id: the `shipbobReturnId` of the applier's `returns` outcome. */
  returnId: string;
  referenceId: string;
  status: string;
  /** When ShipBob's return reached it (the fact's `occurredAt`). */
  at: Date;
  actionTaken: string | null;
  completedAt: Date | null;
}

/** Where each status stands; newer statuses ShipBob may add rank after the known open ones. */
const RANK: Record<string, number> = {
  AwaitingArrival: 0,
  Arrived: 1,
  Processing: 2,
  Completed: 4,
  Cancelled: 4,
};
const rankOf = (status: string) => RANK[status] ?? 3;

/** The return status a `ShipBobReturnUpdated` fact reports. */
export function returnStatusOf(fact: EventOf<'returnUpdated'>): ReturnStatus {
  return {
    storeId: fact.envelope.storeId,
    returnId: fact.returnId,
    referenceId: fact.referenceId,
    status: fact.status,
    at: new Date(fact.envelope.occurredAt),
    actionTaken: fact.actionTaken,
    completedAt: fact.completedAt === null ? null : new Date(fact.completedAt),
  };
}

/**
 * Which of two statuses of one return the activity keeps: the one further along (a return never
 * goes back; facts arrive out of order across polling and webhooks), the later one between
 * equals. A redelivered fact keeps what is there.
 */
export function laterReturnStatus(current: ReturnStatus | null, next: ReturnStatus): ReturnStatus {
  if (!current) return next;
  const byRank = rankOf(next.status) - rankOf(current.status);
  if (byRank !== 0) return byRank > 0 ? next : current;
  return next.at > current.at ? next : current;
}
