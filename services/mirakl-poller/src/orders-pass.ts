import { advanceCursor, type ListOrdersQuery, type MiraklOrder } from '@msync/mirakl';
import type { PollPassInput } from '@msync/platform';
import { pollChanges } from '@msync/polling';
import { decideOrderFacts, type OrderDecision } from './domain/order-facts.js';
import { ACTIONABLE_ORDER_STATES, decideResyncOrderFacts } from './domain/resync-facts.js';
import { FACT_TOPICS } from './fact-topics.js';
import { claimSlot, spacedCall, storeAccess, type MiraklPassDeps } from './store-access.js';

export interface OrdersPassDeps extends MiraklPassDeps {
  or11IntervalMs: number;
  initialLookbackMs: number;
  seenRetentionMs: number;
}

export const ORDERS = 'orders';

/**
 * One OR11 pass over a store's orders: admitted by the shared per-shop gate, read from the
 * cursor (or a backfill's `since`), each order decided against what was seen, facts published,
 * and only then the seen entries and the cursor saved (ADR 0043).
 */
export function ordersPass(deps: OrdersPassDeps) {
  return async (input: PollPassInput): Promise<void> => {
    const { storeId, demand, cursor, startedAt } = input;
    const or11 = await admittedOR11(deps, storeId);
    if (!or11) return;
    const from = new Date(
      demand.since ?? cursor.cursor?.getTime() ?? startedAt.getTime() - deps.initialLookbackMs,
    );
    await pollChanges(deps, input, {
      stream: ORDERS,
      itemName: 'orders',
      factTopics: FACT_TOPICS,
      from,
      read: async () => {
        const orders = await or11({ updatedSince: from });
        return { items: orders, next: advanceCursor(cursor.cursor ?? undefined, orders) ?? from };
      },
      itemId: (order) => order.orderId,
      decide: (order, seen) => logged(deps, storeId, order, decideOrderFacts(storeId, order, seen)),
    });
  };
}

/**
 * A resync of a store's orders (ADR 0055): one OR11 call, admitted by the same per-shop gate,
 * for every order still waiting for the seller (`WAITING_ACCEPTANCE`, `SHIPPING`) whatever its
 * date, each re-emitted whatever was seen of it. The orders cursor and seen entries stay as they
 * are; only the resync pass is recorded, under its own name.
 */
export function ordersResyncPass(deps: OrdersPassDeps) {
  return async (input: PollPassInput): Promise<void> => {
    const { storeId, demand } = input;
    const or11 = await admittedOR11(deps, storeId);
    if (!or11) return;
    await pollChanges(deps, input, {
      stream: input.stream,
      itemName: 'orders',
      factTopics: FACT_TOPICS,
      from: null,
      read: async () => ({ items: await or11({ states: ACTIONABLE_ORDER_STATES }), next: null }),
      itemId: (order) => order.orderId,
      decide: (order) =>
        logged(deps, storeId, order, decideResyncOrderFacts(storeId, order, demand.requestedAt)),
      resync: true,
    });
  };
}

/**
 * The store's OR11, once its key is known and the shop's slot in the shared gate is claimed
 * (null, logged, when the store has no key). "Too early" throws a `RateLimitedError`: the
 * request is redelivered after the wait. A 429 from Mirakl despite the gate pushes every
 * process's next call back by what Mirakl asked.
 */
async function admittedOR11(
  deps: OrdersPassDeps,
  storeId: string,
): Promise<((query: ListOrdersQuery) => Promise<MiraklOrder[]>) | null> {
  const access = await storeAccess(deps, storeId, 'orders');
  if (!access) return null;
  await claimSlot(deps, access.shop, 'OR11', deps.or11IntervalMs);
  return (query) =>
    spacedCall(deps, access.shop, 'OR11', deps.or11IntervalMs, () =>
      access.client.listOrdersUpdatedSince(query),
    );
}

function logged(
  deps: OrdersPassDeps,
  storeId: string,
  order: MiraklOrder,
  decision: OrderDecision,
): OrderDecision {
  if (decision.anomaly)
    deps.logger.warn('order produced no fact', {
      storeId,
      orderId: order.orderId,
      why: decision.anomaly,
    });
  return decision;
}
