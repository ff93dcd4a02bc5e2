import { hash64 } from '@msync/platform';
import { quantityOf, type SkuStock, type StockLine } from './inventory.js';

/**
 * What of a store's map decides its import lines, in 17 bytes per SKU instead of its entry (ADR
 * 0147): per SKU, a 64-bit hash of it, its net stock (`fulfillable − exception`, or none when it
 * has no levels or is digital or inactive), the quantity taken as pushed (or none), and whether it
 * is an offer of the store; with the SKUs whose quantity differs from the pushed one (few, or no
 * index is kept). It stands for the map read from `chunks`: a cycle end reads only the chunks
 * appended since and decides on the SKUs they name.
 */
export interface StockIndex {
  /** The map's chunks it stands for, in order. */
  readonly chunks: readonly string[];
  /** The buffer its pending quantities are computed with. */
  readonly buffer: number;
  /** SKUs indexed. */
  readonly size: number;
  /** Per SKU (a row): the two halves of its hash, net stock, pushed quantity, offer flag. */
  readonly hi: Int32Array;
  readonly lo: Int32Array;
  readonly net: Int32Array;
  readonly pushed: Int32Array;
  readonly offer: Uint8Array;
  /** The SKUs whose quantity under `buffer` differs from what was pushed, with that quantity. */
  readonly pending: ReadonlyMap<string, number>;
}

/** What decides a SKU's line: net stock (null: never a line), offer flag, quantity pushed. */
interface SkuFacts {
  net: number | null;
  offer: boolean;
  pushed: number | undefined;
}

/**
 * What a write of the store's map changed of a SKU's entry, as the index reads it: a field absent
 * is unchanged; `level: null` removes the levels, `pushed: null` the pushed quantity. A change of
 * null removes the whole entry.
 */
export interface SkuChange {
  level?: Omit<SkuStock, 'sku'> | null;
  offer?: boolean;
  pushed?: number | null;
}

/**
 * Pending SKUs beyond which no index is kept: a store's first push or a buffer change (every SKU
 * pending) decides on its map again, so the index never holds a catalog of SKU strings.
 */
export const PENDING_MAX = 2_000;

const NO_NET = -0x80000000;
const NO_PUSHED = -1;
const NO_FACTS: SkuFacts = { net: null, offer: false, pushed: undefined };
const isInt32 = (n: number) => Number.isInteger(n) && n > NO_NET && n <= 0x7fffffff;

/** The net stock of a SKU's levels: null when they give it no line (none, digital, inactive). */
function netOf(level: Omit<SkuStock, 'sku'> | null | undefined): number | null {
  if (!level || level.digital || !level.active) return null;
  return level.fulfillable - level.exception;
}

/** The quantity to send for a SKU of these facts, or null when it has no line. */
function lineOf(facts: SkuFacts, buffer: number): number | null {
  if (!facts.offer || facts.net === null) return null;
  const quantity = quantityOf({ fulfillable: facts.net, exception: 0 }, buffer);
  return quantity === facts.pushed ? null : quantity;
}

/** A SKU's two hash halves. */
function hashOf(sku: string): [number, number] {
  const hash = hash64(sku);
  return [hash[0]!, hash[1]!];
}

/** Writes `facts` into `row`; false when a value does not fit the index. */
function setRow(index: Omit<StockIndex, 'pending'>, row: number, facts: SkuFacts): boolean {
  const net = facts.net ?? NO_NET;
  const pushed = facts.pushed ?? NO_PUSHED;
  if (
    (facts.net !== null && !isInt32(net)) ||
    (pushed !== NO_PUSHED && !(isInt32(pushed) && pushed >= 0))
  )
    return false;
  index.net[row] = net;
  index.pushed[row] = pushed;
  index.offer[row] = facts.offer ? 1 : 0;
  return true;
}

