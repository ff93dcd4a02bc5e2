import { OFFER_EXPORTS_UNAVAILABLE, type OfferChanges } from '@msync/mirakl';
import { errorReason, type PollPassInput } from '@msync/platform';
import { pollChanges, type PublishedPositions } from '@msync/polling';
import {
  DEFAULT_OFFERS_PER_FACT,
  decideOfferFacts,
  needsFullExport,
  offerFactsOf,
  offerMark,
  observedOffers,
  offersFlowOpen,
  type ObservedOffer,
} from './domain/offer-facts.js';
import { fullExportReconciles, stockFacts } from './domain/stock-facts.js';
import { OFFER_FACT_TOPICS } from './fact-topics.js';
import { publishStock } from './stock-pass.js';
import {
  claimSlot,
  spacedCall,
  storeAccess,
  type MiraklPassDeps,
  type StoreAccess,
} from './store-access.js';

export interface OffersPassDeps extends MiraklPassDeps {
  /** Product-wide minimum between two OF52 calls on one shop (Mirakl: once a minute). */
  of52IntervalMs: number;
  /** A full export at most this often per store (Mirakl: once a day); differentials between. */
  fullEveryMs: number;
  seenRetentionMs: number;
  /** Offers one fact carries at most (default 100, ADR 0168; 1: a fact per offer). */
  offersPerFact?: number;
  /**
   * Where each store's last offer facts landed is kept here, for the shipbob-poller's inventory
   * read to wait while the applier has not taken them (ADR 0169).
   */
  positions?: Pick<PublishedPositions, 'record'>;
}

export const OFFERS = 'offers';
/** Where the time of a store's last full export is kept: a cursor of its own in the poll state. */
export const OFFERS_FULL = 'offers:full';
/** How long a store whose OF52 was refused is read with OF21 before OF52 is tried again. */
const EXPORTS_REPROBE_MS = 24 * 3600_000;

/**
 * One pass over a store's catalog (ADR 0073): an OF52 export — full on the first pass and once a
 * day, otherwise differential from the cursor (`last_request_date`, deletions included) —
 * admitted by the shop's OF52 slot in the shared gate; each offer decided against its remembered
 * fingerprint; facts published; only then the fingerprints, the cursor and the time of the full
 * export saved. A store without asynchronous exports is read with OF21, every offer, each pass.
 * Nothing is read while the store's Sync Offers is closed ({@link offersFlowOpen}).
 */
