import type { Db } from 'mongodb';
import type { Outcome } from '../domain/decision.js';
import type { CatalogProduct, InventoryCycleSummary, OffersCycle } from '../domain/catalog.js';
import { chunksOf } from '@msync/platform';
import { FIELDS_PER_WRITE, fieldOf } from './inventory-state.js';

export const CATALOG_COLLECTIONS = {
  products: 'catalog_products',
  cycles: 'catalog_cycles',
} as const;

/** An offers outcome for the view, with the cycle (poll) of its fact and when it was decided. */
export interface OfferViewEntry {
  outcome: Outcome;
  correlationId: string;
  at: Date;
}

/** SKUs per write: each sets up to three fields, within the applier's fields per write. */
const SKUS_PER_WRITE = Math.floor(FIELDS_PER_WRITE / 3);

/** Consecutive items sharing a key, in order (pure). */
function runsOf<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const runs: T[][] = [];
  for (const item of items) {
    const last = runs[runs.length - 1];
    if (last && keyOf(last[0]!) === keyOf(item)) last.push(item);
    else runs.push([item]);
  }
  return runs;
}

interface ProductsDoc {
  _id: string;
  skus?: Record<string, CatalogProduct>;
}
interface CyclesDoc {
  _id: string;
  offers?: OffersCycle;
  inventory?: InventoryCycleSummary;
}

/**
 * The seller's view of a store's catalog (ADR 0089), one document per store each, by `_id`:
 * `catalog_products` (per SKU, the ShipBob product the offers flow created or found and its last
 * outcome) and `catalog_cycles` (the last offers cycle and the last inventory cycle). State for
 * reading, never a reason to call a vendor.
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
  const products = db.collection<ProductsDoc>(CATALOG_COLLECTIONS.products);
  const cycles = db.collection<CyclesDoc>(CATALOG_COLLECTIONS.cycles);
  return {
    async observeOffers(storeId, entries) {
      // A SKU's fields in handling order: its last outcome wins, a product id once known stays.
      const known = entries.filter(
        (entry) => entry.outcome.subjectId || entry.outcome.miraklOrderId,
      );
      for (const chunk of chunksOf(known, SKUS_PER_WRITE)) {
        const set: Record<string, unknown> = {};
        for (const { outcome, at } of chunk) {
          const sku = outcome.subjectId || outcome.miraklOrderId;
          const key = fieldOf(sku);
          set[`skus.${key}.sku`] = sku;
          set[`skus.${key}.offer`] = {
            outcome: outcome.outcome,
            reason: outcome.reason,
            detail: outcome.detail,
            at,
          };
          const productId = outcome.externalIds['shipbobProductId'];
          if (productId) set[`skus.${key}.shipbobProductId`] = productId;
        }
        await products.updateOne({ _id: storeId }, { $set: set }, { upsert: true });
      }
      // The facts of one poll share its correlation id: a new one starts the store's next cycle.
      for (const run of runsOf(known, (entry) => entry.correlationId)) {
        for (const [index, chunk] of chunksOf(run, SKUS_PER_WRITE).entries()) {
          const skus: Record<string, string> = {};
          for (const { outcome } of chunk)
            skus[fieldOf(outcome.subjectId || outcome.miraklOrderId)] = outcome.outcome;
          const { correlationId } = chunk[0]!;
          const lastAt = chunk[chunk.length - 1]!.at;
          const set: Record<string, unknown> = { 'offers.lastAt': lastAt };
          for (const [key, value] of Object.entries(skus)) set[`offers.skus.${key}`] = value;
          const same = await cycles.updateOne(
            { _id: storeId, 'offers.correlationId': correlationId },
            { $set: set },
          );
          if (same.matchedCount > 0 || index > 0) continue;
          const cycle: OffersCycle = { correlationId, startedAt: chunk[0]!.at, lastAt, skus };
          await cycles.updateOne({ _id: storeId }, { $set: { offers: cycle } }, { upsert: true });
        }
      }
    },
    async recordInventoryCycle(storeId, cycle) {
      await cycles.updateOne({ _id: storeId }, { $set: { inventory: cycle } }, { upsert: true });
    },
    async products(storeId) {
      const doc = await products.findOne({ _id: storeId });
      return Object.values(doc?.skus ?? {});
    },
    async cycles(storeId) {
      const doc = await cycles.findOne({ _id: storeId });
      return { offers: doc?.offers ?? null, inventory: doc?.inventory ?? null };
    },
  };
}
