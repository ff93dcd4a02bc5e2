import { randomUUID } from 'node:crypto';
import type { Publisher, StoreConfigView } from '@msync/events';
import { advanceCursor, claimMiraklCall, miraklCallGateKey, type MiraklStore } from '@msync/mirakl';
import {
  RateLimitedError,
  type CallGate,
  type Logger,
  type PollMetrics,
  type PollPassInput,
  type PollStateStore,
  type SeenItem,
} from '@msync/platform';
import type { StoreCredentials, StoreCredentialsPort } from '@msync/stores';
import { decideOrderFacts } from './domain/order-facts.js';
import type { MiraklFact } from './domain/facts.js';
import { publishFacts } from './adapters/fact-publisher.js';

export interface OrdersPassDeps {
  source: string;
  publisher: Publisher;
  state: PollStateStore;
  gate: CallGate;
  credentials: StoreCredentialsPort;
  configs: StoreConfigView;
  clientFor: (
    credentials: StoreCredentials & { miraklApiKey: NonNullable<StoreCredentials['miraklApiKey']> },
  ) => MiraklStore;
  metrics: PollMetrics;
  logger: Logger;
  or11IntervalMs: number;
  initialLookbackMs: number;
  seenRetentionMs: number;
  now: () => number;
}

export const ORDERS = 'orders';

/**
 * One OR11 pass over a store's orders: admitted by the shared per-shop gate, read from the
 * cursor (or a backfill's `since`), each order decided against what was seen, facts published,
 * and only then the seen entries and the cursor saved (ADR 0043).
 */
export function ordersPass(deps: OrdersPassDeps) {
  return async ({ storeId, demand, cursor, startedAt }: PollPassInput): Promise<void> => {
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
    const timer = deps.metrics.pollDuration.startTimer({ stream: ORDERS });
    const client = deps.clientFor({ ...credentials, miraklApiKey: apiKey });
    let orders;
    try {
      orders = await client.listOrdersUpdatedSince({ updatedSince: from });
    } catch (error) {
      // Mirakl said 429 despite the gate: every process waits as long as it asked.
      if (error instanceof RateLimitedError)
        await deps.gate
          .pushBack(miraklCallGateKey(shop, 'OR11'), error.retryAfterMs)
          .catch(() => undefined);
      throw error;
    }
    deps.metrics.itemsSeen.inc({ stream: ORDERS }, orders.length);

    const seen = await deps.state.seen(
      storeId,
      ORDERS,
      orders.map((o) => o.orderId),
    );
    const facts: MiraklFact[] = [];
    const remember = new Map<string, SeenItem>();
    for (const order of orders) {
      const decision = decideOrderFacts(storeId, order, seen.get(order.orderId));
      facts.push(...decision.facts);
      if (decision.remember) remember.set(order.orderId, decision.remember);
      if (decision.anomaly)
        deps.logger.warn('order produced no fact', {
          storeId,
          orderId: order.orderId,
          why: decision.anomaly,
        });
    }

    const correlationId = randomUUID();
    await publishFacts(deps.publisher, facts, {
      storeId,
      source: deps.source,
      correlationId,
      causationId: demand.requestId ?? null,
    });
    for (const fact of facts) deps.metrics.factsEmitted.inc({ type: fact.topic });

    const now = new Date(deps.now());
    await deps.state.remember(storeId, ORDERS, remember, now);
    const next = advanceCursor(cursor.cursor ?? undefined, orders) ?? from;
    await deps.state.saveCursor(storeId, ORDERS, { cursor: next, startedAt });
    await deps.state.prune(storeId, ORDERS, new Date(now.getTime() - deps.seenRetentionMs));
    timer();
    deps.metrics.cursorLag.set(
      { store: storeId, stream: ORDERS },
      Math.max(0, (now.getTime() - Math.max(next.getTime(), cursor.cursor?.getTime() ?? 0)) / 1000),
    );
    deps.logger.info('orders polled', {
      storeId,
      correlationId,
      from: from.toISOString(),
      orders: orders.length,
      facts: facts.length,
      backfill: demand.since !== null,
    });
  };
}
