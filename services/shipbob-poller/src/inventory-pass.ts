import { randomUUID } from 'node:crypto';
import type { EventPosition, GroupProgress } from '@msync/events';
import { RetriableError, type PollPassInput } from '@msync/platform';
import { publishFacts, type PollPassContext, type PublishedPositions } from '@msync/polling';
import type { ShipBobClientFor } from './adapters/shipbob-clients.js';
import { accountKeyOf, type InventoryAccounts } from './adapters/inventory-accounts.js';
import {
  decideAccountRead,
  decideInventoryFacts,
  decideReadDeferral,
  decideUnchangedRead,
  diffLevels,
  flagsYoung,
  knownFlagsOf,
  levelsDigestOf,
  skuLevelOf,
  skuSourcesOf,
  type AccountHead,
  type AccountReadDecision,
  type AccountSnapshot,
  type AccountStore,
  type LevelsDiff,
  type ReadDeferral,
  type SkuLevel,
  type StoreFactsBehind,
} from './domain/inventory-facts.js';
import { diffPrints, flagsOfPrints } from './domain/level-prints.js';

export const INVENTORY = 'inventory';

/** How long an account read's catalog flags stand in for the catalog (ADR 0109). */
export const DEFAULT_INVENTORY_FLAGS_MAX_AGE_MS = 10 * 60_000;

/**
 * A read waits while the applier is this many facts behind the store's last ones (ADR 0154): 40
 * facts of up to 250 SKUs (ADR 0166), a 10,000-SKU store's whole first read.
 */
export const DEFAULT_READ_DEFERRAL: ReadDeferral = { behindLimit: 40, maxDeferMs: 30 * 60_000 };

export interface InventoryPassDeps extends PollPassContext {
  clientFor: ShipBobClientFor;
  accounts: InventoryAccounts;
  /** A read of the account that began this long before a request serves it (ADR 0075). */
  shareWindowMs: number;
  /** The catalog's flags a read takes are used instead of reading it for this long (ADR 0109). */
  flagsMaxAgeMs: number;
  /** SKUs one fact carries at most (ADR 0166). */
  levelsPerFact: number;
  /**
   * Runs one pass of an account at a time in this process, whichever store or stream (ordinary
   * or resync) asks: a pass that waited finds the read the other one saved (ADR 0094).
   */
  oneAtATime: <T>(accountKey: string, pass: () => Promise<T>) => Promise<T>;
  /**
   * Per store, where its last inventory fact landed, and when its publish began (this process's
   * publishes; ADR 0154, 0155).
   */
  lastFacts: Map<string, { position: EventPosition; publishedAt: number }>;
  /** A read waits while the applier is behind the store's last facts (ADR 0154); never without. */
  applier?: AppliedFacts;
}

/** What a read asks before it reads: how far the applier is behind the store's last facts. */
export interface AppliedFacts {
  progress: Pick<GroupProgress, 'behind'>;
  deferral: ReadDeferral;
  /** Where the mirakl-poller published the store's last offers (ADR 0169); none: not asked. */
  offers?: Pick<PublishedPositions, 'last'>;
}

/**
 * One inventory pass for a store, shared by every store on its ShipBob account (ADR 0075): the
 * account is read (every page) unless a read began within the share window; the SKUs that
 * changed since the previous read are emitted to each store of the account (every SKU to a
 * store that never got them), each store's last fact closing its cycle; then the account's
 * snapshot is saved. A read whose levels have the digest of the snapshot's changed nothing: its
 * stores get only the fact closing their cycle, and the snapshot's items are neither read nor
 * compared (ADR 0137). A resync (`resync: true`) always reads and gives the store every SKU.
 * Passes of one account run one at a time in the process; the diff and the facts, which hold the
 * whole account, take one of the process's large-pass slots, and a store's facts are built and
 * published one store at a time (ADR 0094). A read waits while the applier is far behind the
 * store's last facts (ADR 0154). A `close` pass (the applier's request once the store's offers
 * were written, ADR 0155) ends the store's cycle with the last read's closing item instead of
 * reading, unless a cycle end published since the request already follows them.
 */
