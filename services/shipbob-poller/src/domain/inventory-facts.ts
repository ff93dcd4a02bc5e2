import { createHash } from 'node:crypto';
import { idempotencyKey, type ShipBobInventoryObserved } from '@msync/events';
import type { PollFact } from '@msync/polling';
import type { InventoryFlags, InventoryLevel } from '@msync/shipbob';

/** What the poller keeps of one SKU of the account, and what it emits of it. */
export type SkuLevel = Pick<
  ShipBobInventoryObserved,
  | 'sku'
  | 'inventoryId'
  | 'fulfillable'
  | 'onHand'
  | 'committed'
  | 'exception'
  | 'active'
  | 'digital'
>;

/** A store reading through the account, and whether it was given every SKU once already. */
export interface AccountStore {
  storeId: string;
  baseline: boolean;
}

/** The account's inventory as of its last read, and the stores that share it (ADR 0075). */
export interface AccountSnapshot {
  items: SkuLevel[];
  /** When the last read started; null before the first. */
  readAt: Date | null;
  stores: AccountStore[];
  /** Optimistic concurrency: the revision the snapshot was read at (0: none saved yet). */
  revision: number;
  /**
   * When the read that last took the items' active and digital flags from ShipBob's catalog
   * started (ADR 0109); null or absent: never, or before this was kept.
   */
  flagsReadAt?: Date | null;
  /**
   * A digest of the levels the items were read from, their flags aside ({@link levelsDigestOf},
   * ADR 0137); absent in a snapshot saved before it was kept.
   */
  levelsDigest?: string | null;
  /** The items' first (by SKU): the fact that closes a store's cycle when nothing changed. */
  closing?: SkuLevel | null;
}

/** A snapshot without its items: what its head holds. */
export type AccountHead = Omit<AccountSnapshot, 'items'>;

/** What decides whether an account's flags still stand in for its catalog (ADR 0109, 0150). */
export interface FlagsAge {
  /** The account whose flags they are (its snapshot's key). */
  accountKey: string;
  /** When the read asking began. */
  now: number;
  /** `INVENTORY_FLAGS_MAX_AGE_MS`; 0: never. */
  maxAgeMs: number;
  resync: boolean;
}

/**
 * How old flags the catalog gave at `readAt` may get before a read takes them from the catalog
 * again: between half of `maxAgeMs` and all of it, drawn from the account and `readAt` (the same
 * for every read of those flags). Accounts whose catalogs were read at once (a first cycle, stores
 * connected together, a resync of all) then read them again spread over the cycles that follow,
 * not all in one cycle every `maxAgeMs` (ADR 0150).
 */
export function flagsAgeLimitMs(accountKey: string, readAt: number, maxAgeMs: number): number {
  const drawn = createHash('sha256')
    .update(`${accountKey}\u0000${readAt}`)
    .digest()
    .readUInt32BE(0);
  return Math.round(maxAgeMs * (0.5 + drawn / 2 ** 33));
}

/**
 * Whether the flags the last catalog read took still stand in for the catalog (ADR 0109): not for
 * a resync, when they are as old as their limit ({@link flagsAgeLimitMs}) or older, or when
 * `maxAgeMs` is 0.
 */
export function flagsYoung(head: AccountHead, age: FlagsAge): boolean {
  const readAt = head.flagsReadAt?.getTime();
  return (
    !age.resync &&
    age.maxAgeMs > 0 &&
    readAt !== undefined &&
    age.now - readAt < flagsAgeLimitMs(age.accountKey, readAt, age.maxAgeMs)
  );
}

/**
 * The items' flags the last read took from the catalog, by inventory id, while they are young
 * ({@link flagsYoung}): a read with them skips the catalog unless an item is new. Undefined (read
 * the catalog) otherwise.
 */
export function knownFlagsOf(
  snapshot: AccountSnapshot,
  age: FlagsAge,
): Map<number, InventoryFlags> | undefined {
  if (!flagsYoung(snapshot, age)) return undefined;
  return new Map(
    snapshot.items.map((item) => [
      Number(item.inventoryId),
      { isActive: item.active, isDigital: item.digital },
    ]),
  );
}

export type InventoryFact = PollFact<'inventoryObserved'>;

