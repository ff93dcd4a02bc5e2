import type { Db } from 'mongodb';
import {
  createChunkedMap,
  createKeyedMutex,
  legacyFieldMap,
  type MapCache,
  type MapEntry,
} from '@msync/platform';
import type { PushedLine } from '../domain/catalog.js';
import type { PushedStock, SkuStock } from '../domain/inventory.js';
import type { SkuChange } from '../domain/stock-index.js';

export const INVENTORY_COLLECTIONS = {
  /** A map per store: each SKU's ShipBob levels, whether it is an offer, what was pushed. */
  skus: 'inventory_skus',
  /** The three maps of the layout before ADR 0125, moved into `skus` at a store's first use. */
  levels: 'inventory_levels',
  offers: 'inventory_offers',
  pushed: 'inventory_pushed',
} as const;

/**
 * Map entries the applier keeps in memory by default (ADR 0108: 100,000): half, as the stores'
 * stock indexes decide most cycle ends that read a map before and need the memory (ADR 0147).
 */
export const DEFAULT_INVENTORY_MAP_CACHE_ENTRIES = 50_000;

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

/** What a store's inventory cycle reads, from one read of its map. */
export interface InventorySnapshot {
  levels: SkuStock[];
  /** The store's Mirakl offers (`shop_sku`). */
  offers: Set<string>;
  pushed: PushedStock;
  /**
   * What was last sent per SKU, with Mirakl's word on each line (the seller's view), made when
   * asked: a cycle end needs only the quantities.
   */
  readonly pushedLines: () => PushedLine[];
  /** The stamp of the map this read found (null: the store has none yet; ADR 0142). */
  stamp: string | null;
  /** The map's chunks it was read from, for {@link InventoryState.appendedSince} (ADR 0147). */
  chunks: readonly string[];
}

/** What was written to a store's map since it was read from some chunks (ADR 0147). */
export interface InventoryAppended {
  /** Each write's change of a SKU's entry, in write order (null: the entry removed). */
  appended: [string, SkuChange | null][];
  /** The buffer the pushed quantities are of now (null: nothing may be taken as pushed). */
  pushedBuffer: number | null;
  stamp: string | null;
  chunks: readonly string[];
}

/** The chunks a write of a store's map left it in, the write's own the last `appended` of them. */
export interface WrittenChunks {
  chunks: readonly string[];
  appended: number;
}

/**
 * The applier's per-store inventory projection (ADR 0076): the store's ShipBob levels, its Mirakl
 * offers, and what was last pushed, one entry per SKU in one map per store in chunks (ADR 0103,
 * 0125).
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
  /** Levels, offers and what was pushed, as one read found them. */
  snapshot(storeId: string): Promise<InventorySnapshot>;
  /**
   * What was written to the store's map since a snapshot read it from `chunks`, when no more than
   * `maxChunks` chunks were appended and none of them replaced; else null (ADR 0147).
   */
  appendedSince(
    storeId: string,
    chunks: readonly string[],
    maxChunks: number,
  ): Promise<InventoryAppended | null>;
  /** The SKUs the store's map had at its last `snapshot` in this process (unknown before one). */
  lastSize(storeId: string): number | undefined;
  /**
   * The stamp of the store's map, from its head alone: every change of its levels, offers, pushed
   * quantities or buffer moves it (ADR 0142); null when the store has no map yet.
   */
  stamp(storeId: string): Promise<string | null>;
  levels(storeId: string): Promise<SkuStock[]>;
  offers(storeId: string): Promise<Set<string>>;
  pushed(storeId: string): Promise<PushedStock>;
  pushedLines(storeId: string): Promise<PushedLine[]>;
  /**
   * Records quantities sent to the marketplace, computed with `buffer`; resolves with the chunks
   * the map is left in (ADR 0173).
   */
  recordPushed(
    storeId: string,
    buffer: number,
    lines: readonly PushedLine[],
  ): Promise<WrittenChunks>;
  /**
   * The buffer the store's pushed quantities are of, from its map's head alone (null: nothing may
   * be taken as pushed, or no map yet).
   */
  pushedBuffer(storeId: string): Promise<number | null>;
  /** Nothing may be taken as pushed any more: the next cycle pushes every SKU. */
  forgetPushed(storeId: string): Promise<void>;
  /** These SKUs' quantities may not be taken as pushed: the next cycle pushes them (ADR 0088). */
  forgetPushedSkus(storeId: string, skus: readonly string[]): Promise<void>;
}

