import type { Db } from 'mongodb';
import type { EventEnvelope } from '@msync/events';
import type { Outcome } from '../domain/decision.js';
import type { CatalogProduct, InventoryCycleSummary, OffersCycle } from '../domain/catalog.js';
import { fieldOf } from './inventory-state.js';
import type { OutcomeRecorder } from './outcomes.js';

export const CATALOG_COLLECTIONS = {
  products: 'catalog_products',
  cycles: 'catalog_cycles',
} as const;

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
  /** Projects an outcome of the offers flow (the fact's correlation id names its cycle). */
  observeOffer(storeId: string, outcome: Outcome, envelope: EventEnvelope, at: Date): Promise<void>;
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
    async observeOffer(storeId, outcome, envelope, at) {
      const sku = outcome.subjectId || outcome.miraklOrderId;
      if (!sku) return;
      const key = fieldOf(sku);
      const set: Record<string, unknown> = {
        [`skus.${key}.sku`]: sku,
        [`skus.${key}.offer`]: {
          outcome: outcome.outcome,
          reason: outcome.reason,
          detail: outcome.detail,
          at,
        },
      };
      const productId = outcome.externalIds['shipbobProductId'];
      if (productId) set[`skus.${key}.shipbobProductId`] = productId;
      await products.updateOne({ _id: storeId }, { $set: set }, { upsert: true });

      // The facts of one poll share its correlation id: a new one starts the store's next cycle.
      const same = await cycles.updateOne(
        { _id: storeId, 'offers.correlationId': envelope.correlationId },
        { $set: { [`offers.skus.${key}`]: outcome.outcome, 'offers.lastAt': at } },
      );
      if (same.matchedCount > 0) return;
      const cycle: OffersCycle = {
        correlationId: envelope.correlationId,
        startedAt: at,
        lastAt: at,
        skus: { [key]: outcome.outcome },
      };
      await cycles.updateOne({ _id: storeId }, { $set: { offers: cycle } }, { upsert: true });
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

/** The recorder, then the offers outcome projected for the seller's view. */
export function recordingCatalog(
  record: OutcomeRecorder,
  view: CatalogView,
  now: () => Date = () => new Date(),
): OutcomeRecorder {
  return async (outcome, fact) => {
    await record(outcome, fact);
    if (outcome.flow === 'offers')
      await view.observeOffer(fact.envelope.storeId, outcome, fact.envelope, now());
  };
}
