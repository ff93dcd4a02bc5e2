import type { Db } from 'mongodb';
import type { Outcome } from '../domain/decision.js';
import type { CatalogProduct, InventoryCycleSummary, OffersCycle } from '../domain/catalog.js';
import { createChunkedMap, legacyFieldMap, type MapEntry } from '@msync/platform';

export const CATALOG_COLLECTIONS = {
  products: 'catalog_products',
  cycles: 'catalog_cycles',
  offersCycles: 'catalog_offer_cycles',
} as const;

/** An offers outcome for the view, with the cycle (poll) of its fact and when it was decided. */
export interface OfferViewEntry {
  outcome: Outcome;
  correlationId: string;
  at: Date;
}

/** The items after the last change of key, and whether they are all the items (pure). */
function lastRunOf<T>(items: readonly T[], keyOf: (item: T) => string) {
  let from = items.length - 1;
  while (from > 0 && keyOf(items[from - 1]!) === keyOf(items[from]!)) from--;
  return { run: items.slice(Math.max(from, 0)), whole: from <= 0 };
}

interface CyclesDoc {
  _id: string;
  /** The offers cycle as kept before `catalog_offer_cycles` (read while that has none). */
  offers?: OffersCycle;
  inventory?: InventoryCycleSummary;
}
type OffersCycleMeta = Omit<OffersCycle, 'skus'>;

/**
 * The seller's view of a store's catalog (ADR 0089): `catalog_products` (per SKU, the ShipBob
 * product the offers flow created or found and its last outcome) and `catalog_offer_cycles` (the
 * last offers cycle, its outcome per SKU), maps per store in chunks (ADR 0103), and
 * `catalog_cycles` (the last inventory cycle), a document per store. State for reading, never a
 * reason to call a vendor.
 */
export interface CatalogView {
  /**
   * Projects outcomes of the offers flow, in the order they were decided (each fact's correlation
   * id names its cycle): a few writes per store for many SKUs (ADR 0097).
   */
  observeOffers(storeId: string, entries: readonly OfferViewEntry[]): Promise<void>;
  recordInventoryCycle(storeId: string, cycle: InventoryCycleSummary): Promise<void>;
  products(storeId: string): Promise<CatalogProduct[]>;
  cycles(
    storeId: string,
  ): Promise<{ offers: OffersCycle | null; inventory: InventoryCycleSummary | null }>;
}

export function createCatalogView(db: Db): CatalogView {
  const products = createChunkedMap<CatalogProduct>(db, {
    name: CATALOG_COLLECTIONS.products,
    // A SKU's fields as `$set` would leave them: a product id once known stays.
    merge: (earlier, later) => ({ ...earlier, ...later }),
    legacy: legacyFieldMap<CatalogProduct>('skus', (product) => product.sku),
    legacyFields: ['skus'],
  });
  const offersCycles = createChunkedMap<string, OffersCycleMeta>(db, {
    name: CATALOG_COLLECTIONS.offersCycles,
  });
  const cycles = db.collection<CyclesDoc>(CATALOG_COLLECTIONS.cycles);
  return {
    async observeOffers(storeId, entries) {
      // A SKU's fields in handling order: its last outcome wins, a product id once known stays.
      const known = entries.filter(
        (entry) => entry.outcome.subjectId || entry.outcome.miraklOrderId,
      );
      const skuOf = ({ outcome }: OfferViewEntry) => outcome.subjectId || outcome.miraklOrderId;
      await products.write(
        storeId,
        known.map((entry): MapEntry<CatalogProduct> => {
          const { outcome, at } = entry;
          const productId = outcome.externalIds['shipbobProductId'];
          return [
            skuOf(entry),
            {
              sku: skuOf(entry),
              offer: {
                outcome: outcome.outcome,
                reason: outcome.reason,
                detail: outcome.detail,
                at,
              },
              ...(productId ? { shipbobProductId: productId } : {}),
            },
          ];
        }),
      );
      // The facts of one poll share its correlation id: a new one starts the store's next cycle.
      // Only the first run may go on with the cycle kept; each later one starts a cycle the next
      // replaces, so the last run alone is written (one write, not one per poll the entries came
      // from: a replay or a backlog brings many).
      const { run: last, whole } = lastRunOf(known, (entry) => entry.correlationId);
      if (last.length === 0) return;
      const { correlationId } = last[0]!;
      const lastAt = last[last.length - 1]!.at;
      const outcomes = last.map((entry): MapEntry<string> => [skuOf(entry), entry.outcome.outcome]);
      const same =
        whole &&
        (await offersCycles.write(storeId, outcomes, {
          set: { lastAt },
          when: { correlationId },
        }));
      if (!same)
        await offersCycles.reset(
          storeId,
          { correlationId, startedAt: last[0]!.at, lastAt },
          outcomes,
        );
    },
    async recordInventoryCycle(storeId, cycle) {
      await cycles.updateOne({ _id: storeId }, { $set: { inventory: cycle } }, { upsert: true });
    },
    async products(storeId) {
      return [...(await products.read(storeId)).entries.values()];
    },
    async cycles(storeId) {
      const [doc, offers] = await Promise.all([
        cycles.findOne({ _id: storeId }),
        offersCycles.read(storeId),
      ]);
      const { correlationId, startedAt, lastAt } = offers.meta;
      const cycle: OffersCycle | null =
        correlationId && startedAt && lastAt
          ? { correlationId, startedAt, lastAt, skus: Object.fromEntries(offers.entries) }
          : (doc?.offers ?? null);
      return { offers: cycle, inventory: doc?.inventory ?? null };
    },
  };
}