/** A SKU's ShipBob levels, as a write records them (the SKU is the key). */
type Level = Omit<SkuStock, 'sku'>;
/** A pushed line, as a write records it. */
type Pushed = Omit<PushedLine, 'sku'>;
/**
 * What a write changes of a SKU's entry: a field absent is unchanged; `level: null` or
 * `pushed: null` removes that part (a `pushed: null` SKU's quantity may not be taken as pushed).
 */
interface SkuPart {
  level?: Level | null;
  offer?: boolean;
  pushed?: Pushed | null;
}

/**
 * A SKU's entry as a read map keeps it (ADR 0124, 0125): one flat object of one shape, `at` in
 * epoch ms, the strings an import's lines share kept once. `fulfillable` undefined: no levels;
 * `quantity` undefined: nothing taken as pushed.
 */
class SkuRow {
  constructor(
    readonly fulfillable: number | undefined,
    readonly exception: number | undefined,
    readonly active: boolean | undefined,
    readonly digital: boolean | undefined,
    readonly offer: boolean,
    readonly quantity: number | undefined,
    readonly at: number | undefined,
    readonly result: 'APPLIED' | 'FAILED' | undefined,
    readonly reason: string | null | undefined,
    readonly detail: string | null | undefined,
    readonly importId: string | undefined,
  ) {}

  /** Written as the part that makes it: a compaction writes the entries it read back. */
  toBSON(): SkuPart {
    return partOf(this);
  }
}
type SkuEntry = SkuPart | SkuRow;

const NO_ROW = new SkuRow(
  undefined,
  undefined,
  undefined,
  undefined,
  false,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
);

/** Strings many rows hold alike (import ids, results, reasons): one copy each, a bounded table. */
const shared = new Map<string, string>();
const SHARED_MAX = 10_000;
function once<T extends string | null | undefined>(value: T): T {
  if (typeof value !== 'string') return value;
  const known = shared.get(value);
  if (known !== undefined) return known as T;
  if (shared.size >= SHARED_MAX) shared.clear();
  shared.set(value, value);
  return value;
}

/** `part` applied to `row`. */
function rowWith(row: SkuRow, part: SkuPart): SkuRow {
  const level = part.level === undefined ? row : (part.level ?? NO_ROW);
  const pushed =
    part.pushed === undefined
      ? row
      : part.pushed === null
        ? NO_ROW
        : {
            quantity: part.pushed.quantity,
            at: part.pushed.at?.getTime(),
            result: part.pushed.result,
            reason: part.pushed.reason,
            detail: part.pushed.detail,
            importId: part.pushed.importId,
          };
  return new SkuRow(
    level.fulfillable,
    level.exception,
    level.active,
    level.digital,
    part.offer ?? row.offer,
    pushed.quantity,
    pushed.at,
    once(pushed.result),
    once(pushed.reason),
    once(pushed.detail),
    once(pushed.importId),
  );
}
const kept = (entry: SkuEntry): SkuRow =>
  entry instanceof SkuRow ? entry : rowWith(NO_ROW, entry);
const merged = (earlier: SkuEntry, later: SkuEntry): SkuRow =>
  later instanceof SkuRow ? later : rowWith(kept(earlier), later);

/** A written part as the stock index reads it. */
function changeOf(part: SkuPart): SkuChange {
  const change: SkuChange = {};
  if (part.level !== undefined) change.level = part.level;
  if (part.offer !== undefined) change.offer = part.offer;
  if (part.pushed !== undefined) change.pushed = part.pushed?.quantity ?? null;
  return change;
}

/** A row as a write records it (what a rewrite writes back). */
function partOf(row: SkuRow): SkuPart {
  return {
    level:
      row.fulfillable === undefined
        ? null
        : {
            fulfillable: row.fulfillable,
            exception: row.exception!,
            active: row.active!,
            digital: row.digital!,
          },
    offer: row.offer,
    pushed:
      row.quantity === undefined
        ? null
        : storedLine({
            quantity: row.quantity,
            at: row.at === undefined ? undefined : new Date(row.at),
            result: row.result,
            reason: row.reason,
            detail: row.detail,
            importId: row.importId,
          }),
  };
}

interface Meta {
  /** The buffer the pushed quantities were computed with; null: nothing may be taken as pushed. */
  buffer: number | null;
  /** The store's levels, offers and pushed lines of the earlier layout are in this map. */
  merged: boolean;
}

