import { retry, type PollPassInput } from '@msync/platform';
import { pollChanges, type PollPassContext } from '@msync/polling';
import type { ShipBobPort } from '@msync/shipbob';
import type { Secret } from '@msync/stores';
import { decideShipBobOrderFacts } from './domain/order-facts.js';
import { FACT_TOPICS } from './fact-topics.js';

export interface ShipmentsPassDeps extends PollPassContext {
  clientFor: (store: {
    storeId: string;
    version: number;
    pat: Secret;
    channelId: string | null;
  }) => ShipBobPort;
  updateOverlapMs: number;
  initialLookbackMs: number;
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
    const credentials = await deps.credentials.get(storeId, {
      atLeastVersion: deps.configs.get(storeId)?.version,
    });
    const pat = credentials?.shipbobPat;
    if (!credentials || !pat) {
      deps.logger.info('store has no ShipBob token; shipments not polled', { storeId });
      deps.metrics.polls.inc({ stream: SHIPMENTS, outcome: 'not-configured' });
      return;
    }
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
        const client = deps.clientFor({
          storeId,
          version: credentials.version,
          pat,
          channelId: credentials.shipbobChannelId,
        });
        // The client does not retry by itself; a few quick attempts, then the consumer's backoff.
        const { orders, nextCursor } = await retry(() => client.listOrdersUpdatedSince(from), {
          retries: 1,
          initialDelayMs: 500,
          maxDelayMs: 5_000,
        });
        // An empty read leaves the cursor where it was (or at the first read's start).
        return { items: orders, next: orders.length > 0 ? nextCursor : (cursor.cursor ?? from) };
      },
      itemId: (order) => String(order.id),
      decide: (order, seen) => {
        const decision = decideShipBobOrderFacts(storeId, order, seen);
        if (decision.withoutCarrier.length > 0)
          deps.logger.warn('labeled shipment without a carrier held back', {
            storeId,
            shipbobOrderId: order.id,
            shipments: decision.withoutCarrier,
          });
        return decision;
      },
    });
  };
}