/** What a store's inventory request needs: a read of the account, or nothing new. */
export type AccountReadDecision =
  /** Read the account: no read began recently enough to serve the request. */
  | { type: 'read' }
  /** A read of the account served this request already (its facts reached every store). */
  | { type: 'shared' }
  /** A recent read serves the request, but the store never got every SKU: give them from the snapshot. */
  | { type: 'baseline' }
  /**
   * The request asks for the store's cycle to end again (its offers changed, ADR 0155), and the
   * last read reached the store: the store gets that read's closing item, nothing read.
   */
  | { type: 'close'; closing: SkuLevel };

/**
 * Whether a store's request needs a read of its account: not when a read started within the
 * share window before the request (that read emitted to every store of the account), unless it
 * is a resync, which always reads. A request to close the store's cycle (`close`, ADR 0155) ends
 * it with the last read's closing item whenever that read reached the store, however old: its
 * levels are those the store's other SKUs were last pushed from, and the next scheduled read
 * brings newer ones.
 */
export function decideAccountRead(
  snapshot: AccountHead | null,
  request: { storeId: string; requestedAt: number; resync: boolean; close?: boolean },
  shareWindowMs: number,
): AccountReadDecision {
  if (request.resync || !snapshot?.readAt) return { type: 'read' };
  const known = snapshot.stores.find((s) => s.storeId === request.storeId);
  if (request.close && known?.baseline && snapshot.closing) {
    return { type: 'close', closing: snapshot.closing };
  }
  if (snapshot.readAt.getTime() < request.requestedAt - shareWindowMs) {
    return { type: 'read' };
  }
  return known?.baseline ? { type: 'shared' } : { type: 'baseline' };
}

/** How long and how far a read waits for the applier to take the store's last facts (ADR 0154). */
export interface ReadDeferral {
  /** A read waits while more of the facts up to the store's last one are unapplied (0: never). */
  behindLimit: number;
  /** It waits no longer than this after those facts were published. */
  maxDeferMs: number;
}

/**
 * A store's last facts of one kind: how many up to them the applier has not applied, and when
 * they were published. `inventory`: this process's last levels for the store (ADR 0154);
 * `offers`: the mirakl-poller's last offer facts of the store (ADR 0169).
 */
export interface StoreFactsBehind {
  facts: 'inventory' | 'offers';
  behind: number;
  publishedAt: number;
}

export type ReadDeferralDecision =
  /** Read: nothing known unapplied, a resync, or waited long enough (`overdue`). */
  | { type: 'read'; overdue: boolean }
  /**
   * Not now: the applier has not applied the store's last facts of a kind; the next request
   * reads.
   */
  | { type: 'defer'; facts: StoreFactsBehind['facts']; behind: number };

/**
 * Whether a store's read waits for the applier (ADR 0154, 0169): while more than `behindLimit`
 * of the facts published on a partition up to the store's last one of a kind are not applied —
 * its last levels, or its last offers — a read would only spend ShipBob's budget (shared with the
 * orders flow) on levels that wait behind them, or end a cycle on a map its offers are still
 * being written into (their stock goes out once they are, ADR 0155). A resync always reads; so
 * does a request made `maxDeferMs` or more after the facts it would wait for were published (an
 * applier stopped for that long gets the levels of now when it is back).
 */
export function decideReadDeferral(
  lasts: readonly StoreFactsBehind[],
  request: { now: number; resync: boolean },
  settings: ReadDeferral,
): ReadDeferralDecision {
  if (request.resync || settings.behindLimit <= 0) return { type: 'read', overdue: false };
  const behind = lasts.filter((last) => last.behind > settings.behindLimit);
  const waiting = behind.find((last) => request.now - last.publishedAt < settings.maxDeferMs);
  if (waiting) return { type: 'defer', facts: waiting.facts, behind: waiting.behind };
  return { type: 'read', overdue: behind.length > 0 };
}

/**
 * ShipBob's levels reduced to what is compared and emitted: one entry per SKU (items without a
 * SKU are not sellable anywhere; two items with one SKU keep the lower inventory id), sorted by
 * SKU. Flags ShipBob did not report count as active and not digital, its catalog defaults.
 */
export function skuLevelsOf(levels: readonly InventoryLevel[]): SkuLevel[] {
  return skuSourcesOf(levels).map(skuLevelOf);
}

