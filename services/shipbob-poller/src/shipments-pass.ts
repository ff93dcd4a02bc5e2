import { randomUUID } from 'node:crypto';
import type { Publisher, StoreConfigView } from '@msync/events';
import {
  retry,
  type Logger,
  type PollMetrics,
  type PollPassInput,
  type PollStateStore,
  type SeenItem,
} from '@msync/platform';
import type { ShipBobPort } from '@msync/shipbob';
import type { Secret, StoreCredentialsPort } from '@msync/stores';
import { decideShipBobOrderFacts } from './domain/order-facts.js';
import type { ShipBobFact } from './domain/facts.js';
import { publishFacts } from './adapters/fact-publisher.js';

export interface ShipmentsPassDeps {
  source: string;
  publisher: Publisher;
  state: PollStateStore;
  credentials: StoreCredentialsPort;
  configs: StoreConfigView;
  clientFor: (store: {
    storeId: string;
    version: number;
    pat: Secret;
    channelId: string | null;
  }) => ShipBobPort;
  metrics: PollMetrics;
  logger: Logger;
  updateOverlapMs: number;
  initialLookbackMs: number;
  seenRetentionMs: number;
  now: () => number;
}

export const SHIPMENTS = 'shipments';

/**
 * One pass over the orders of the store's ShipBob channel changed since the cursor (minus the
 * overlap): each order decided against what was seen, facts published, and only then the seen
 * entries and the cursor saved (ADR 0043).
 */
export function shipmentsPass(deps: ShipmentsPassDeps) {
  return async ({ storeId, demand, cursor, startedAt }: PollPassInput): Promise<void> => {
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
    const timer = deps.metrics.pollDuration.startTimer({ stream: SHIPMENTS });
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
    deps.metrics.itemsSeen.inc({ stream: SHIPMENTS }, orders.length);

    const seen = await deps.state.seen(
      storeId,
      SHIPMENTS,
      orders.map((o) => String(o.id)),
    );
    const facts: ShipBobFact[] = [];
    const remember = new Map<string, SeenItem>();
    for (const order of orders) {
      const decision = decideShipBobOrderFacts(storeId, order, seen.get(String(order.id)));
      facts.push(...decision.facts);
      if (decision.remember) remember.set(String(order.id), decision.remember);
      if (decision.withoutCarrier.length > 0)
        deps.logger.warn('labeled shipment without a carrier held back', {
          storeId,
          shipbobOrderId: order.id,
          shipments: decision.withoutCarrier,
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
    await deps.state.remember(storeId, SHIPMENTS, remember, now);
    // An empty read leaves the cursor where it was (or at the first read's start).
    const next = orders.length > 0 ? nextCursor : (cursor.cursor ?? from);
    await deps.state.saveCursor(storeId, SHIPMENTS, { cursor: next, startedAt });
    await deps.state.prune(storeId, SHIPMENTS, new Date(now.getTime() - deps.seenRetentionMs));
    timer();
    const newest = Math.max(next.getTime(), cursor.cursor?.getTime() ?? 0);
    deps.metrics.cursorLag.set(
      { store: storeId, stream: SHIPMENTS },
      Math.max(0, (now.getTime() - newest) / 1000),
    );
    deps.logger.info('shipments polled', {
      storeId,
      correlationId,
      from: from.toISOString(),
      orders: orders.length,
      facts: facts.length,
      backfill: demand.since !== null,
    });
  };
}
