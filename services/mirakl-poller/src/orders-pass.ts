import {
  advanceCursor,
  claimMiraklCall,
  pushBackAfterRateLimit,
  type MiraklStore,
} from '@msync/mirakl';
import { RateLimitedError, type CallGate, type PollPassInput } from '@msync/platform';
import { pollChanges, type PollPassContext } from '@msync/polling';
import type { StoreCredentials } from '@msync/stores';
import { decideOrderFacts } from './domain/order-facts.js';
import { FACT_TOPICS } from './fact-topics.js';

export interface OrdersPassDeps extends PollPassContext {
  gate: CallGate;
  clientFor: (
    credentials: StoreCredentials & { miraklApiKey: NonNullable<StoreCredentials['miraklApiKey']> },
  ) => MiraklStore;
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
    const credentials = await deps.credentials.get(storeId, {
      atLeastVersion: deps.configs.get(storeId)?.version,
    });
    const apiKey = credentials?.miraklApiKey;
    if (!credentials || !apiKey) {
      deps.logger.warn('store has no Mirakl API key; orders not polled', { storeId });
      return;
    }
    const shop = { storeUrl: credentials.miraklBaseUrl, shopId: credentials.miraklShopId };
    try {
      await claimMiraklCall(deps.gate, shop, 'OR11', deps.or11IntervalMs);
    } catch (error) {
      if (error instanceof RateLimitedError) deps.metrics.gateWaits.inc({ operation: 'OR11' });
      throw error;
    }

    const from = new Date(
      demand.since ?? cursor.cursor?.getTime() ?? startedAt.getTime() - deps.initialLookbackMs,
    );
    await pollChanges(deps, input, {
      stream: ORDERS,
      itemName: 'orders',
      factTopics: FACT_TOPICS,
      from,
      read: async () => {
        const client = deps.clientFor({ ...credentials, miraklApiKey: apiKey });
        let orders;
        try {
          orders = await client.listOrdersUpdatedSince({ updatedSince: from });
        } catch (error) {
          await pushBackAfterRateLimit(deps.gate, shop, 'OR11', error);
          throw error;
        }
        return { items: orders, next: advanceCursor(cursor.cursor ?? undefined, orders) ?? from };
      },
      itemId: (order) => order.orderId,
      decide: (order, seen) => {
        const decision = decideOrderFacts(storeId, order, seen);
        if (decision.anomaly)
          deps.logger.warn('order produced no fact', {
            storeId,
            orderId: order.orderId,
            why: decision.anomaly,
          });
        return decision;
      },
    });
  };
}