export function inventoryPass(
  deps: InventoryPassDeps,
  options: {
    resync: boolean;
    /** Requests to end the store's cycle again, its offers changed (ADR 0155). */
    close?: boolean;
  },
) {
  return async (input: PollPassInput): Promise<void> => {
    const { storeId, demand, startedAt } = input;
    const stream = input.stream;
    const credentials = await deps.credentials.get(storeId, {
      atLeastVersion: deps.configs.get(storeId)?.version,
    });
    const pat = credentials?.shipbobPat;
    if (!credentials || !pat) {
      deps.logger.info('store has no ShipBob token; inventory not polled', { storeId });
      deps.metrics.polls.inc({ stream, outcome: 'not-configured' });
      return;
    }
    const timer = deps.metrics.pollDuration.startTimer({ stream });
    const accountKey = accountKeyOf(pat);
    const store = {
      storeId,
      version: credentials.version,
      pat,
      channelId: credentials.shipbobChannelId,
    };
    const outcome = await deps.oneAtATime(accountKey, () => accountPass(accountKey));
    // A deferred read was no pass: a request older than this one still asks for one.
    if (outcome !== 'applier-behind') {
      await deps.state.saveCursor(storeId, stream, { cursor: null, startedAt });
    }
    timer();
    deps.metrics.polls.inc({ stream, outcome });

    /**
     * Whether the read waits for the applier to take the store's last facts (ADR 0154) and, for
     * a read (`offersToo`), its last offers (ADR 0169).
     */
    async function deferred(offersToo: boolean): Promise<boolean> {
      const applier = deps.applier;
      if (!applier || options.resync) return false;
      const lasts: StoreFactsBehind[] = [];
      const inventory = deps.lastFacts.get(storeId);
      if (inventory) {
        const behind = await applier.progress.behind(inventory.position);
        lasts.push({ facts: 'inventory', behind, publishedAt: inventory.publishedAt });
      }
      const offers = offersToo
        ? await applier.offers?.last({ storeId, system: 'MIRAKL', stream: 'offers' })
        : null;
      if (offers) {
        const behind = await applier.progress.behind(offers.position);
        lasts.push({ facts: 'offers', behind, publishedAt: offers.publishedAt });
      }
      const decision = decideReadDeferral(
        lasts,
        { now: deps.now(), resync: options.resync },
        applier.deferral,
      );
      if (decision.type === 'defer') {
        const waited = lasts.find((last) => last.facts === decision.facts);
        deps.logger.info('inventory read deferred: the applier has not taken the last facts', {
          storeId,
          waitsFor: decision.facts,
          behind: decision.behind,
          publishedAt: waited && new Date(waited.publishedAt),
          behindLimit: applier.deferral.behindLimit,
        });
        return true;
      }
      if (decision.overdue) {
        deps.logger.warn('inventory read although the applier has not taken the last facts', {
          storeId,
          behind: Object.fromEntries(lasts.map((last) => [last.facts, last.behind])),
          maxDeferMs: applier.deferral.maxDeferMs,
        });
      }
      return false;
    }

    async function accountPass(
      accountKey: string,
    ): Promise<AccountReadDecision['type'] | 'applier-behind' | 'covered'> {
      // The head decides; the items are read only when they are compared or given (ADR 0137).
      const head: AccountHead = (await deps.accounts.head(accountKey)) ?? EMPTY;
      const snapshotNow = async (): Promise<AccountSnapshot> =>
        (await deps.accounts.get(accountKey)) ?? EMPTY;
      const decision = decideAccountRead(
        head,
        {
          storeId,
          requestedAt: demand.requestedAt,
          resync: options.resync,
          close: options.close ?? false,
        },
        deps.shareWindowMs,
      );
      const correlationId = randomUUID();
      const cycleId = `${storeId}@${startedAt.getTime()}`;
      // One store's facts at a time: with 100 stores on an account, 100 × 10,000 facts never
      // exist at once.
      const publish = async (
        changed: readonly SkuLevel[],
        current: readonly SkuLevel[],
        stores: readonly AccountStore[],
        observedAt: Date,
      ): Promise<void> => {
        for (const store of stores) {
          const perStore = decideInventoryFacts({
            changed,
            current,
            stores: [store],
            cycleId,
            observedAt,
            levelsPerFact: deps.levelsPerFact,
          });
          for (const { storeId: target, facts } of perStore) {
            // Taken before the facts go out: each of them is on the partition after this instant.
            const publishedAt = deps.now();
            const [last] = await publishFacts(deps.publisher, ['inventoryObserved'], facts, {
              storeId: target,
              source: deps.source,
              correlationId,
              causationId: demand.requestId ?? null,
            });
            if (last) deps.lastFacts.set(target, { position: last, publishedAt });
            deps.metrics.factsEmitted.inc({ type: 'inventoryObserved' }, facts.length);
          }
        }
      };
      const withStore = (stores: AccountStore[], baseline: boolean): AccountStore[] => [
        ...stores.filter((s) => s.storeId !== storeId),
        { storeId, baseline },
      ];

      switch (decision.type) {
        case 'shared':
          break;
        case 'close': {
          // A cycle end published since the request was made comes after the offers it follows
          // were written (the applier asks once they are): it ends the cycle they need.
          const last = deps.lastFacts.get(storeId);
          if (last && last.publishedAt >= demand.requestedAt) return 'covered';
          // The offers this close follows are written: only the levels are waited for.
          if (await deferred(false)) return 'applier-behind';
          await publish(
            [],
            [decision.closing],
            [{ storeId, baseline: true }],
            head.readAt ?? startedAt,
          );
          deps.logger.info('inventory cycle closed with the last read', {
            storeId,
            correlationId,
            cycleId,
            readAt: head.readAt,
          });
          break;
        }
        case 'baseline': {
          const snapshot = await snapshotNow();
          await deps.largePasses.run(async () => {
            await publish(
              [],
              snapshot.items,
              [{ storeId, baseline: false }],
              snapshot.readAt ?? startedAt,
            );
            await save(
              deps,
              accountKey,
              { ...snapshot, stores: withStore(snapshot.stores, true) },
              [],
            );
          }, snapshot.items.length);
          break;
        }
        case 'read': {
          if (await deferred(true)) return 'applier-behind';
          const client = deps.clientFor(store);
          // A failed page is asked again by the client; a read that still fails fails the pass.
          const totals = await client.readInventoryTotals();
          // The levels each SKU is read from, chosen and sorted once: the digest takes them now,
          // the compared items once the flags are set on them.
          const sources = skuSourcesOf(totals);
          const digest = levelsDigestOf(sources);
          const stores = await sharingStores(
            deps,
            accountKey,
            withStore(head.stores, !options.resync && isBaselined(head, storeId)),
          );
          // The catalog's flags change seldom: read with the last ones while they are young
          // enough, the catalog only for a new item (ADR 0109); how young, per account (ADR 0150).
          const flagsAge = {
            accountKey,
            now: startedAt.getTime(),
            maxAgeMs: deps.flagsMaxAgeMs,
            resync: options.resync,
          };
          const young = flagsYoung(head, flagsAge);
          const same = decideUnchangedRead(head, {
            digest,
            stores,
            flagsYoung: young,
            resync: options.resync,
          });
          if (same.unchanged) {
            // Nothing changed: each store's cycle closes, and the head alone is saved.
            deps.metrics.itemsSeen.inc({ stream }, sources.length);
            await publish([], same.closing ? [same.closing] : [], stores, startedAt);
            await saveHead(deps, accountKey, head, {
              ...head,
              readAt: startedAt,
              stores: stores.map((s) => ({ storeId: s.storeId, baseline: true })),
            });
            deps.logger.info('inventory read', {
              storeId,
              correlationId,
              cycleId,
              skus: totals.length,
              catalogRead: false,
              changed: 0,
              unchanged: true,
              stores: stores.length,
            });
            break;
          }
          // What the read changed is told by the prints of the last save when this process
          // kept them, without reading the snapshot (ADR 0146); by the snapshot otherwise.
          const prints = deps.accounts.prints(accountKey, head);
          let snapshot: AccountSnapshot | null = null;
          const snapshotOfHead = async (): Promise<AccountSnapshot> => {
            const read = await snapshotNow();
            // Saved by another process since the head was read: its read serves this request.
            if (read.revision !== head.revision) concurrentRead();
            return read;
          };
          if (!prints) snapshot = await snapshotOfHead();
          const knownFlags = prints
            ? young
              ? flagsOfPrints(prints)
              : undefined
            : knownFlagsOf(snapshot!, flagsAge);
          // Sets the flags on the levels themselves, `sources` among them.
          const read = await client.withInventoryFlags(totals, knownFlags ? { knownFlags } : {});
          const current = sources.map(skuLevelOf);
          deps.metrics.itemsSeen.inc({ stream }, current.length);
          const changed = await deps.largePasses.run(
            async () => {
              let diff: LevelsDiff | null = prints && diffPrints(prints, current);
              if (!diff) {
                // A SKU gone or renamed: its removal needs the snapshot's SKUs.
                if (prints) deps.accounts.printsUnusable(accountKey);
                snapshot ??= await snapshotOfHead();
                diff = diffLevels(snapshot.items, current);
              }
              await publish(diff.changed, current, stores, startedAt);
              await save(
                deps,
                accountKey,
                {
                  items: current,
                  readAt: startedAt,
                  flagsReadAt: read.catalogRead ? startedAt : (head.flagsReadAt ?? null),
                  stores: stores.map((s) => ({ storeId: s.storeId, baseline: true })),
                  revision: head.revision,
                  levelsDigest: digest,
                  closing: current[0] ?? null,
                },
                diff.entries,
              );
              return diff.changed.length;
            },
            // Its share of a slot: the larger of the two catalogs it holds (ADR 0114).
            Math.max(snapshot?.items.length ?? 0, current.length),
          );
          deps.logger.info('inventory read', {
            storeId,
            correlationId,
            cycleId,
            skus: current.length,
            catalogRead: read.catalogRead,
            changed,
            stores: stores.length,
          });
          break;
        }
        default: {
          const never: never = decision;
          throw new Error(`unhandled decision ${JSON.stringify(never)}`);
        }
      }
      return decision.type;
    }
  };
}

