import type { Db } from 'mongodb';
import { envelope, type ExternalSystem, type Publisher } from '@msync/events';
import {
  afterMiraklCall,
  claimMiraklCall,
  type GatedShop,
  type LimitedOperation,
} from '@msync/mirakl';
import { miraklClients, readCatalog } from '@msync/mirakl-poller/reads';
import { RateLimitedError, type CallGate, type Logger } from '@msync/platform';
import { SHIPBOB_PRODUCTION_URL } from '@msync/shipbob';
import {
  DEFAULT_RETURNS_LOOKBACK_MS,
  readReturns,
  shipbobClients,
  skuLevelsOf,
} from '@msync/shipbob-poller/reads';
import type { StoreCredentials, StoreCredentialsPort } from '@msync/stores';

/** The streams a store is polled for, and which poller reads each. */
export const STREAM_SYSTEMS = {
  orders: 'MIRAKL',
  offers: 'MIRAKL',
  shipments: 'SHIPBOB',
  inventory: 'SHIPBOB',
  returns: 'SHIPBOB',
} as const satisfies Record<string, ExternalSystem>;
export type BackfillStream = keyof typeof STREAM_SYSTEMS;

export const BACKFILL_REASON = 'backfill';
/** The pollers' reason for a full re-read (ADR 0055): inventory's only way back. */
export const RESYNC_REASON = 'resync';

/**
 * Streams without history: inventory levels are the account's current stock, so there is
 * nothing to re-read "since" a time. Their backfill is a resync: every item read again and given
 * to the store as a full cycle, which the applier pushes in full (ADR 0075, 0076).
 */
export const CURRENT_STATE_STREAMS: readonly BackfillStream[] = ['inventory'];

export const hasHistory = (stream: BackfillStream): boolean =>
  !CURRENT_STATE_STREAMS.includes(stream);

/**
 * Streams the scheduler polls that have nothing to backfill, and what to do instead: the daily
 * reconciliation compares quantities now (ADR 0088), there is no past to re-read.
 */
export const NOT_BACKFILLED: Readonly<Record<string, string>> = {
  reconcile:
    'reconcile compares quantities as they are now, with no history to re-read: ask for one with POST /v1/stores/{id}/reconcile',
};

/** Checks the stream name; the message says which exist. */
export function backfillStream(arg: string | undefined): BackfillStream {
  if (arg && NOT_BACKFILLED[arg]) throw new Error(`--stream: ${NOT_BACKFILLED[arg]}`);
  if (!arg || !(arg in STREAM_SYSTEMS))
    throw new Error(`--stream: one of ${Object.keys(STREAM_SYSTEMS).join(', ')}`);
  return arg as BackfillStream;
}

/**
 * What the operator is told when `--since` was given for a stream without history: it is
 * accepted (one command per stream after an outage, the same time for each) and does not apply.
 */
export function sinceIgnoredNote(stream: BackfillStream): string {
  return (
    `--since does not apply to ${stream}: ShipBob's levels are the current stock, with no ` +
    `history to re-read. Every level is read again and pushed to Mirakl in full instead.`
  );
}

/**
 * Asks the stream's poller to re-read the store's history from `since` (a `PollRequested` with
 * reason `backfill`): the poller reads from there instead of its cursor, leaves the cursor
 * where it was, and emits only what its seen-set does not already have (ADR 0043). For a stream
 * without history (inventory) it is a `resync` without `since`: a full read and a full push.
 */
export async function requestBackfill(options: {
  publisher: Publisher;
  storeId: string;
  stream: BackfillStream;
  /** Ignored for a stream without history; required for the others. */
  since: Date | null;
  now?: () => number;
}): Promise<{ eventId: string; reason: string }> {
  const occurredAt = (options.now ?? Date.now)();
  const history = hasHistory(options.stream);
  if (history && !options.since) throw new Error(`a backfill of ${options.stream} needs --since`);
  const since = history ? options.since : null;
  const reason = history ? BACKFILL_REASON : RESYNC_REASON;
  const command = {
    envelope: envelope({
      storeId: options.storeId,
      idempotencyKey: `stream-cli:${options.storeId}:${reason}:${options.stream}:${since?.toISOString() ?? 'current'}:${occurredAt}`,
      source: 'stream-cli',
      occurredAt,
    }),
    system: STREAM_SYSTEMS[options.stream],
    stream: options.stream,
    reason,
    since: since?.getTime() ?? null,
    configVersion: null,
  };
  await options.publisher.publish('pollRequested', command);
  return { eventId: command.envelope.eventId, reason };
}

