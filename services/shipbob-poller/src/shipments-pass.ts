import { retry, type PollPassInput } from '@msync/platform';
import { pollChanges, type PollPassContext } from '@msync/polling';
import type { ShipBobOrder } from '@msync/shipbob';
import type { ShipBobClientFor } from './adapters/shipbob-clients.js';
import { decideShipBobOrderFacts, type ShipBobOrderDecision } from './domain/order-facts.js';
import { decideShipBobResyncFacts } from './domain/resync-facts.js';
import { FACT_TOPICS } from './fact-topics.js';

export interface ShipmentsPassDeps extends PollPassContext {
  clientFor: ShipBobClientFor;
  updateOverlapMs: number;
  initialLookbackMs: number;
  /** How far back a resync reads the channel's orders (ADR 0055). */
  resyncLookbackMs: number;
  seenRetentionMs: number;
}

export const SHIPMENTS = 'shipments';

/**
 * One pass over the orders of the store's ShipBob channel changed since the cursor (minus the
 * overlap): each order decided against what was seen, facts published, and only then the seen
 * entries and the cursor saved (ADR 0043).
 */
export function shipmentsPass(deps: ShipmentsPassDeps) {
  return async (input: PollPassInput): Promise<void> => {
    const { storeId, demand, cursor, startedAt } = input;
    const orders = await channelOrders(deps, storeId);
    if (!orders) return;
    const from = new Date(
      demand.since ??
        (cursor.cursor
          ? cursor.cursor.getTime() - deps.updateOverlapMs
          : startedAt.getTime() - deps.initialLookbackMs),
    );
    await pollChanges(deps, input, {
      stream: SHIPMENTS,
      itemName: 'orders',
      factTopics: FACT_TOPICS,
      from,
      read: async () => {
        const { orders: items, nextCursor } = await orders(from);
        // An empty read leaves the cursor where it was (or at the first read's start).
        return { items, next: items.length > 0 ? nextCursor : (cursor.cursor ?? from) };
      },
      itemId: (order) => String(order.id),
      decide: (order, seen) =>
        logged(deps, storeId, order, decideShipBobOrderFacts(storeId, order, seen)),
    });
  };
}

/**
 * A resync of a store's labels (ADR 0055): the channel's orders changed in the last
 * `resyncLookbackMs`, every labeled shipment re-emitted whatever was seen of it. The shipments
 * cursor and seen entries stay as they are; only the resync pass is recorded, under its own name.
 */
export function shipmentsResyncPass(deps: ShipmentsPassDeps) {
  return async (input: PollPassInput): Promise<void> => {
    const { storeId, demand, startedAt } = input;
    const orders = await channelOrders(deps, storeId);
    if (!orders) return;
    const from = new Date(startedAt.getTime() - deps.resyncLookbackMs);
    await pollChanges(deps, input, {
      stream: input.stream,
      itemName: 'orders',
      factTopics: FACT_TOPICS,
      from,
      read: async () => ({ items: (await orders(from)).orders, next: null }),
      itemId: (order) => String(order.id),
      decide: (order) =>
        logged(deps, storeId, order, decideShipBobResyncFacts(storeId, order, demand.requestedAt)),
      resync: true,
    });
  };
}

/**
 * The store's channel order list, read with a few quick attempts (the consumer's backoff does the
 * rest); null, counted `not-configured`, when the store has no ShipBob token.
 */
async function channelOrders(deps: ShipmentsPassDeps, storeId: string) {
  const credentials = await deps.credentials.get(storeId, {
    atLeastVersion: deps.configs.get(storeId)?.version,
  });
  const pat = credentials?.shipbobPat;
  if (!credentials || !pat) {
    deps.logger.info('store has no ShipBob token; shipments not polled', { storeId });
    deps.metrics.polls.inc({ stream: SHIPMENTS, outcome: 'not-configured' });
    return null;
  }
  const client = deps.clientFor({
    storeId,
    version: credentials.version,
    pat,
    channelId: credentials.shipbobChannelId,
  });
  // The client does not retry by itself; a few quick attempts, then the consumer's backoff.
  return (from: Date) =>
    retry(() => client.listOrdersUpdatedSince(from), {
      retries: 1,
      initialDelayMs: 500,
      maxDelayMs: 5_000,
    });
}

function logged(
  deps: ShipmentsPassDeps,
  storeId: string,
  order: ShipBobOrder,
  decision: ShipBobOrderDecision,
): ShipBobOrderDecision {
  if (decision.withoutCarrier.length > 0)
    deps.logger.warn('labeled shipment without a carrier held back', {
      storeId,
      shipbobOrderId: order.id,
      shipments: decision.withoutCarrier,
    });
  return decision;
}
