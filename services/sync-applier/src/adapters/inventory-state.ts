import type { Db } from 'mongodb';
import { createChunkedMap, legacyFieldMap, type MapCache } from '@msync/platform';
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

/** An offer of the store seen (`present`) or deleted. */
export interface OfferChange {
  shopSku: string;
  present: boolean;
}

/**
 * The applier's per-store inventory projections, each a map per store in chunks (ADR 0103): the
 * store's ShipBob levels, its Mirakl offers, and what was last pushed.
 */
export interface InventoryState {
  /** Records a SKU's levels for the store (any configuration: it is state, not an effect). */
  observeLevel(storeId: string, level: SkuStock): Promise<void>;
  /** Adds or removes (deleted offer) a `shop_sku` of the store. */
  observeOffer(storeId: string, shopSku: string, present: boolean): Promise<void>;
  /**
   * Records many levels of the store as if one by one in this order (a SKU's last one wins), in
   * one write of chunk documents; resolves with the number of chunk documents written.
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

/**
 * With `cache`, a store's maps read before are read again as their head and the chunks appended
 * since (ADR 0108): a cycle end reads what changed, not the store's whole catalog three times.
 */
export function createInventoryState(
  db: Db,
  cache?: MapCache,
  now: () => number = Date.now,
): InventoryState {
  const kept = cache ? { cache } : {};
  const levels = createChunkedMap<SkuStock>(db, {
    name: INVENTORY_COLLECTIONS.levels,
    legacy: legacyFieldMap<SkuStock>('skus', (level) => level.sku),
    legacyFields: ['skus'],
    ...kept,
  });
  const offers = createChunkedMap<string>(db, {
    name: INVENTORY_COLLECTIONS.offers,
    legacy: legacyFieldMap<string>('offers', (shopSku) => shopSku),
    legacyFields: ['offers'],
    ...kept,
  });
  const pushed = createChunkedMap<PushedLine, { buffer: number | null }>(db, {
    name: INVENTORY_COLLECTIONS.pushed,
    ...kept,
    legacy: (head) => ({
      ...legacyFieldMap<PushedLine>('quantities', (line) => line.sku)(head),
      meta: { buffer: (head['buffer'] as number | null | undefined) ?? null },
    }),
    legacyFields: ['quantities', 'buffer'],
  });
  const observeLevels = async (storeId: string, observed: readonly SkuStock[]) => {
    // The last level of a SKU wins, as when the facts are handled one after the other.
    const last = new Map(observed.map((level) => [level.sku, level]));
    await levels.write(storeId, [...last]);
    return levels.chunksFor(last.size);
  };
  const observeOffers = async (storeId: string, changes: readonly OfferChange[]) => {
    const last = new Map(
      changes.map(({ shopSku, present }) => [shopSku, present ? shopSku : null]),
    );
    await offers.write(storeId, [...last]);
    return offers.chunksFor(last.size);
  };
  const pushedLines = async (storeId: string) => [...(await pushed.read(storeId)).entries.values()];
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
      return [...(await levels.read(storeId)).entries.values()];
    },
    async offers(storeId) {
      return new Set((await offers.read(storeId)).entries.values());
    },
    async pushed(storeId) {
      const { entries, meta } = await pushed.read(storeId);
      const lines = [...entries.values()];
      return {
        buffer: meta.buffer ?? null,
        quantities: new Map(lines.map((l) => [l.sku, l.quantity])),
        at: new Map(
          lines.flatMap((l) => (l.at === undefined ? [] : [[l.sku, l.at.getTime()] as const])),
        ),
      };
    },
    pushedLines,
    async recordPushed(storeId, buffer, lines) {
      const at = new Date(now());
      await pushed.write(
        storeId,
        lines.map((line) => [line.sku, { at, ...line }]),
        { set: { buffer } },
      );
    },
    async forgetPushed(storeId) {
      await pushed.reset(storeId, { buffer: null });
    },
    async forgetPushedSkus(storeId, skus) {
      if (skus.length === 0) return;
      await pushed.write(
        storeId,
        skus.map((sku) => [sku, null]),
      );
    },
  };
}