export interface BackfillCountOptions {
  credentials: StoreCredentialsPort;
  /** The pollers' shared Mirakl call gate: the count's OR11 or OF52 takes a slot like a poll does. */
  gate: CallGate;
  /** The services' database: ShipBob calls claim from the budget every process shares (ADR 0057). */
  db: Db;
  storeId: string;
  stream: BackfillStream;
  /** Unused for a stream without history. */
  since: Date | null;
  logger: Logger;
  miraklTrustedHosts: readonly string[];
  shipbobBaseUrl?: string;
  /** The OR11 interval the gate keeps (default: Mirakl's documented minute). */
  or11IntervalMs?: number;
  /** The OF52 interval the gate keeps (default: Mirakl's documented minute). */
  of52IntervalMs?: number;
  /** Wait between two OF53 status reads of an offer export (default 10 s, Mirakl's limit). */
  exportPollIntervalMs?: number;
  /** As shipbob-poller's `RETURNS_LOOKBACK_MS`: older open and canceled returns are not read. */
  returnsLookbackMs?: number;
  /** Told when the gate makes the count wait for the shop's next slot of `operation`. */
  onWait?: (ms: number, operation: LimitedOperation) => void;
  /** The longest wait for a slot before giving up (default 2 min). */
  maxWaitMs?: number;
  now?: () => number;
}

export interface BackfillCount {
  items: number;
  /** The vendor call that answered. */
  call: string;
  /** What the items are (`orders`, `offers`, `returns`, `SKUs`). */
  unit: string;
  /** Offers deleted since the time (a differential OF52 export): part of `items`. */
  deleted?: number;
}

const DEFAULT_MIRAKL_INTERVAL_MS = 60_000;

/**
 * Claims the shop's slot for `operation`, waiting for it (bounded) as a poll would be
 * redelivered after it.
 */
async function waitingTurn(
  options: BackfillCountOptions,
  shop: GatedShop,
  operation: LimitedOperation,
  intervalMs: number,
) {
  const deadline = Date.now() + (options.maxWaitMs ?? 120_000);
  for (;;) {
    try {
      return await claimMiraklCall(options.gate, shop, operation, intervalMs);
    } catch (error) {
      if (!(error instanceof RateLimitedError) || Date.now() + error.retryAfterMs > deadline)
        throw error;
      options.onWait?.(error.retryAfterMs, operation);
      await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs));
    }
  }
}

function miraklAccess(options: BackfillCountOptions, store: StoreCredentials) {
  const apiKey = store.miraklApiKey;
  if (!apiKey) throw new Error(`store ${options.storeId} has no Mirakl API key`);
  const client = miraklClients({
    logger: options.logger,
    trustedHosts: options.miraklTrustedHosts,
    exportPollIntervalMs: options.exportPollIntervalMs ?? 10_000,
  }).for({ ...store, miraklApiKey: apiKey });
  return { client, shop: { storeUrl: store.miraklBaseUrl, shopId: store.miraklShopId } };
}

function shipbobClient(options: BackfillCountOptions, store: StoreCredentials) {
  const pat = store.shipbobPat;
  if (!pat) throw new Error(`store ${options.storeId} has no ShipBob token`);
  return shipbobClients({
    logger: options.logger,
    baseUrl: options.shipbobBaseUrl ?? SHIPBOB_PRODUCTION_URL,
    db: options.db,
    program: 'stream-cli',
  }).for({
    storeId: options.storeId,
    version: store.version,
    pat,
    channelId: store.shipbobChannelId,
  });
}

function sinceOf(options: BackfillCountOptions): Date {
  if (!options.since) throw new Error(`a count of ${options.stream} needs --since`);
  return options.since;
}