function factsAt(index: StockIndex, row: number): SkuFacts {
  const net = index.net[row]!;
  const pushed = index.pushed[row]!;
  return {
    net: net === NO_NET ? null : net,
    offer: index.offer[row] === 1,
    pushed: pushed === NO_PUSHED ? undefined : pushed,
  };
}

function rowsOf(size: number, chunks: readonly string[], buffer: number) {
  return {
    chunks,
    buffer,
    size,
    hi: new Int32Array(size),
    lo: new Int32Array(size),
    net: new Int32Array(size),
    pushed: new Int32Array(size),
    offer: new Uint8Array(size),
  };
}

/**
 * The index of a store's map as a read found it (its levels, offers and pushed quantities, read
 * from `chunks`), under `buffer`; null when it cannot stand for it: two SKUs of one hash, a
 * value beyond 32 bits, or more than {@link PENDING_MAX} SKUs pending.
 */
export function stockIndexOf(
  map: {
    levels: readonly SkuStock[];
    offers: ReadonlySet<string>;
    quantities: ReadonlyMap<string, number>;
  },
  buffer: number,
  chunks: readonly string[],
): StockIndex | null {
  // Counted first, without building anything: a store's first push has every SKU pending.
  let pendingCount = 0;
  for (const level of map.levels) {
    const { sku } = level;
    const facts = {
      net: netOf(level),
      offer: map.offers.has(sku),
      pushed: map.quantities.get(sku),
    };
    if (lineOf(facts, buffer) !== null && ++pendingCount > PENDING_MAX) return null;
  }
  const facts = new Map<string, SkuFacts>();
  const of = (sku: string) => {
    let f = facts.get(sku);
    if (!f) facts.set(sku, (f = { ...NO_FACTS }));
    return f;
  };
  for (const level of map.levels) of(level.sku).net = netOf(level);
  for (const sku of map.offers) of(sku).offer = true;
  for (const [sku, quantity] of map.quantities) of(sku).pushed = quantity;
  const index = rowsOf(facts.size, chunks, buffer);
  const pending = new Map<string, number>();
  // Rows by the low half of their hash, to tell two SKUs of one hash.
  const byLow = new Map<number, number>();
  let row = 0;
  for (const [sku, f] of facts) {
    const [hi, lo] = hashOf(sku);
    const other = byLow.get(lo);
    if ((other !== undefined && index.hi[other] === hi) || !setRow(index, row, f)) return null;
    byLow.set(lo, row);
    index.hi[row] = hi;
    index.lo[row] = lo;
    const line = lineOf(f, buffer);
    if (line !== null) pending.set(sku, line);
    row++;
  }
  return { ...index, pending };
}

/**
 * The lines of a store's import from its index and what was written to its map since (the
 * entries of the chunks appended after the index's, in write order), and the index of the map
 * now (`chunks`); the index is null when more than {@link PENDING_MAX} SKUs are pending (their
 * lines are still given), and the whole result null when a value does not fit the index (the map
 * decides). The lines are exactly what {@link stockLines} finds on the whole map under the
 * index's buffer, when the map's pushed quantities are of that buffer.
 */