/**
 * The levels {@link skuLevelsOf} makes its items of, in its order: a read maps them again once
 * their flags are known ({@link skuLevelOf}) instead of choosing and sorting a second time.
 */
export function skuSourcesOf(levels: readonly InventoryLevel[]): InventoryLevel[] {
  // Sorted by SKU, then inventory id, the first of each SKU kept: no index of SKUs is built (a
  // read lists most accounts in SKU order already, which the sort takes in one pass).
  const sources = levels.filter((level) => level.sku);
  sources.sort((a, b) =>
    a.sku! < b.sku! ? -1 : a.sku! > b.sku! ? 1 : a.inventoryId - b.inventoryId,
  );
  let kept = 0;
  for (const level of sources) {
    if (kept === 0 || sources[kept - 1]!.sku !== level.sku) sources[kept++] = level;
  }
  sources.length = kept;
  return sources;
}

/** One level (with a SKU) as the poller keeps it, its flags as they are on the level now. */
export const skuLevelOf = (l: InventoryLevel): SkuLevel => ({
  sku: l.sku!,
  inventoryId: String(l.inventoryId),
  fulfillable: l.fulfillable,
  onHand: l.onHand,
  committed: l.committed,
  exception: l.exception,
  active: l.isActive ?? true,
  digital: l.isDigital ?? false,
});

/** Characters of a digest's text hashed at once: the text is never held whole. */
const DIGEST_CHUNK = 16_384;

/**
 * A digest of what the levels say of each SKU but its flags (the items {@link skuLevelsOf} made
 * of them, or the levels they are made of, {@link skuSourcesOf}, in SKU order): two reads with
 * the same digest whose items take the same flags give the same items (ADR 0137). The SHA-256
 * of one line per item, `sku NUL inventoryId NUL fulfillable NUL onHand NUL committed NUL
 * exception LF`, hashed a few thousand lines at a time (ADR 0163).
 */
export function levelsDigestOf(items: readonly (SkuLevel | InventoryLevel)[]): string {
  const hash = createHash('sha256');
  let text = '';
  for (const item of items) {
    text += `${item.sku}\u0000${item.inventoryId}\u0000${item.fulfillable}\u0000${item.onHand}\u0000${item.committed}\u0000${item.exception}\n`;
    if (text.length >= DIGEST_CHUNK) {
      hash.update(text);
      text = '';
    }
  }
  return hash.update(text).digest('base64');
}

/**
 * Whether a read of the account changed nothing its snapshot holds, so that its items need not
 * be read nor compared (ADR 0137): the read's levels have the digest of the snapshot's, their
 * flags would be the snapshot's (young, not a resync), and every store sharing the read has every
 * SKU already. Each store then gets only the fact closing its cycle: `closing`, unchanged (none
 * for an account without SKUs).
 */
export function decideUnchangedRead(
  head: AccountHead,
  read: { digest: string; stores: readonly AccountStore[]; flagsYoung: boolean; resync: boolean },
): { unchanged: true; closing: SkuLevel | null } | { unchanged: false } {
  const same =
    !read.resync &&
    read.flagsYoung &&
    head.revision > 0 &&
    !!head.levelsDigest &&
    head.levelsDigest === read.digest &&
    read.stores.every((s) => s.baseline);
  return same ? { unchanged: true, closing: head.closing ?? null } : { unchanged: false };
}

/** Whether a SKU changed in what decides its marketplace quantity. */
function changed(before: SkuLevel | undefined, now: SkuLevel): boolean {
  return (
    !before ||
    before.fulfillable !== now.fulfillable ||
    before.exception !== now.exception ||
    before.active !== now.active ||
    before.digital !== now.digital
  );
}

/** One store's facts of one read. */
export interface StoreFacts {
  storeId: string;
  facts: InventoryFact[];
}

/**
 * What a read changed since the account's snapshot: the SKUs each store that has every SKU is
 * told of (new, or changed in a quantity or flag that decides its marketplace quantity), and what
 * the snapshot's save writes ({@link changedItems}).
 */
export interface LevelsDiff {
  changed: SkuLevel[];
  entries: (readonly [sku: string, level: SkuLevel | null])[];
}

