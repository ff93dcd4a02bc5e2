import { idempotencyKey } from '@msync/events';
import type { SeenItem } from '@msync/platform';
import type { ReturnItem, ShipBobReturn } from '@msync/shipbob';
import type { ShipBobFact } from './facts.js';

/** What one return snapshot produces: facts to emit, and what to remember of it. */
export interface ShipBobReturnDecision {
  facts: ShipBobFact[];
  remember: SeenItem | null;
}

/**
 * Where each status stands in a return's life; a snapshot whose status is behind one already
 * reported (a late webhook, a lagging list) reports nothing. Statuses ShipBob adds later have no
 * rank and are reported once each.
 */
const STATUS_RANK: Record<string, number> = {
  AwaitingArrival: 0,
  Arrived: 1,
  Processing: 2,
  Completed: 3,
  Cancelled: 3,
};

const statusMark = (status: string) => `status:${status}`;
const statusOfMark = (mark: string) => (mark.startsWith('status:') ? mark.slice(7) : null);

/**
 * Which facts a ShipBob return snapshot produces, given what was seen of it. The snapshot may come
 * from the returns list or from a signed `return.*` webhook: the facts and keys are the same.
 *
 * - `ShipBobReturnUpdated` once per status the return reaches (the status normalised, so
 *   `Awaiting Arrival` and `AwaitingArrival` are one), key `shipbob:<store>:return:<id>:<status>`;
 * - nothing for a status already reported, for a status behind one reported, or for a snapshot
 *   older than the one seen;
 * - the return is remembered on every read (an open return stays in the seen-set while it is
 *   listed, however long the box takes to arrive).
 *
 * `observedAt` dates the fact when ShipBob gives no date at all.
 */
export function decideShipBobReturnFacts(
  storeId: string,
  ret: ShipBobReturn,
  seen: SeenItem | undefined,
  observedAt: Date,
): ShipBobReturnDecision {
  const version = ret.changedAt?.getTime() ?? 0;
  if (seen && version < seen.version) return { facts: [], remember: null };

  const marks = new Set(seen?.marks ?? []);
  const remember = (): SeenItem => ({
    version: Math.max(version, seen?.version ?? 0),
    marks: [...marks].sort(),
  });
  if (marks.has(statusMark(ret.status)) || isBehind(ret.status, marks))
    return { facts: [], remember: remember() };

  marks.add(statusMark(ret.status));
  const fact: ShipBobFact = {
    topic: 'returnUpdated',
    idempotencyKey: idempotencyKey('shipbob', storeId, 'return', ret.id, ret.status),
    occurredAt: ret.changedAt ?? ret.completedAt ?? ret.insertedAt ?? observedAt,
    body: {
      returnId: String(ret.id),
      referenceId: ret.referenceId,
      storeOrderId: ret.storeOrderId,
      status: ret.status,
      fulfillmentCenterName:
        ret.fulfillmentCenter.name ??
        (ret.fulfillmentCenter.id > 0 ? `FC ${ret.fulfillmentCenter.id}` : null),
      actionRequested: actionsRequested(ret.items),
      actionTaken: actionsTaken(ret.items),
      completedAt: ret.completedAt?.getTime() ?? null,
    },
  };
  return { facts: [fact], remember: remember() };
}

function isBehind(status: string, marks: ReadonlySet<string>): boolean {
  const rank = STATUS_RANK[status];
  if (rank === undefined) return false;
  for (const mark of marks) {
    const reported = statusOfMark(mark);
    const reportedRank = reported === null ? undefined : STATUS_RANK[reported];
    if (reportedRank !== undefined && reportedRank > rank) return true;
  }
  return false;
}

/**
 * The action requested, per item: the bare action when the return has one item (one return per
 * incident line, the usual case), `<sku>: <action>` joined with `; ` otherwise; null when none.
 */
export function actionsRequested(items: readonly ReturnItem[]): string | null {
  return perItem(items, (item) => item.actionRequested);
}

/**
 * The action taken, per item, in the same form; an item processed in several ways lists each
 * with its quantity (`Restock ×1, Dispose ×1`). Null until ShipBob processed something.
 */
export function actionsTaken(items: readonly ReturnItem[]): string | null {
  return perItem(items, (item) => {
    const taken = item.actionTaken.filter((a) => a.action);
    if (taken.length === 0) return null;
    if (taken.length === 1) return taken[0]!.action;
    return taken.map((a) => `${a.action} ×${a.quantityProcessed}`).join(', ');
  });
}

function perItem(
  items: readonly ReturnItem[],
  describe: (item: ReturnItem) => string | null,
): string | null {
  const described = items
    .map((item) => ({ item, text: describe(item) }))
    .filter((entry): entry is { item: ReturnItem; text: string } => entry.text !== null);
  if (described.length === 0) return null;
  if (items.length === 1) return described[0]!.text;
  return described
    .map(({ item, text }) => `${item.sku ?? item.name ?? item.inventoryId}: ${text}`)
    .join('; ');
}