export function advanceStockIndex(
  index: StockIndex,
  appended: Iterable<readonly [string, SkuChange | null]>,
  chunks: readonly string[],
): { lines: StockLine[]; index: StockIndex | null } | null {
  // Each SKU written since: its hash, its row (-1: new to the index), its writes in order.
  interface Touched {
    hi: number;
    lo: number;
    row: number;
    changes: (SkuChange | null)[];
  }
  const touched = new Map<string, Touched>();
  const byLow = new Map<number, Touched[]>();
  for (const [sku, change] of appended) {
    let t = touched.get(sku);
    if (!t) {
      const [hi, lo] = hashOf(sku);
      t = { hi, lo, row: -1, changes: [] };
      touched.set(sku, t);
      const same = byLow.get(lo);
      // Two SKUs written since of one hash: the map decides.
      if (same?.some((other) => other.hi === hi)) return null;
      if (same) same.push(t);
      else byLow.set(lo, [t]);
    }
    t.changes.push(change);
  }
  // One pass over the rows finds those of the SKUs written (no table of the rows is kept).
  let found = 0;
  for (let row = 0; row < index.size && found < touched.size; row++) {
    const same = byLow.get(index.lo[row]!);
    if (!same) continue;
    for (const t of same)
      if (t.hi === index.hi[row]) {
        t.row = row;
        found++;
      }
  }
  const next = rowsOf(index.size + touched.size - found, chunks, index.buffer);
  next.hi.set(index.hi);
  next.lo.set(index.lo);
  next.net.set(index.net);
  next.pushed.set(index.pushed);
  next.offer.set(index.offer);
  const pending = new Map(index.pending);
  let fresh = index.size;
  for (const [sku, t] of touched) {
    // The SKU as the writes leave it, from what the index had of it.
    let facts = t.row < 0 ? NO_FACTS : factsAt(index, t.row);
    for (const change of t.changes)
      facts =
        change === null
          ? NO_FACTS
          : {
              net: change.level === undefined ? facts.net : netOf(change.level),
              offer: change.offer ?? facts.offer,
              pushed: change.pushed === undefined ? facts.pushed : (change.pushed ?? undefined),
            };
    const row = t.row < 0 ? fresh++ : t.row;
    next.hi[row] = t.hi;
    next.lo[row] = t.lo;
    if (!setRow(next, row, facts)) return null;
    const line = lineOf(facts, index.buffer);
    if (line === null) pending.delete(sku);
    else pending.set(sku, line);
  }
  const lines = [...pending]
    .map(([sku, quantity]) => ({ sku, quantity }))
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  return { lines, index: pending.size > PENDING_MAX ? null : { ...next, pending } };
}

/**
 * Whether the index holds no pushed quantity: it stands for a map nothing was ever taken as
 * pushed in, whose lines are every offer's quantity, as the whole map gives them while it has no
 * pushed buffer (ADR 0174).
 */
export function neverPushed(index: StockIndex): boolean {
  for (let row = 0; row < index.size; row++) if (index.pushed[row] !== NO_PUSHED) return false;
  return true;
}

/**
 * A store's pushed quantities once `lines` are recorded as pushed (ADR 0173): what the index a
 * decision on the whole map keeps for after its import is made of.
 */
export function quantitiesAfterPush(
  quantities: ReadonlyMap<string, number>,
  lines: readonly StockLine[],
): Map<string, number> {
  const after = new Map(quantities);
  for (const { sku, quantity } of lines) after.set(sku, quantity);
  return after;
}

/**
 * The index of the map `index` stands for, with what was appended to it `since` (none by default)
 * and then `lines` recorded as pushed (ADR 0173), still naming the chunks before that write; null
 * when a value does not fit it, or more than {@link PENDING_MAX} SKUs stay pending.
 */
export function indexAfterPush(
  index: StockIndex,
  lines: readonly StockLine[],
  since: {
    appended: readonly (readonly [string, SkuChange | null])[];
    chunks: readonly string[];
  } = { appended: [], chunks: index.chunks },
): StockIndex | null {
  const recorded = lines.map(({ sku, quantity }): [string, SkuChange] => [
    sku,
    { pushed: quantity },
  ]);
  return advanceStockIndex(index, [...since.appended, ...recorded], since.chunks)?.index ?? null;
}

/**
 * The index of the map a write left, from the index of the map it was appended to and what that
 * map became by it (ADR 0173): the same rows, naming the chunks after the write. Null when the
 * write's chunks do not directly follow the index's (another write between, or a compaction).
 */
export function indexAfterWrite(
  index: StockIndex,
  written: { chunks: readonly string[]; appended: number },
): StockIndex | null {
  const { chunks, appended } = written;
  if (chunks.length !== index.chunks.length + appended) return null;
  for (let i = 0; i < index.chunks.length; i++) if (chunks[i] !== index.chunks[i]) return null;
  return { ...index, chunks };
}