export function offersPass(deps: OffersPassDeps, exportsRefusedAt = new Map<string, number>()) {
  return async (input: PollPassInput): Promise<void> => {
    const { storeId, demand, cursor, startedAt } = input;
    const config = deps.configs.get(storeId);
    if (config && !offersFlowOpen(config)) {
      // E.g. config-api's first poll of a store connected before its flows were set up.
      deps.logger.info('Sync Offers is off or ShipBob not configured; catalog not read', {
        storeId,
      });
      return;
    }
    const access = await storeAccess(deps, storeId, OFFERS);
    if (!access) return;
    const lastFull = (await deps.state.cursor(storeId, OFFERS_FULL)).cursor;
    const since = demand.since ? new Date(demand.since) : cursor.cursor;
    const full =
      demand.since === null &&
      needsFullExport(lastFull, since !== null, deps.now(), deps.fullEveryMs);
    // A full export holds the store's whole catalog (the OF54 file, its offers, their facts): from
    // its download to the pass's end it holds one of the process's large-pass slots (ADR 0094),
    // taken once Mirakl has the file ready (ADR 0112), not while Mirakl prepares it. A
    // differential holds what changed only and takes none.
    const slot = full ? deps.largePasses.hold() : undefined;
    try {
      await claimSlot(deps, access.shop, 'OF52', deps.of52IntervalMs);

      const observedAt = new Date(deps.now());
      let exportedAt: Date | null = null;
      let stock: ObservedOffer[] = [];
      const [published] = await pollChanges(deps, input, {
        stream: OFFERS,
        itemName: 'offers',
        factTopics: OFFER_FACT_TOPICS,
        from: full ? null : since,
        read: async () => {
          const changes = await readCatalog(
            deps,
            access,
            storeId,
            full ? null : since,
            exportsRefusedAt,
            slot?.take,
          );
          exportedAt = changes.exportedAt;
          // One object per offer, shared by the offers' decisions and the stock facts.
          stock = observedOffers(changes.offers, false);
          const items: ObservedOffer[] = stock.concat(observedOffers(changes.deleted, true));
          return { items, next: changes.exportedAt };
        },
        itemId: (offer) => offer.shopSku,
        // An offer whose entry holds its fingerprint decides nothing (`decideOfferFacts`).
        settledMarks: (offer) => [offerMark(offer)],
        decide: (offer, seen) => decideOfferFacts(storeId, offer, seen, observedAt),
        group: (facts) => offerFactsOf(facts, deps.offersPerFact ?? DEFAULT_OFFERS_PER_FACT),
      });
      // Recorded once Kafka has them; lost with a crash before, it only lets a read not wait.
      if (published && deps.positions)
        await deps.positions.record(
          { storeId, system: 'MIRAKL', stream: OFFERS },
          { position: published, publishedAt: deps.now() },
        );
      if (full && exportedAt !== null) {
        // The day's full export is also the store's daily stock reconciliation (ADR 0088): its
        // quantities cost no further call; a store's first is not (ADR 0170). Published before
        // the cursor moves: a crash repeats both.
        if (fullExportReconciles(lastFull, deps.configs.get(storeId)))
          await publishStock(deps, input, stockFacts(storeId, stock, observedAt));
        await deps.state.saveCursor(storeId, OFFERS_FULL, { cursor: exportedAt, startedAt });
      }
    } finally {
      slot?.release();
    }
  };
}

/** What a catalog read needs: the shop's gate for OF52, its interval, a clock and a log. */
export type CatalogReadDeps = Pick<MiraklPassDeps, 'gate' | 'logger' | 'now'> & {
  of52IntervalMs: number;
};

/**
 * The store's catalog as a pass reads it, once the shop's OF52 slot is claimed: OF52 (full when
 * `since` is null, else differential from it), or every OF21 page when the store refuses OF52
 * (remembered in `exportsRefusedAt` for a day). `via` names the call that answered. Read calls
 * only; the stream CLI's backfill dry run counts what it returns.
 */
export async function readCatalog(
  deps: CatalogReadDeps,
  access: StoreAccess,
  storeId: string,
  since: Date | null,
  exportsRefusedAt: Map<string, number>,
  /** Awaited before the catalog is downloaded or listed (the caller's large-pass slot). */
  beforeDownload?: () => Promise<void>,
): Promise<OfferChanges & { via: 'OF52' | 'OF21' }> {
  const refusedAt = exportsRefusedAt.get(storeId);
  if (refusedAt === undefined || deps.now() - refusedAt >= EXPORTS_REPROBE_MS) {
    try {
      const changes = await spacedCall(deps, access.shop, 'OF52', deps.of52IntervalMs, () =>
        access.client.exportOffers({
          ...(since ? { since } : {}),
          ...(beforeDownload ? { beforeDownload } : {}),
        }),
      );
      return { ...changes, via: 'OF52' };
    } catch (error) {
      if (errorReason(error) !== OFFER_EXPORTS_UNAVAILABLE) throw error;
      exportsRefusedAt.set(storeId, deps.now());
      deps.logger.warn('OF52 exports refused by the store; reading offers with OF21', { storeId });
    }
  }
  // OF21 sees no deletions and carries no change time: each pass lists every offer, and the
  // fingerprints keep the unchanged ones from becoming facts.
  await beforeDownload?.();
  const listedAt = new Date(deps.now());
  const offers = await spacedCall(deps, access.shop, 'OF52', deps.of52IntervalMs, () =>
    access.client.listOffers(),
  );
  return { offers, deletedSkus: [], deleted: [], exportedAt: listedAt, via: 'OF21' };
}
