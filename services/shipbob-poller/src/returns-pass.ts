import { retry, type PollPassInput } from '@msync/platform';
import { pollChanges } from '@msync/polling';
import type { ShipBobPort, ShipBobReturn } from '@msync/shipbob';
import { decideShipBobReturnFacts } from './domain/return-facts.js';
import { FACT_TOPICS } from './fact-topics.js';
import type { ShipmentsPassDeps } from './shipments-pass.js';

export interface ReturnsPassDeps extends ShipmentsPassDeps {
  /** Open and canceled returns created longer ago than this are not read any more (ADR 0079). */
  returnsLookbackMs: number;
}

export const RETURNS = 'returns';
/** Open and canceled returns created longer ago are not read (`RETURNS_LOOKBACK_MS`'s default). */
export const DEFAULT_RETURNS_LOOKBACK_MS = 90 * 24 * 3600_000;

/**
 * Statuses of a return still on its way, in both spellings ShipBob may use for the first
 * (reference §10: 1.0 says `AwaitingArrival`, 2025-07 "Awaiting Arrival").
 */
const OPEN_STATUSES = ['AwaitingArrival', 'Awaiting Arrival', 'Arrived', 'Processing'];

/**
 * One pass over the returns of the store's ShipBob channel that changed since the cursor (minus
 * the overlap). ShipBob's return list has no "updated since" filter (ADR 0079), so a pass reads
 * the open returns, the returns completed since the read's start and the canceled ones, keeps
 * those whose last status change is not before the start (every open one), and decides each
 * against what was seen; facts are published before the seen entries and the cursor are saved
 * (ADR 0043). The cursor is the latest status change read.
 */
export function returnsPass(deps: ReturnsPassDeps) {
  return async (input: PollPassInput): Promise<void> => {
    const { storeId, demand, cursor, startedAt } = input;
    const client = await storeClient(deps, storeId);
    if (!client) return;
    const from = new Date(
      demand.since ??
        (cursor.cursor
          ? cursor.cursor.getTime() - deps.updateOverlapMs
          : startedAt.getTime() - deps.initialLookbackMs),
    );
    const createdSince = new Date(startedAt.getTime() - deps.returnsLookbackMs);
    await pollChanges(deps, input, {
      stream: RETURNS,
      itemName: 'returns',
      factTopics: FACT_TOPICS,
      from,
      read: async () => {
        const items = await readReturns(client, { from, createdSince });
        return { items, next: latestChange(items) ?? cursor.cursor ?? from };
      },
      itemId: (ret) => String(ret.id),
      decide: (ret, seen) => decideShipBobReturnFacts(storeId, ret, seen, startedAt),
    });
  };
}

/**
 * The returns a pass reads from `from` (ADR 0079): the open returns and the canceled ones created
 * since `createdSince`, the returns completed since `from`, narrowed by {@link changedSince}.
 * Read calls only; the stream CLI's backfill dry run counts them.
 */
export async function readReturns(
  client: Pick<ShipBobPort, 'listReturns'>,
  window: { from: Date; createdSince: Date },
): Promise<ShipBobReturn[]> {
  const list = (filter: Parameters<ShipBobPort['listReturns']>[0]) =>
    retry(() => client.listReturns(filter), {
      retries: 1,
      initialDelayMs: 500,
      maxDelayMs: 5_000,
    });
  const open = await list({ statuses: OPEN_STATUSES, createdSince: window.createdSince });
  const completed = await list({ completedSince: window.from });
  const canceled = await list({ statuses: ['Cancelled'], createdSince: window.createdSince });
  return changedSince(window.from, open, [...completed, ...canceled]);
}

/**
 * The returns to decide: every open one (its status may have changed without a date ShipBob
 * shows), and the others whose last change is not before `from`; one snapshot per return, the
 * most recently changed.
 */
export function changedSince(
  from: Date,
  open: readonly ShipBobReturn[],
  closed: readonly ShipBobReturn[],
): ShipBobReturn[] {
  const byId = new Map<number, ShipBobReturn>();
  const keep = (ret: ShipBobReturn) => {
    const known = byId.get(ret.id);
    if (!known || (ret.changedAt?.getTime() ?? 0) >= (known.changedAt?.getTime() ?? 0))
      byId.set(ret.id, ret);
  };
  open.forEach(keep);
  closed.filter((ret) => !ret.changedAt || ret.changedAt >= from).forEach(keep);
  return [...byId.values()];
}

function latestChange(items: readonly ShipBobReturn[]): Date | null {
  let latest: Date | null = null;
  for (const ret of items)
    if (ret.changedAt && (!latest || ret.changedAt > latest)) latest = ret.changedAt;
  return latest;
}

/** The store's ShipBob client; null, counted `not-configured`, when it has no token. */
async function storeClient(deps: ReturnsPassDeps, storeId: string) {
  const credentials = await deps.credentials.get(storeId, {
    atLeastVersion: deps.configs.get(storeId)?.version,
  });
  const pat = credentials?.shipbobPat;
  if (!credentials || !pat) {
    deps.logger.info('store has no ShipBob token; returns not polled', { storeId });
    deps.metrics.polls.inc({ stream: RETURNS, outcome: 'not-configured' });
    return null;
  }
  return deps.clientFor({
    storeId,
    version: credentials.version,
    pat,
    channelId: credentials.shipbobChannelId,
  });
}