const levelOf = (level: Level): Level => ({
  fulfillable: level.fulfillable,
  exception: level.exception,
  active: level.active,
  digital: level.digital,
});
/** A pushed line as written: no `undefined` field (the driver would write it as null). */
const storedLine = (line: Pushed): Pushed => {
  const stored: Pushed = { quantity: line.quantity };
  if (line.at !== undefined) stored.at = line.at;
  if (line.result !== undefined) stored.result = line.result;
  if (line.reason !== undefined) stored.reason = line.reason;
  if (line.detail !== undefined) stored.detail = line.detail;
  if (line.importId !== undefined) stored.importId = line.importId;
  return stored;
};

/**
 * With `cache`, a store's map read before is read again as its head and the chunks appended
 * since (ADR 0108): a cycle end reads what changed, not the store's whole catalog.
 */
export function createInventoryState(
  db: Db,
  cache?: MapCache,
  now: () => number = Date.now,
): InventoryState {
  const skus = createChunkedMap<SkuEntry, Meta>(db, {
    name: INVENTORY_COLLECTIONS.skus,
    merge: merged,
    keep: kept,
    ...(cache ? { cache } : {}),
  });
  const earlier = earlierLayout(db);
  // A store's map is moved from the earlier layout once per process, before its first use.
  const moved = new Set<string>();
  const moving = createKeyedMutex();
  const ready = async (storeId: string) => {
    if (moved.has(storeId)) return;
    await moving(storeId, async () => {
      if (moved.has(storeId)) return;
      const { meta } = await skus.read(storeId);
      if (!meta.merged) {
        const before = await earlier.read(storeId);
        await skus.rewrite(storeId, (entries, meta) => {
          if (meta.merged) return null;
          // What this layout holds already (nothing, unless an older process wrote it) is newer.
          const all = new Map(before.entries);
          for (const [sku, entry] of entries) all.set(sku, kept(entry));
          return {
            entries: [...all].map(([sku, row]): MapEntry<SkuEntry> => [sku, partOf(row)]),
            meta: { buffer: meta.buffer ?? before.buffer, merged: true },
          };
        });
        if (before.found) await earlier.clear(storeId);
      }
      moved.add(storeId);
    });
  };

  const write = async (
    storeId: string,
    entries: readonly MapEntry<SkuEntry>[],
    meta?: Partial<Meta>,
  ) => {
    await ready(storeId);
    // Never false: no condition on the meta.
    const chunks = await skus.write(storeId, entries, meta ? { set: meta } : {});
    return { chunks: chunks || [], appended: skus.chunksFor(entries.length) };
  };
  const observeLevels = async (storeId: string, observed: readonly SkuStock[]) => {
    // The last level of a SKU wins, as when the facts are handled one after the other.
    const last = new Map(observed.map(({ sku, ...level }) => [sku, { level }]));
    return (await write(storeId, [...last])).appended;
  };
  const observeOffers = async (storeId: string, changes: readonly OfferChange[]) => {
    const last = new Map(changes.map(({ shopSku, present }) => [shopSku, { offer: present }]));
    return (await write(storeId, [...last])).appended;
  };
  const sizes = new Map<string, number>();
  const snapshot = async (storeId: string): Promise<InventorySnapshot> => {
    await ready(storeId);
    const { entries, meta, stamp, chunks } = await skus.read(storeId);
    sizes.set(storeId, entries.size);
    const levels: SkuStock[] = [];
    const offers = new Set<string>();
    const quantities = new Map<string, number>();
    const at = new Map<string, number>();
    for (const [sku, entry] of entries) {
      const row = kept(entry);
      if (row.fulfillable !== undefined)
        levels.push({
          sku,
          fulfillable: row.fulfillable,
          exception: row.exception!,
          active: row.active!,
          digital: row.digital!,
        });
      if (row.offer) offers.add(sku);
      if (row.quantity === undefined) continue;
      quantities.set(sku, row.quantity);
      if (row.at !== undefined) at.set(sku, row.at);
    }
    const pushedLines = () =>
      [...entries].flatMap(([sku, entry]): PushedLine[] => {
        const row = kept(entry);
        return row.quantity === undefined
          ? []
          : [
              {
                sku,
                quantity: row.quantity,
                at: row.at === undefined ? undefined : new Date(row.at),
                result: row.result,
                reason: row.reason,
                detail: row.detail,
                importId: row.importId,
              },
            ];
      });
    return {
      levels,
      offers,
      pushed: { buffer: meta.buffer ?? null, quantities, at },
      pushedLines,
      stamp,
      chunks,
    };
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
    snapshot,
    async appendedSince(storeId, chunks, maxChunks) {
      await ready(storeId);
      const since = await skus.appendedSince(storeId, chunks, maxChunks);
      if (!since) return null;
      return {
        // Chunks hold parts as written, decoded from their text: never a kept row (ADR 0125).
        appended: since.appended.map(([sku, entry]) => [
          sku,
          entry === null ? null : changeOf(entry as SkuPart),
        ]),
        pushedBuffer: since.meta.buffer ?? null,
        stamp: since.stamp,
        chunks: since.chunks,
      };
    },
    lastSize: (storeId) => sizes.get(storeId),
    async stamp(storeId) {
      // The earlier layout's maps are moved first: a move changes the map.
      await ready(storeId);
      return skus.stamp(storeId);
    },
    levels: async (storeId) => (await snapshot(storeId)).levels,
    offers: async (storeId) => (await snapshot(storeId)).offers,
    pushed: async (storeId) => (await snapshot(storeId)).pushed,
    pushedLines: async (storeId) => (await snapshot(storeId)).pushedLines(),
    async recordPushed(storeId, buffer, lines) {
      const at = new Date(now());
      return write(
        storeId,
        lines.map((line) => [line.sku, { pushed: storedLine({ at, ...line }) }]),
        { buffer },
      );
    },
    async pushedBuffer(storeId) {
      await ready(storeId);
      return (await skus.meta(storeId))?.buffer ?? null;
    },
    async forgetPushed(storeId) {
      await ready(storeId);
      // Rewritten only when something is taken as pushed: a store whose flow stays off writes
      // nothing cycle after cycle.
      await skus.rewrite(storeId, (entries, meta) =>
        meta.buffer === null && [...entries.values()].every((e) => kept(e).quantity === undefined)
          ? null
          : {
              entries: [...entries].map(([sku, entry]): MapEntry<SkuEntry> => [
                sku,
                { ...partOf(kept(entry)), pushed: null },
              ]),
              meta: { ...meta, buffer: null },
            },
      );
    },
    async forgetPushedSkus(storeId, forgotten) {
      if (forgotten.length === 0) return;
      await write(
        storeId,
        forgotten.map((sku) => [sku, { pushed: null }]),
      );
    },
  };
}

