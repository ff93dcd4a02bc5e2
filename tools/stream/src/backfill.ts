import { envelope, type ExternalSystem, type Publisher } from '@msync/events';
import { CallLimiter, claimMiraklCall, createMiraklClient } from '@msync/mirakl';
import { RateLimitedError, type CallGate, type Logger } from '@msync/platform';
import { createRateLimiter, createShipBobClient } from '@msync/shipbob';
import type { StoreCredentialsPort } from '@msync/stores';

/** The streams a store is polled for, and which poller reads each. */
export const STREAM_SYSTEMS = {
  orders: 'MIRAKL',
  offers: 'MIRAKL',
  shipments: 'SHIPBOB',
  inventory: 'SHIPBOB',
  returns: 'SHIPBOB',
} as const satisfies Record<string, ExternalSystem>;
export type BackfillStream = keyof typeof STREAM_SYSTEMS;

/**
 * Streams a poller has a pass for today (the others are counted `unsupported-stream` by the
 * pollers): a backfill of any other is refused rather than silently ignored.
 */
export const POLLED_STREAMS: readonly BackfillStream[] = ['orders', 'shipments'];

export const BACKFILL_REASON = 'backfill';

/** Checks the stream name and that a poller reads it; the message says what exists. */
export function backfillStream(arg: string | undefined): BackfillStream {
  if (!arg || !(arg in STREAM_SYSTEMS))
    throw new Error(`--stream: one of ${Object.keys(STREAM_SYSTEMS).join(', ')}`);
  const stream = arg as BackfillStream;
  if (!POLLED_STREAMS.includes(stream))
    throw new Error(
      `--stream ${stream}: no poller reads it yet (polled: ${POLLED_STREAMS.join(', ')}); nothing would happen`,
    );
  return stream;
}

/**
 * Asks the stream's poller to re-read the store's history from `since` (a `PollRequested` with
 * reason `backfill`): the poller reads from there instead of its cursor, leaves the cursor
 * where it was, and emits only what its seen-set does not already have (ADR 0043).
 */
export async function requestBackfill(options: {
  publisher: Publisher;
  storeId: string;
  stream: BackfillStream;
  since: Date;
  now?: () => number;
}): Promise<{ eventId: string }> {
  const occurredAt = (options.now ?? Date.now)();
  const command = {
    envelope: envelope({
      storeId: options.storeId,
      idempotencyKey: `stream-cli:${options.storeId}:backfill:${options.stream}:${options.since.toISOString()}:${occurredAt}`,
      source: 'stream-cli',
      occurredAt,
    }),
    system: STREAM_SYSTEMS[options.stream],
    stream: options.stream,
    reason: BACKFILL_REASON,
    since: options.since.getTime(),
    configVersion: null,
  };
  await options.publisher.publish('pollRequested', command);
  return { eventId: command.envelope.eventId };
}

export interface BackfillCountOptions {
  credentials: StoreCredentialsPort;
  /** The pollers' shared Mirakl call gate: the count's OR11 takes a slot like a poll does. */
  gate: CallGate;
  storeId: string;
  stream: BackfillStream;
  since: Date;
  logger: Logger;
  miraklTrustedHosts: readonly string[];
  shipbobBaseUrl?: string;
  /** The OR11 interval the gate keeps (default: Mirakl's documented minute). */
  or11IntervalMs?: number;
  /** Told when the gate makes the count wait for the shop's next OR11 slot. */
  onWait?: (ms: number) => void;
  /** The longest wait for a slot before giving up (default 2 min). */
  maxWaitMs?: number;
}

/** Claims the gate's slot, waiting for it (bounded) as a poll would be redelivered after it. */
async function waitingTurn(options: BackfillCountOptions, claim: () => Promise<void>) {
  const deadline = Date.now() + (options.maxWaitMs ?? 120_000);
  for (;;) {
    try {
      return await claim();
    } catch (error) {
      if (!(error instanceof RateLimitedError) || Date.now() + error.retryAfterMs > deadline)
        throw error;
      options.onWait?.(error.retryAfterMs);
      await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs));
    }
  }
}

/**
 * How many items the vendor returns for the store's stream since `since`: the one read call the
 * poller's pass would make (OR11 for orders; ShipBob's channel orders for shipments), nothing
 * published, no cursor or seen-set touched.
 */
export async function countBackfill(
  options: BackfillCountOptions,
): Promise<{ items: number; call: string }> {
  const store = await options.credentials.get(options.storeId);
  if (!store) throw new Error(`no store ${options.storeId}`);
  switch (options.stream) {
    case 'orders': {
      if (!store.miraklApiKey) throw new Error(`store ${options.storeId} has no Mirakl API key`);
      // Taken like the poller's slot, so the count never makes the poller's next OR11 a 429.
      await waitingTurn(options, () =>
        claimMiraklCall(
          options.gate,
          { storeUrl: store.miraklBaseUrl, shopId: store.miraklShopId },
          'OR11',
          options.or11IntervalMs,
        ),
      );
      const client = createMiraklClient({
        storeUrl: store.miraklBaseUrl,
        apiKey: store.miraklApiKey.reveal(),
        logger: options.logger,
        trustedHosts: options.miraklTrustedHosts,
        limiter: new CallLimiter({ minIntervalMs: { OR11: 0 } }),
        retries: 1,
      });
      const orders = await client.listOrdersUpdatedSince({ updatedSince: options.since });
      return { items: orders.length, call: 'Mirakl OR11' };
    }
    case 'shipments': {
      if (!store.shipbobPat) throw new Error(`store ${options.storeId} has no ShipBob token`);
      const channelId = store.shipbobChannelId === null ? NaN : Number(store.shipbobChannelId);
      const client = createShipBobClient({
        pat: store.shipbobPat.reveal(),
        storeId: options.storeId,
        logger: options.logger,
        limiter: createRateLimiter(),
        ...(options.shipbobBaseUrl ? { baseUrl: options.shipbobBaseUrl } : {}),
        ...(Number.isInteger(channelId) ? { channelId } : {}),
      });
      const { orders } = await client.listOrdersUpdatedSince(options.since);
      return { items: orders.length, call: 'ShipBob GET /order' };
    }
    case 'offers':
    case 'inventory':
    case 'returns':
      throw new Error(`no poller reads ${options.stream} yet`);
    default: {
      const never: never = options.stream;
      throw new Error(`unknown stream ${String(never)}`);
    }
  }
}