const isBaselined = (snapshot: AccountHead, storeId: string) =>
  snapshot.stores.some((s) => s.storeId === storeId && s.baseline);

/**
 * The stores the read is emitted to: those registered on the account that still hold a PAT of
 * it and are not deleted (a store whose token moved to another account leaves this one).
 */
async function sharingStores(
  deps: InventoryPassDeps,
  accountKey: string,
  registered: AccountStore[],
): Promise<AccountStore[]> {
  const kept: AccountStore[] = [];
  for (const store of registered) {
    const config = deps.configs.get(store.storeId);
    if (!config || config.status === 'DELETED') continue;
    const credentials = await deps.credentials.get(store.storeId, {
      atLeastVersion: config.version,
    });
    const pat = credentials?.shipbobPat;
    if (pat && accountKeyOf(pat) === accountKey) kept.push(store);
  }
  return kept;
}

const EMPTY: AccountSnapshot = { items: [], readAt: null, stores: [], revision: 0 };

async function saveHead(
  deps: InventoryPassDeps,
  accountKey: string,
  previous: AccountHead,
  head: AccountHead,
) {
  if (!(await deps.accounts.saveHead(accountKey, head, previous))) concurrentRead();
}

async function save(
  deps: InventoryPassDeps,
  accountKey: string,
  snapshot: AccountSnapshot,
  entries: LevelsDiff['entries'],
) {
  if (!(await deps.accounts.save(accountKey, snapshot, entries))) concurrentRead();
}

/** Another store's pass saved a read meanwhile: this request is retried and served by it. */
function concurrentRead(): never {
  throw new RetriableError('the account inventory was read concurrently', {
    reason: 'account-read-concurrently',
  });
}