/**
 * The three maps per store of the layout before ADR 0125 (levels, offers, pushed), read once to
 * move a store's map, then emptied.
 */
function earlierLayout(db: Db) {
  const levels = createChunkedMap<SkuStock>(db, {
    name: INVENTORY_COLLECTIONS.levels,
    legacy: legacyFieldMap<SkuStock>('skus', (level) => level.sku),
    legacyFields: ['skus'],
  });
  const offers = createChunkedMap<string>(db, {
    name: INVENTORY_COLLECTIONS.offers,
    legacy: legacyFieldMap<string>('offers', (shopSku) => shopSku),
    legacyFields: ['offers'],
  });
  const pushed = createChunkedMap<PushedLine, { buffer: number | null }>(db, {
    name: INVENTORY_COLLECTIONS.pushed,
    legacy: (head) => ({
      ...legacyFieldMap<PushedLine>('quantities', (line) => line.sku)(head),
      meta: { buffer: (head['buffer'] as number | null | undefined) ?? null },
    }),
    legacyFields: ['quantities', 'buffer'],
  });
  return {
    /** The store's entries in the earlier layout, as this one keeps them, and its buffer. */
    async read(storeId: string) {
      const [l, o, p] = await Promise.all([
        levels.read(storeId),
        offers.read(storeId),
        pushed.read(storeId),
      ]);
      const entries = new Map<string, SkuRow>();
      const add = (sku: string, part: SkuPart) =>
        entries.set(sku, rowWith(entries.get(sku) ?? NO_ROW, part));
      for (const [sku, level] of l.entries) add(sku, { level: levelOf(level) });
      for (const sku of o.entries.keys()) add(sku, { offer: true });
      for (const [sku, line] of p.entries) add(sku, { pushed: storedLine(line) });
      const buffer = p.meta.buffer ?? null;
      return { entries, buffer, found: entries.size > 0 || buffer !== null };
    },
    /** Empties the store's earlier maps (kept otherwise: nothing reads them again). */
    async clear(storeId: string) {
      await Promise.all([
        levels.reset(storeId, {}),
        offers.reset(storeId, {}),
        pushed.reset(storeId, { buffer: null }),
      ]);
    },
  };
}
