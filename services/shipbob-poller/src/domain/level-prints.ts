import type { FlagsById, InventoryFlags } from '@msync/shipbob';
import { hash64 } from '@msync/platform';
import type { AccountHead, LevelsDiff, SkuLevel } from './inventory-facts.js';

/**
 * An account's SKUs as its last save left them, in 29 bytes each instead of their objects (ADR
 * 0146): per SKU, in the saved order, its inventory id, a 64-bit hash of its SKU, its four
 * quantities (int32 each) and its two flags. The poller keeps these between reads to tell what a
 * read changed without reading the account's snapshot from the database; they stand for the
 * snapshot whose head is `head` only.
 */
export interface LevelPrints {
  /** The head of the snapshot whose items these are ({@link headKeyOf}). */
  readonly head: string;
  readonly size: number;
  /** `STRIDE` int32 per SKU: inventory id, SKU hash (2), fulfillable, on hand, committed, exception. */
  readonly fields: Int32Array;
  /** Per SKU: bit 0 active, bit 1 digital. */
  readonly flags: Uint8Array;
}

const STRIDE = 7;
const ACTIVE = 1;
const DIGITAL = 2;

/** The four combinations of the two flags, shared by every SKU that has them. */
const FLAGS: readonly InventoryFlags[] = [0, 1, 2, 3].map((bits) =>
  Object.freeze({ isActive: (bits & ACTIVE) !== 0, isDigital: (bits & DIGITAL) !== 0 }),
);

const isInt32 = (n: number) => Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff;

/**
 * A snapshot head as prints name it: its revision and when its read began. A snapshot removed and
 * made again restarts its revisions; the time of its read tells it from the one the prints are of.
 */
export const headKeyOf = (head: Pick<AccountHead, 'revision' | 'readAt'>): string =>
  `${head.revision}@${head.readAt?.getTime() ?? '-'}`;

/**
 * The prints of the items of the snapshot whose head is `head` ({@link headKeyOf}); null when an
 * item does not fit them (an inventory id that is not a 32-bit integer, a quantity beyond 32
 * bits): the snapshot is then read whole, as before prints.
 */
export function printsOf(items: readonly SkuLevel[], head: string): LevelPrints | null {
  const fields = new Int32Array(items.length * STRIDE);
  const flags = new Uint8Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const id = Number(item.inventoryId);
    if (
      !isInt32(id) ||
      String(id) !== item.inventoryId ||
      !isInt32(item.fulfillable) ||
      !isInt32(item.onHand) ||
      !isInt32(item.committed) ||
      !isInt32(item.exception)
    )
      return null;
    const hash = hash64(item.sku);
    const o = i * STRIDE;
    fields[o] = id;
    fields[o + 1] = hash[0]!;
    fields[o + 2] = hash[1]!;
    fields[o + 3] = item.fulfillable;
    fields[o + 4] = item.onHand;
    fields[o + 5] = item.committed;
    fields[o + 6] = item.exception;
    flags[i] = (item.active ? ACTIVE : 0) | (item.digital ? DIGITAL : 0);
  }
  return { head, size: items.length, fields, flags };
}

/** The same prints under another head (a save that changed no item). */
export const underHead = (prints: LevelPrints, head: string): LevelPrints => ({ ...prints, head });

/**
 * The items' catalog flags by inventory id, as `knownFlags` of a read (ADR 0109): each item's id
 * and flags as one number (`id × 4 + flags`) in one sorted array, looked up by halving (ADR
 * 0163), instead of a map of an entry per item made at every read.
 */
export function flagsOfPrints(prints: LevelPrints): FlagsById {
  const keys = new Float64Array(prints.size);
  for (let i = 0; i < prints.size; i++)
    keys[i] = prints.fields[i * STRIDE]! * 4 + (prints.flags[i]! & (ACTIVE | DIGITAL));
  keys.sort();
  // A read asks in its own order, mostly that of the ids: where the last answer was found, the
  // next is looked for first.
  let next = 0;
  /** The flags of `id` (0–3), or -1 when no item has it. */
  const bitsOf = (id: number): number => {
    if (!isInt32(id)) return -1;
    const low = id * 4;
    let at = next;
    if (!(at < keys.length && keys[at]! >= low && (at === 0 || keys[at - 1]! < low))) {
      let from = 0;
      let to = keys.length;
      while (from < to) {
        const middle = (from + to) >>> 1;
        if (keys[middle]! < low) from = middle + 1;
        else to = middle;
      }
      at = from;
    }
    const bits = at < keys.length ? keys[at]! - low : -1;
    if (bits < 0 || bits > 3) return -1;
    next = at + 1;
    return bits;
  };
  return {
    has: (id) => bitsOf(id) >= 0,
    get: (id) => {
      const bits = bitsOf(id);
      return bits < 0 ? undefined : FLAGS[bits];
    },
  };
}

/**
 * What `current` changed since the items of `prints`, as {@link diffLevels} finds it on the items
 * themselves; null when the prints cannot tell: a SKU of theirs is gone or renamed, whose removal
 * needs its SKU (the snapshot is read then). Items are matched by inventory id, by position while
 * the read lists the same items in the same order (the usual read), through an index otherwise.
 */
export function diffPrints(prints: LevelPrints, current: readonly SkuLevel[]): LevelsDiff | null {
  const { fields, flags } = prints;
  const idAt = (p: number) => fields[p * STRIDE]!;
  let index: Map<number, number> | null = null;
  const positionOf = (item: SkuLevel, i: number): number => {
    const id = Number(item.inventoryId);
    if (!index && i < prints.size && idAt(i) === id && String(id) === item.inventoryId) return i;
    if (!index) {
      index = new Map();
      for (let p = 0; p < prints.size; p++) index.set(idAt(p), p);
    }
    const p = String(id) === item.inventoryId ? index.get(id) : undefined;
    return p ?? -1;
  };
  const matched = new Uint8Array(prints.size);
  let matchedCount = 0;
  const diff: LevelsDiff = { changed: [], entries: [] };
  for (let i = 0; i < current.length; i++) {
    const item = current[i]!;
    const p = positionOf(item, i);
    if (p < 0) {
      // New to the account (or an id the prints could not hold): written, and reported.
      diff.changed.push(item);
      diff.entries.push([item.sku, item]);
      continue;
    }
    const o = p * STRIDE;
    const hash = hash64(item.sku);
    // A renamed item leaves its old SKU to remove, which the prints do not hold.
    if (fields[o + 1] !== hash[0] || fields[o + 2] !== hash[1] || matched[p]) return null;
    matched[p] = 1;
    matchedCount++;
    const bits = flags[p]!;
    const reported =
      fields[o + 3] !== item.fulfillable ||
      fields[o + 6] !== item.exception ||
      ((bits & ACTIVE) !== 0) !== item.active ||
      ((bits & DIGITAL) !== 0) !== item.digital;
    if (reported) diff.changed.push(item);
    if (reported || fields[o + 4] !== item.onHand || fields[o + 5] !== item.committed)
      diff.entries.push([item.sku, item]);
  }
  // A SKU of the prints the read no longer has: its removal needs its SKU.
  return matchedCount === prints.size ? diff : null;
}
