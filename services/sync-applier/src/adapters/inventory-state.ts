import type { Db } from 'mongodb';
import { chunksOf } from '@msync/platform';
import type { PushedLine } from '../domain/catalog.js';
import type { PushedStock, SkuStock } from '../domain/inventory.js';

export const INVENTORY_COLLECTIONS = {
  levels: 'inventory_levels',
  offers: 'inventory_offers',
  pushed: 'inventory_pushed',
} as const;

/**
 * A SKU as a field name: SKUs may hold `.` or start with `$`, which field paths cannot; base64url
 * behind a letter can be neither.
 */
export const fieldOf = (sku: string) => `k${Buffer.from(sku, 'utf8').toString('base64url')}`;

/** Fields one write sets at most: a large batch is a few writes, none of them huge. */
export const FIELDS_PER_WRITE = 2_000;

/** An offer of the store seen (`present`) or deleted. */
export interface OfferChange {
  shopSku: string;
  present: boolean;
}

interface LevelsDoc {
  _id: string;
  skus?: Record<string, SkuStock>;
}
interface OffersDoc {
  _id: string;
  offers?: Record<string, string>;
}
interface PushedDoc {
  _id: string;
  buffer: number | null;
  /** `at`: when the quantity was recorded as sent (absent in older records). */
  quantities?: Record<string, PushedLine>;
}

/**
 * The applier's per-store inventory projections, one document per store addressed by `_id`
 * (FerretDB scans a collection for any other filter): the store's ShipBob levels, its Mirakl
 * offers, and what was last pushed.
 */
export interface InventoryState {
  /** Records a SKU's levels for the store (any configuration: it is state, not an effect). */
  observeLevel(storeId: string, level: SkuStock): Promise<void>;
  /** Adds or removes (deleted offer) a `shop_sku` of the store. */
  observeOffer(storeId: string, shopSku: string, present: boolean): Promise<void>;
  /**
   * Records many levels of the store as if one by one in this order (a SKU's last one wins), in
   * one write per `FIELDS_PER_WRITE` SKUs; resolves with the number of writes.
   */
  observeLevels(storeId: string, levels: readonly SkuStock[]): Promise<number>;
  /** Many offer changes of the store as if one by one in this order, like `observeLevels`. */
  observeOffers(storeId: string, changes: readonly OfferChange[]): Promise<number>;
  levels(storeId: string): Promise<SkuStock[]>;
  offers(storeId: string): Promise<Set<string>>;
  pushed(storeId: string): Promise<PushedStock>;
  /** What was last sent per SKU, with Mirakl's word on each line (the seller's view). */
  pushedLines(storeId: string): Promise<PushedLine[]>;
  /** Records quantities sent to the marketplace, computed with `buffer`. */
  recordPushed(storeId: string, buffer: number, lines: readonly PushedLine[]): Promise<void>;
  /** Nothing may be taken as pushed any more: the next cycle pushes every SKU. */
  forgetPushed(storeId: string): Promise<void>;
  /** These SKUs' quantities may not be taken as pushed: the next cycle pushes them (ADR 0088). */
  forgetPushedSkus(storeId: string, skus: readonly string[]): Promise<void>;
}

export function createInventoryState(db: Db, now: () => number = Date.now): InventoryState {
  const levels = db.collection<LevelsDoc>(INVENTORY_COLLECTIONS.levels);
  const offers = db.collection<OffersDoc>(INVENTORY_COLLECTIONS.offers);
  const pushed = db.collection<PushedDoc>(INVENTORY_COLLECTIONS.pushed);
  const observeLevels = async (storeId: string, observed: readonly SkuStock[]) => {
    // The last level of a SKU wins, as when the facts are handled one after the other.
    const last = new Map(observed.map((level) => [fieldOf(level.sku), level]));
    let writes = 0;
    for (const chunk of chunksOf([...last], FIELDS_PER_WRITE)) {
      const set = Object.fromEntries(chunk.map(([field, level]) => [`skus.${field}`, level]));
      await levels.updateOne({ _id: storeId }, { $set: set }, { upsert: true });
      writes++;
    }
    return writes;
  };
  const observeOffers = async (storeId: string, changes: readonly OfferChange[]) => {
    const last = new Map(changes.map((change) => [fieldOf(change.shopSku), change]));
    let writes = 0;
    for (const chunk of chunksOf([...last], FIELDS_PER_WRITE)) {
      const set: Record<string, string> = {};
      const unset: Record<string, ''> = {};
      for (const [field, { shopSku, present }] of chunk) {
        if (present) set[`offers.${field}`] = shopSku;
        else unset[`offers.${field}`] = '';
      }
      await offers.updateOne(
        { _id: storeId },
        {
          ...(Object.keys(set).length > 0 ? { $set: set } : {}),
          ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}),
        },
        { upsert: true },
      );
      writes++;
    }
    return writes;
  };
  return {
    observeLevels,
    observeOffers,
    async observeLevel(storeId, level) {
      await observeLevels(storeId, [level]);
    },
    async observeOffer(storeId, shopSku, present) {
      await observeOffers(storeId, [{ shopSku, present }]);
    },
    async levels(storeId) {
      const doc = await levels.findOne({ _id: storeId });
      return Object.values(doc?.skus ?? {});
    },
    async offers(storeId) {
      const doc = await offers.findOne({ _id: storeId });
      return new Set(Object.values(doc?.offers ?? {}));
    },
    async pushed(storeId) {
      const doc = await pushed.findOne({ _id: storeId });
      const lines = Object.values(doc?.quantities ?? {});
      return {
        buffer: doc?.buffer ?? null,
        quantities: new Map(lines.map((l) => [l.sku, l.quantity])),
        at: new Map(
          lines.flatMap((l) => (l.at === undefined ? [] : [[l.sku, l.at.getTime()] as const])),
        ),
      };
    },
    async pushedLines(storeId) {
      const doc = await pushed.findOne({ _id: storeId });
      return Object.values(doc?.quantities ?? {});
    },
    async recordPushed(storeId, buffer, lines) {
      const set: Record<string, unknown> = { buffer };
      const at = new Date(now());
      for (const line of lines) set[`quantities.${fieldOf(line.sku)}`] = { at, ...line };
      await pushed.updateOne({ _id: storeId }, { $set: set }, { upsert: true });
    },
    async forgetPushed(storeId) {
      await pushed.updateOne(
        { _id: storeId },
        { $set: { buffer: null, quantities: {} } },
        { upsert: true },
      );
    },
    async forgetPushedSkus(storeId, skus) {
      if (skus.length === 0) return;
      const unset: Record<string, ''> = {};
      for (const sku of skus) unset[`quantities.${fieldOf(sku)}`] = '';
      await pushed.updateOne({ _id: storeId }, { $unset: unset });
    },
  };
}