/**
 * How many items the vendor returns for the store's stream since `since`: the reads the poller's
 * pass would make, with the services' own clients and reads (OR11 for orders, an OF52
 * differential export — or OF21 where the store has no exports — for offers, ShipBob's channel
 * orders for shipments, its return lists for returns, every inventory level for inventory).
 * Nothing published, no cursor or seen-set touched; Mirakl calls take the shop's slot in the
 * pollers' gate, ShipBob calls the shared budget.
 */
export async function countBackfill(options: BackfillCountOptions): Promise<BackfillCount> {
  const store = await options.credentials.get(options.storeId);
  if (!store) throw new Error(`no store ${options.storeId}`);
  switch (options.stream) {
    case 'orders': {
      const since = sinceOf(options);
      const { client, shop } = miraklAccess(options, store);
      const interval = options.or11IntervalMs ?? DEFAULT_MIRAKL_INTERVAL_MS;
      // Taken like the poller's slot, so the count never makes the poller's next OR11 a 429.
      await waitingTurn(options, shop, 'OR11', interval);
      let orders;
      try {
        orders = await client.listOrdersUpdatedSince({ updatedSince: since });
      } catch (error) {
        await afterMiraklCall(options.gate, shop, 'OR11', interval, error);
        throw error;
      }
      await afterMiraklCall(options.gate, shop, 'OR11', interval);
      return { items: orders.length, call: 'Mirakl OR11', unit: 'orders' };
    }
    case 'offers': {
      const since = sinceOf(options);
      const access = miraklAccess(options, store);
      const of52IntervalMs = options.of52IntervalMs ?? DEFAULT_MIRAKL_INTERVAL_MS;
      await waitingTurn(options, access.shop, 'OF52', of52IntervalMs);
      const changes = await readCatalog(
        {
          gate: options.gate,
          logger: options.logger,
          now: options.now ?? Date.now,
          of52IntervalMs,
        },
        access,
        options.storeId,
        since,
        new Map(),
      );
      return changes.via === 'OF52'
        ? {
            items: changes.offers.length + changes.deleted.length,
            deleted: changes.deleted.length,
            call: 'Mirakl OF52 (differential export)',
            unit: 'offers',
          }
        : { items: changes.offers.length, call: 'Mirakl OF21', unit: 'offers' };
    }
    case 'shipments': {
      const since = sinceOf(options);
      const { orders } = await shipbobClient(options, store).listOrdersUpdatedSince(since);
      return { items: orders.length, call: 'ShipBob GET /order', unit: 'orders' };
    }
    case 'returns': {
      const from = sinceOf(options);
      const now = (options.now ?? Date.now)();
      const returns = await readReturns(shipbobClient(options, store), {
        from,
        createdSince: new Date(now - (options.returnsLookbackMs ?? DEFAULT_RETURNS_LOOKBACK_MS)),
      });
      return { items: returns.length, call: 'ShipBob GET /return', unit: 'returns' };
    }
    case 'inventory': {
      const levels = await shipbobClient(options, store).listInventoryLevels();
      return {
        items: skuLevelsOf(levels).length,
        call: 'ShipBob GET /inventory-level',
        unit: 'SKUs',
      };
    }
    default: {
      const never: never = options.stream;
      throw new Error(`unknown stream ${String(never)}`);
    }
  }
}

/** The dry run's one line on stdout. */
export function describeCount(
  stream: BackfillStream,
  count: BackfillCount,
  since: Date | null,
): string {
  if (!hasHistory(stream))
    return (
      `${count.call} returns ${count.items} ${count.unit} (current stock): a backfill reads ` +
      `every one again and the applier pushes them all; nothing requested`
    );
  const when = since?.toISOString() ?? '';
  if (count.call === 'Mirakl OF21')
    return (
      `${count.call} lists ${count.items} ${count.unit} (the store has no OF52 exports: every ` +
      `offer is read, whatever the time; only those not seen as they are become facts); nothing requested`
    );
  const deleted = count.deleted ? ` (${count.deleted} deleted)` : '';
  return `${count.call} returns ${count.items} ${count.unit}${deleted} changed since ${when}; nothing requested`;
}