/** {@link LevelsDiff} of a read's items against the snapshot's, in one pass over each. */
export function diffLevels(
  previous: readonly SkuLevel[],
  current: readonly SkuLevel[],
): LevelsDiff {
  const before = new Map(previous.map((item) => [item.sku, item]));
  const diff: LevelsDiff = { changed: [], entries: [] };
  for (const item of current) {
    const was = before.get(item.sku);
    before.delete(item.sku);
    if (changed(was, item)) diff.changed.push(item);
    if (!was || differs(was, item)) diff.entries.push([item.sku, item]);
  }
  for (const gone of before.keys()) diff.entries.push([gone, null]);
  return diff;
}

/** SKUs one inventory fact carries at most, its own and those in `more` (ADR 0166). */
export const DEFAULT_LEVELS_PER_FACT = 250;

/**
 * The facts of one read of the account, per store: the SKUs that changed since the previous
 * read (`changed`, of a {@link LevelsDiff}) to a store that has every SKU already, every SKU to a
 * store that has not (`fullCycle`), in SKU order, up to `levelsPerFact` SKUs a fact (the first
 * its own, the others in `more`; ADR 0166).
 * Each store's last fact carries `endOfCycle`; a store with nothing changed still gets one (the
 * first SKU, unchanged, marked `nothingChanged`: its level is the one the store was last given, ADR
 * 0142) so it closes its cycle: a buffer changed meanwhile is applied then.
 * Keys: `shipbob:<store>:inventory:<cycleId>:<sku>`, the fact's own SKU.
 */
export function decideInventoryFacts(input: {
  changed: readonly SkuLevel[];
  current: readonly SkuLevel[];
  stores: readonly AccountStore[];
  cycleId: string;
  observedAt: Date;
  levelsPerFact?: number;
}): StoreFacts[] {
  const perFact = Math.max(1, input.levelsPerFact ?? DEFAULT_LEVELS_PER_FACT);
  const perStore: StoreFacts[] = [];
  for (const store of input.stores) {
    const full = !store.baseline;
    let levels: readonly SkuLevel[] = full ? input.current : input.changed;
    const nothingChanged = levels.length === 0 && input.current.length > 0;
    if (nothingChanged) levels = [input.current[0]!];
    const facts: InventoryFact[] = [];
    for (let at = 0; at < levels.length; at += perFact) {
      const end = Math.min(levels.length, at + perFact);
      facts.push(
        inventoryFact(store.storeId, levels[at]!, levels.slice(at + 1, end), {
          cycleId: input.cycleId,
          endOfCycle: end === levels.length,
          fullCycle: full,
          nothingChanged,
          observedAt: input.observedAt,
        }),
      );
    }
    perStore.push({ storeId: store.storeId, facts });
  }
  return perStore;
}

function inventoryFact(
  storeId: string,
  level: SkuLevel,
  more: SkuLevel[],
  cycle: {
    cycleId: string;
    endOfCycle: boolean;
    fullCycle: boolean;
    nothingChanged: boolean;
    observedAt: Date;
  },
): InventoryFact {
  return {
    topic: 'inventoryObserved',
    idempotencyKey: idempotencyKey('shipbob', storeId, 'inventory', cycle.cycleId, level.sku),
    occurredAt: cycle.observedAt,
    body: {
      ...level,
      cycleId: cycle.cycleId,
      endOfCycle: cycle.endOfCycle,
      fullCycle: cycle.fullCycle,
      nothingChanged: cycle.nothingChanged,
      more,
    },
  };
}

/** Whether two readings of a SKU differ in anything kept. */
const differs = (a: SkuLevel, b: SkuLevel) =>
  a.inventoryId !== b.inventoryId ||
  a.fulfillable !== b.fulfillable ||
  a.onHand !== b.onHand ||
  a.committed !== b.committed ||
  a.exception !== b.exception ||
  a.active !== b.active ||
  a.digital !== b.digital;

/**
 * What a snapshot save writes (ADR 0110): the SKUs of `next` new or changed since `previous`, and
 * a removal (null) for each SKU gone.
 */
export const changedItems = (
  previous: readonly SkuLevel[],
  next: readonly SkuLevel[],
): LevelsDiff['entries'] => diffLevels(previous, next).entries;
