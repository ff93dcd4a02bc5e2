import { idempotencyKey } from '@msync/events';
import type { MiraklOrder } from '@msync/mirakl';
import { stateFactOf, type OrderDecision } from './order-facts.js';

/**
 * The order states in which an order still waits for the seller (accept it, or ship it): what a
 * resync re-reads (OR11 `order_state_codes`). Every other state needs nothing from us any more.
 */
export const ACTIONABLE_ORDER_STATES = ['WAITING_ACCEPTANCE', 'SHIPPING'] as const;

const actionable = new Set<string>(ACTIONABLE_ORDER_STATES);

/**
 * Which fact a resync re-emits for an order snapshot (ADR 0055), whatever was seen of it before:
 * the state fact of an order still waiting for us, so one that was reported while the store was
 * disconnected or the flow off, and skipped, is applied now. Its key is the ordinary one plus
 * `:resync:<resync time ms>`: a consumer that drops repeated keys still takes it, and the same
 * resync run again gives the same keys. Nothing is remembered: the ordinary passes keep the
 * seen-set. Orders in other states, and a `SHIPPING` order without an address, produce nothing.
 */
export function decideResyncOrderFacts(
  storeId: string,
  order: MiraklOrder,
  resyncAt: number,
): OrderDecision {
  if (!actionable.has(order.state)) return { facts: [], remember: null };
  const key = idempotencyKey(
    'mirakl',
    storeId,
    'order',
    order.orderId,
    order.state,
    order.lastUpdatedAt.getTime(),
    'resync',
    resyncAt,
  );
  const fact = stateFactOf(order, key);
  if (fact === 'missing-address')
    return { facts: [], remember: null, anomaly: 'shipping-without-address' };
  return { facts: fact ? [fact] : [], remember: null };
}
