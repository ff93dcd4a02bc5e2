import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  Binary,
  MongoServerError,
  ObjectId,
  type Db,
  type Document,
  type Filter,
  type UpdateFilter,
} from 'mongodb';
import { chunksOf } from './chunks.js';
import { createKeyedMutex } from './keyed-mutex.js';
import { Counter, Gauge, type Registry } from './metrics.js';

/** Entries per chunk document: small enough that the database handles one quickly. */
export const ENTRIES_PER_CHUNK = 500;
/**
 * Chunks appended since the last compaction, beyond twice the chunks it left, after which the next
 * read of the whole map compacts it into as few as its entries need (ADR 0172): a read reads a few
 * chunks more than the map needs, and the compaction costs no read of its own.
 */
export const SLACK_CHUNKS = 16;
/**
 * Chunks beyond four times those the last compaction left, plus this, after which a write
 * compacts the map itself, reading it first: a map written and never read whole stays bounded.
 */
export const WRITE_SLACK_CHUNKS = 4 * SLACK_CHUNKS;
/** Times a read starts again when a compaction removed a chunk it was about to read. */
const READ_ATTEMPTS = 5;
/** Chunks read at once. */
const READ_CONCURRENCY = 8;

/** An entry's new value, or `null`: the key is removed. */
export type MapEntry<V> = readonly [key: string, value: V | null];

/**
 * The map's head document, `_id` = owner: the chunks in write order, a version moved by every
 * change, and the map's small `meta`. Fields of the layout before chunks may sit beside them.
 */
interface Head<M> extends Document {
  _id: string;
  /**
   * The chunks' ids in write order, those written together (by one write, or left by a compaction)
   * in one string, separated by {@link RUN_SEPARATOR} (ADR 0152); one id per element before.
   */
  chunks?: string[];
  /** Chunks the last compaction or reset left. */
  base?: number;
  version?: number;
  meta?: Partial<M>;
}
interface Chunk<V> {
  _id: string;
  /** The entries as JSON text of `[key, value]` pairs, deflated (ADR 0136, 0145). */
  z?: Binary;
  /** The entries as JSON text, as written before ADR 0145. */
  j?: string;
  /** The entries as objects, as written before ADR 0136 (FerretDB keeps no arrays in arrays). */
  e?: { k: string; v: V | null }[];
}

/**
 * Entries as a chunk keeps them: one string of JSON instead of a document per entry. FerretDB 1.x
 * stores a document as JSON beside a description of every value's type (about five times the
 * text for a map's entries) and decodes both on every read; a string is one value. A `Date`
 * becomes `{"$date": <epoch ms>}`, a value with `toBSON` what that returns, and `undefined`
 * null, as the driver writes them.
 */
export function encodeEntries(entries: readonly MapEntry<unknown>[]): string {
  // No replacer: V8 calls one for every key and value, three times the cost of the stringify
  // itself (ADR 0171); the values that need it are made JSON first, the others left as they are.
  return JSON.stringify(jsonable(entries));
}

/**
 * `value` as {@link encodeEntries} writes it: the same value when nothing in it is a `Date`, has
 * `toBSON` or is `undefined` (most entries), else a copy with those replaced; a value with
 * `toJSON` of its own is left to it.
 */
function jsonable(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return { $date: value.getTime() };
  const { toBSON, toJSON } = value as { toBSON?: unknown; toJSON?: unknown };
  if (typeof toBSON === 'function') return jsonable(toBSON.call(value));
  if (typeof toJSON === 'function') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const made = jsonable(item);
      if (made !== item) (copy ??= value.slice())[i] = made;
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  // `for...in` walks the keys V8 caches for the object's shape; `Object.keys` made an array of
  // them for every value of every chunk written. An entry's value is a plain object (JSON's, or
  // the service's own literals): nothing enumerable is inherited.
  for (const key in record) {
    const field = record[key];
    // Numbers, strings and booleans are written as they are: only objects and undefined change.
    if (field !== undefined && (field === null || typeof field !== 'object')) continue;
    const made = jsonable(field);
    if (made !== field) (copy ??= { ...record })[key] = made;
  }
  return copy ?? value;
}

/**
 * `value` with every `{"$date": <number>}` in it a `Date`, changed in place. What a reviver given
 * to `JSON.parse` would do, at a third of its cost: V8 calls a reviver for every value parsed.
 */
function revived(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revived(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  const at = record.$date;
  if (typeof at === 'number') return new Date(at);
  for (const key of Object.keys(record)) {
    const inner = record[key];
    if (inner !== null && typeof inner === 'object') record[key] = revived(inner);
  }
  return record;
}

/** The entries {@link encodeEntries} wrote. */
export function decodeEntries<V>(text: string): [string, V | null][] {
  const entries = JSON.parse(text) as [string, V | null][];
  // Without a date written, there is nothing to revive (most chunks of levels have none).
  return text.includes('"$date"') ? (revived(entries) as [string, V | null][]) : entries;
}

/**
 * Entries as a chunk document keeps them (ADR 0145): their JSON text deflated, about a sixth to a
 * tenth of it. FerretDB turns a string into JSON and back at every read, at a cost by its length;
 * deflating and inflating costs the service a fraction of that.
 */
export function packEntries(entries: readonly MapEntry<unknown>[]): Binary {
  return new Binary(deflateRawSync(encodeEntries(entries), { level: 1 }));
}

/** The entries {@link packEntries} packed. */
export function unpackEntries<V>(packed: Binary): [string, V | null][] {
  return decodeEntries<V>(inflateRawSync(packed.value()).toString('utf8'));
}

/** A chunk's entries in write order, in any of its layouts. */
function entriesOf<V>(chunk: Chunk<V>): Iterable<readonly [string, V | null]> {
  if (chunk.z !== undefined) return unpackEntries<V>(chunk.z);
  if (chunk.j !== undefined) return decodeEntries<V>(chunk.j);
  return (chunk.e ?? []).map(({ k, v }) => [k, v] as const);
}

export interface ChunkedMapOptions<V, M> {
  /** The heads' collection; chunks live in `<name>_chunks`. */
  name: string;
  /**
   * How a key's later value combines with its earlier one (default: replaces it). Called in
   * write order, as `$set` of a value's fields would apply.
   */
  merge?: (earlier: V, later: V) => V;
  /**
   * The map a head written before chunks holds (one document per owner, a field per key): read
   * first, and dropped (`legacyFields` unset) by the next compaction or reset.
   */
  legacy?: (head: Document) => { entries: Iterable<readonly [string, V]>; meta?: Partial<M> };
  legacyFields?: readonly string[];
  /**
   * Keeps read maps in memory, within the process's budget: a later read of the owner reads its
   * head and only the chunks appended since (ADR 0108).
   */
  cache?: MapCache;
  /**
   * Reshapes a value as a read map holds it: the same value in less memory (arrays of their
   * exact length, epoch ms instead of a `Date`), for maps of many entries a process keeps (ADR
   * 0124). Default: as decoded.
   */
  keep?: (value: V) => V;
}

export interface ChunkedMap<V, M> {
  /**
   * Appends entries in order (a key's last one wins) and sets `set` in the meta: the entries go
   * to new chunk documents, then the head lists them. With `when`, only while the meta holds
   * those values; resolves with false (nothing changed) otherwise. Resolves, once written, with
   * the head's chunks after the write, its own last (those a compaction left, when the write made
   * one): the map it leaves, for {@link ChunkedMap.appendedSince} (ADR 0173).
   */
  write(
    owner: string,
    entries: readonly MapEntry<V>[],
    options?: { set?: Partial<M>; when?: Partial<M> },
  ): Promise<readonly string[] | false>;
  /** Chunk documents `write` makes for that many entries. */
  chunksFor(entries: number): number;
  /**
   * The owner's map and meta, and the stamp of the head they were read from, or of the one its
   * compaction left: a read that finds the map crowded compacts it before it resolves (ADR 0172).
   * The map may be shared with other readers (a cached read): never changed after it is returned.
   */
  read(owner: string): Promise<{
    entries: ReadonlyMap<string, V>;
    meta: Partial<M>;
    stamp: string | null;
    /**
     * The head's chunks the map was read from, or those its compaction left, in order (for
     * {@link ChunkedMap.appendedSince}).
     */
    chunks: readonly string[];
  }>;
  /**
   * What was written to the owner's map since it was read from `chunks` (ADR 0147): the entries
   * of the chunks appended after them, in write order and as written (not merged), with the
   * head's chunks, meta and stamp now. Null when the head's chunks no longer begin with `chunks`
   * (a compaction, reset or rewrite replaced them), when more than `maxChunks` were appended, or
   * when the owner has no map or one of the layout before chunks.
   */
  appendedSince(
    owner: string,
    chunks: readonly string[],
    maxChunks: number,
  ): Promise<{
    appended: [string, V | null][];
    meta: Partial<M>;
    stamp: string | null;
    chunks: readonly string[];
  } | null>;
  /**
   * The owner's head as a stamp that every change of the map or its meta moves (its version and
   * last chunk), read without any chunk (ADR 0142); null when the owner has none, or a head of
   * the layout before versions.
   */
  stamp(owner: string): Promise<string | null>;
  /** The owner's meta alone, from its head (no chunk read); null when the owner has none. */
  meta(owner: string): Promise<Partial<M> | null>;
  /** Replaces the owner's map by `entries` (none: empty) and its meta by `meta`. */
  reset(owner: string, meta: Partial<M>, entries?: readonly MapEntry<V>[]): Promise<void>;
  /**
   * Replaces the owner's map by what `change` makes of it, read and replaced with no write of
   * this process between (read again when another process changed it meanwhile); `change`
   * returns null to leave the map as it is. Resolves with whether it was replaced.
   */
  rewrite(
    owner: string,
    change: (
      entries: ReadonlyMap<string, V>,
      meta: Partial<M>,
    ) => { entries: readonly MapEntry<V>[]; meta: Partial<M> } | null,
  ): Promise<boolean>;
}

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown) =>
  error instanceof MongoServerError && error.code === DUPLICATE_KEY;

/**
 * `legacy` for a head that kept its map as one field per key under `field`, each value naming
 * its key.
 */
export const legacyFieldMap =
  <V>(field: string, keyOf: (value: V) => string) =>
  (head: Document) => ({
    entries: Object.values((head[field] ?? {}) as Record<string, V>).map(
      (value) => [keyOf(value), value] as const,
    ),
  });

const prefixed = (prefix: string, values: object) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [`${prefix}${k}`, v as unknown]));

/** How a read found the owner's map: in memory as it is, in memory with chunks to add, or not. */
export type MapCacheRead = 'hit' | 'appended' | 'miss';

/**
 * A process's budget of chunked-map entries kept in memory between reads (ADR 0108), shared by
 * the maps given it. A map is kept whole or not at all; one that does not fit first makes room
 * by dropping maps nobody read for `idleMs`, and is not kept if that is not enough: a process
 * cycling over more stores than fit keeps a fixed share of them instead of none.
 */
export interface MapCache {
  /** Entries kept now, and the maps they belong to. */
  size(): { entries: number; maps: number };
  /** Counted after each read of a map given this cache. */
  onRead?: (name: string, result: MapCacheRead) => void;
}

interface Kept {
  ids: readonly string[];
  entries: ReadonlyMap<string, unknown>;
  usedAt: number;
}
interface CacheSlots extends MapCache {
  get(key: string): Kept | undefined;
  put(key: string, ids: readonly string[], entries: ReadonlyMap<string, unknown>): void;
}

/** Entries a process keeps by default: about 25 MB at the catalog's entry sizes (ADR 0108). */
export const DEFAULT_MAP_CACHE_ENTRIES = 100_000;
/** A kept map nobody read for this long gives way to one that does not fit. */
const DEFAULT_CACHE_IDLE_MS = 10 * 60_000;

export function createMapCache(options: {
  maxEntries: number;
  idleMs?: number;
  now?: () => number;
  onRead?: (name: string, result: MapCacheRead) => void;
}): MapCache {
  const now = options.now ?? Date.now;
  const idleMs = options.idleMs ?? DEFAULT_CACHE_IDLE_MS;
  const kept = new Map<string, Kept>();
  let total = 0;
  const drop = (key: string) => {
    const was = kept.get(key);
    if (!was) return;
    total -= was.entries.size;
    kept.delete(key);
  };
  const slots: CacheSlots = {
    size: () => ({ entries: total, maps: kept.size }),
    ...(options.onRead ? { onRead: options.onRead } : {}),
    get(key) {
      const found = kept.get(key);
      if (found) found.usedAt = now();
      return found;
    },
    put(key, ids, entries) {
      const was = kept.get(key);
      // A slower read of an older head does not replace what a newer one kept. (Either is right
      // for its chunks: a read only uses a kept map whose chunks begin the head's list.)
      if (was && ids.length > 0 && was.ids.length > ids.length && chunksStartWith(was.ids, ids))
        return;
      drop(key);
      if (entries.size > options.maxEntries) return;
      if (total + entries.size > options.maxEntries) {
        const idleSince = now() - idleMs;
        const idle = [...kept].filter(([, k]) => k.usedAt < idleSince);
        idle.sort(([, a], [, b]) => a.usedAt - b.usedAt);
        for (const [other] of idle) {
          if (total + entries.size <= options.maxEntries) break;
          drop(other);
        }
        if (total + entries.size > options.maxEntries) return;
      }
      kept.set(key, { ids, entries, usedAt: now() });
      total += entries.size;
    },
  };
  return slots;
}

const metered = new WeakMap<Registry, MapCache>();

/**
 * A {@link MapCache} of `maxEntries` (0: none) whose reads and size show on the registry:
 * `catalog_map_reads_total{map,result}` and `catalog_map_cache_entries`. One per registry (the
 * process's budget): a second call with the same registry returns the first one's.
 */
export function createMeteredMapCache(
  registry: Registry,
  maxEntries: number,
): MapCache | undefined {
  if (maxEntries <= 0) return undefined;
  const existing = metered.get(registry);
  if (existing) return existing;
  const reads = new Counter({
    name: 'catalog_map_reads_total',
    help: 'Reads of a per-store map (levels, offers, pushed, seen-set) by map and result: hit (kept in memory, head only), appended (kept, chunks since read), miss (every chunk read).',
    labelNames: ['map', 'result'] as const,
    registers: [registry],
  });
  const cache = createMapCache({
    maxEntries,
    onRead: (map, result) => reads.inc({ map, result }),
  });
  new Gauge({
    name: 'catalog_map_cache_entries',
    help: `Map entries kept in memory between reads (at most ${maxEntries}, MAP_CACHE_ENTRIES).`,
    registers: [registry],
    collect() {
      this.set(cache.size().entries);
    },
  });
  metered.set(registry, cache);
  return cache;
}

/**
 * A head's stamp: its version moves with every change; its last chunk, whose id is new with every
 * write, tells a head made again (after its owner's was removed) from the one it replaced.
 */
const stampOf = (head: Pick<Head<object>, 'version' | 'chunks'> | null): string | null =>
  head?.version === undefined ? null : `${head.version}|${idsOf(head).at(-1) ?? ''}`;

/**
 * Between the ids of chunks written together, in one element of a head's `chunks` (ADR 0152):
 * FerretDB 1.24 decodes a document's array value by value, each at the cost of a document, and
 * reads or rewrites the whole head on every read and write of the map.
 */
const RUN_SEPARATOR = '\n';

/** The head's chunk ids, in order, one per chunk. */
function idsOf(head: Pick<Head<object>, 'chunks'> | null): string[] {
  const runs = head?.chunks ?? [];
  return runs.some((run) => run.includes(RUN_SEPARATOR))
    ? runs.flatMap((run) => run.split(RUN_SEPARATOR))
    : runs;
}

/** Ids written together as a head keeps them: one value (one each if an id holds the separator). */
function runOf(ids: readonly string[]): string[] {
  if (ids.length === 0 || ids.some((id) => id.includes(RUN_SEPARATOR))) return [...ids];
  return [ids.join(RUN_SEPARATOR)];
}

/** Whether a map's chunk ids begin with `prefix` (the chunks an earlier read or write left). */
export const chunksStartWith = (ids: readonly string[], prefix: readonly string[]) =>
  prefix.length <= ids.length && prefix.every((id, i) => ids[i] === id);

/**
 * A large per-owner map (a store's levels, offers, pushed quantities, products) as an append-only
 * list of chunk documents under a small head (ADR 0103). A write inserts its entries and pushes
 * their chunk ids to the head, so it costs what it writes, not the size of the whole map (FerretDB
 * rewrites a whole document on any update, about 1 s at 10,000 keys); a read merges the chunks in
 * order. A read of the whole map that finds more than twice the chunks of the last compaction,
 * plus `SLACK_CHUNKS`, compacts them from what it read; a write compacts only past four times,
 * plus `WRITE_SLACK_CHUNKS`, reading the map first (ADR 0172). Every head change moves
 * its version: a compaction or reset only replaces the chunks it read, and a read that finds a
 * chunk gone (removed by a compaction meanwhile) starts again. FerretDB loses one of two concurrent
 * updates of a document, so one process changes an owner's map one change at a time; two
 * processes writing one owner's map at once (only while a lane moves between instances) are as
 * exposed as any document FerretDB updates.
 */
export function createChunkedMap<V, M extends object = Record<string, never>>(
  db: Db,
  options: ChunkedMapOptions<V, M>,
): ChunkedMap<V, M> {
  const heads = db.collection<Head<M>>(options.name);
  const chunks = db.collection<Chunk<V>>(`${options.name}_chunks`);
  const merge = options.merge ?? ((_earlier: V, later: V) => later);
  const keep = options.keep ?? ((value: V) => value);
  const legacyUnset = Object.fromEntries((options.legacyFields ?? []).map((f) => [f, '']));
  // FerretDB applies two updates of one document at once as if each were alone (one is lost,
  // conditions included): an owner's changes from this process go one after the other.
  const serially = createKeyedMutex();

  const insertChunks = async (owner: string, entries: readonly MapEntry<V>[]) => {
    const docs = chunksOf(entries, ENTRIES_PER_CHUNK).map((part) => ({
      _id: `${owner}|${new ObjectId().toHexString()}`,
      z: packEntries(part),
    }));
    if (docs.length > 0) await chunks.insertMany(docs, { ordered: true });
    return docs.map((d) => d._id);
  };
  const removeChunks = async (ids: readonly string[]) => {
    if (ids.length === 0) return;
    // One statement by `_id` each (a filter on anything else, `$in` included, reads the whole
    // collection in FerretDB), all in one command: one round trip instead of one a chunk.
    await chunks.bulkWrite(
      ids.map((id) => ({ deleteOne: { filter: { _id: id } } })),
      { ordered: false },
    );
  };
  const versioned = (head: Head<M> | null, owner: string): Filter<Head<M>> =>
    head?.version === undefined
      ? { _id: owner, version: { $exists: false } }
      : { _id: owner, version: head.version };

  const cache = options.cache as CacheSlots | undefined;
  const cacheKey = (owner: string) => `${options.name}\u0000${owner}`;
  /** Applies chunk entries in write order to `entries`. */
  const apply = (entries: Map<string, V>, pairs: Iterable<readonly [string, V | null]>) => {
    for (const [key, value] of pairs) {
      if (value === null) {
        entries.delete(key);
        continue;
      }
      const earlier = entries.get(key);
      entries.set(key, keep(earlier === undefined ? value : merge(earlier, value)));
    }
    return entries;
  };
  /** Whether the head still holds a map of the layout before chunks (never cached). */
  const hasLegacy = (head: Head<M> | null) =>
    head !== null &&
    options.legacy !== undefined &&
    (options.legacyFields ?? []).some((field) => head[field] !== undefined);

  /** These chunks' documents in order, or undefined when one is gone. */
  const load = async (ids: readonly string[]) => {
    const docs: (Chunk<V> | null)[] = new Array<Chunk<V> | null>(ids.length);
    let next = 0;
    const reader = async () => {
      for (let i = next++; i < ids.length; i = next++)
        docs[i] = await chunks.findOne({ _id: ids[i]! });
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, ids.length) }, reader));
    if (docs.some((d) => d === null)) return undefined;
    return docs as Chunk<V>[];
  };

  const read = async (owner: string) => {
    for (let attempt = 1; ; attempt++) {
      const head = await heads.findOne({ _id: owner });
      const ids = idsOf(head);
      const legacy = hasLegacy(head);
      const kept = legacy ? undefined : cache?.get(cacheKey(owner));
      // Chunks are never changed once written: a kept map whose chunks begin the head's list
      // only lacks the ones after them.
      const from = kept && chunksStartWith(ids, kept.ids) ? kept.ids.length : 0;
      const docs = await load(ids.slice(from));
      if (!docs) {
        if (attempt >= READ_ATTEMPTS)
          throw new Error(`map ${options.name} of ${owner} kept changing while read`);
        continue;
      }
      const old = head && options.legacy ? options.legacy(head) : undefined;
      const meta = { ...(old?.meta ?? {}), ...(head?.meta ?? {}) } as Partial<M>;
      if (kept && from > 0 && docs.length === 0) {
        cache?.onRead?.(options.name, 'hit');
        return { head, entries: kept.entries as ReadonlyMap<string, V>, meta };
      }
      const entries = new Map(
        from > 0 ? (kept!.entries as ReadonlyMap<string, V>) : (old?.entries ?? []),
      );
      for (const doc of docs) apply(entries, entriesOf(doc));
      if (cache && !legacy) {
        cache.onRead?.(options.name, from > 0 ? 'appended' : 'miss');
        cache.put(cacheKey(owner), ids, entries);
      }
      return { head, entries, meta };
    }
  };

  /**
   * Rewrites the owner's map as `entries` under `meta`, if its head is still `head`: resolves with
   * the chunks written, or null when the head changed meanwhile (they are removed again).
   */
  const replace = async (
    owner: string,
    head: Head<M> | null,
    meta: Partial<M>,
    entries: readonly MapEntry<V>[],
  ): Promise<string[] | null> => {
    const ids = await insertChunks(owner, entries);
    const update: UpdateFilter<Head<M>> = {
      $set: { chunks: runOf(ids), base: ids.length, meta } as Partial<Head<M>>,
      $inc: { version: 1 },
      ...(Object.keys(legacyUnset).length > 0 ? { $unset: legacyUnset } : {}),
    };
    try {
      const result = await heads.updateOne(versioned(head, owner), update, { upsert: !head });
      if (result.matchedCount + result.upsertedCount === 0) {
        await removeChunks(ids);
        return null;
      }
    } catch (error) {
      // A head made meanwhile by another writer: the upsert collides on `_id`.
      if (!isDuplicateKey(error)) throw error;
      await removeChunks(ids);
      return null;
    }
    await removeChunks(idsOf(head));
    cache?.put(cacheKey(owner), ids, apply(new Map(), entries));
    return ids;
  };

  /** Chunk documents that many entries take. */
  const chunksFor = (entries: number) => Math.ceil(entries / ENTRIES_PER_CHUNK);
  const crowded = (head: Pick<Head<M>, 'chunks' | 'base'> | null) =>
    idsOf(head).length > 2 * (head?.base ?? 0) + SLACK_CHUNKS;
  const overcrowded = (head: Pick<Head<M>, 'chunks' | 'base'> | null) =>
    idsOf(head).length > 4 * (head?.base ?? 0) + WRITE_SLACK_CHUNKS;
  /**
   * Compacts the map `head` lists, read as `entries` (the owner's changes from this process held
   * off by the caller); resolves with the head it leaves. A compaction that would not halve the
   * chunks (a map filled with new keys, as a store's first catalog) only takes them as its base:
   * it would write about as many chunks again for nothing. A head moved meanwhile is left as it
   * is (its writer or the next read compacts it), and the head as read is returned.
   */
  const compactRead = async (
    owner: string,
    head: Head<M>,
    meta: Partial<M>,
    entries: ReadonlyMap<string, V>,
  ): Promise<Pick<Head<M>, 'chunks' | 'version'>> => {
    const ids = idsOf(head);
    if (!hasLegacy(head) && 2 * chunksFor(entries.size) > ids.length) {
      await heads.updateOne(versioned(head, owner), { $set: { base: ids.length } });
      return head;
    }
    const left = await replace(owner, head, meta, [...entries]);
    return left ? { chunks: runOf(left), version: (head.version ?? 0) + 1 } : head;
  };
  /** Compacts the owner's map if it is overcrowded; resolves with the chunks it leaves. */
  const compact = async (owner: string) => {
    const { head, entries, meta } = await read(owner);
    if (!head || !overcrowded(head)) return idsOf(head);
    return idsOf(await compactRead(owner, head, meta, entries));
  };

  return {
    chunksFor,
    write: (owner, entries, { set, when } = {}) =>
      serially(owner, async () => {
        const ids = await insertChunks(owner, entries);
        const update: UpdateFilter<Head<M>> = {
          $push: { chunks: { $each: runOf(ids) } } as unknown as UpdateFilter<Head<M>>['$push'],
          $inc: { version: 1 },
          ...(set && Object.keys(set).length > 0 ? { $set: prefixed('meta.', set) } : {}),
        };
        const filter = { _id: owner, ...prefixed('meta.', when ?? {}) } as Filter<Head<M>>;
        const apply = () =>
          heads.findOneAndUpdate(filter, update, {
            upsert: !when,
            // FerretDB takes no projection here: the head is small once compacted.
            returnDocument: 'after',
          });
        // Two first writes of an owner at once: the upsert of one collides, and it applies again.
        const head = await apply().catch((error: unknown) => {
          if (!isDuplicateKey(error)) throw error;
          return apply();
        });
        if (!head) {
          await removeChunks(ids);
          return false;
        }
        if (ids.length > 0 && idsOf(head).length === ids.length && !head.base) {
          // The map's first chunks (a store's first catalog pass): as compact as compaction would
          // leave them, so counted as its base instead of being read and written again.
          await heads.updateOne(
            { _id: owner, version: head.version },
            {
              $set: { base: ids.length },
            },
          );
          return idsOf(head);
        }
        return overcrowded(head) ? compact(owner) : idsOf(head);
      }),
    async read(owner) {
      const { head, entries, meta } = await read(owner);
      if (!head || !crowded(head))
        return { entries, meta, stamp: stampOf(head), chunks: idsOf(head) };
      // The map was just read: compacted from what the read found, with no read of its own. What
      // is returned names the chunks left, so that a later `appendedSince` can start from them.
      const left = await serially(owner, () => compactRead(owner, head, meta, entries));
      return { entries, meta, stamp: stampOf(left), chunks: idsOf(left) };
    },
    async appendedSince(owner, since, maxChunks) {
      for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
        const head = await heads.findOne({ _id: owner });
        if (!head || hasLegacy(head)) return null;
        const ids = idsOf(head);
        if (!chunksStartWith(ids, since) || ids.length - since.length > maxChunks) return null;
        const docs = await load(ids.slice(since.length));
        // A chunk removed meanwhile: a compaction replaced them; the head tells on the next try.
        if (!docs) continue;
        const appended: [string, V | null][] = [];
        for (const doc of docs)
          for (const [key, value] of entriesOf(doc)) appended.push([key, value]);
        return { appended, meta: head.meta ?? {}, stamp: stampOf(head), chunks: ids };
      }
      return null;
    },
    async stamp(owner) {
      return stampOf(
        await heads.findOne({ _id: owner }, { projection: { version: 1, chunks: 1 } }),
      );
    },
    async meta(owner) {
      if (options.legacy) {
        const head = await heads.findOne({ _id: owner });
        if (!head) return null;
        return { ...(options.legacy(head).meta ?? {}), ...(head.meta ?? {}) };
      }
      const head = await heads.findOne({ _id: owner }, { projection: { meta: 1 } });
      return head ? (head.meta ?? {}) : null;
    },
    reset: (owner, meta, entries = []) =>
      serially(owner, async () => {
        for (let attempt = 1; ; attempt++) {
          const head = await heads.findOne(
            { _id: owner },
            { projection: { chunks: 1, version: 1 } },
          );
          if ((await replace(owner, head, meta, entries)) !== null) return;
          if (attempt >= READ_ATTEMPTS)
            throw new Error(`map ${options.name} of ${owner} kept changing while reset`);
        }
      }),
    rewrite: (owner, change) =>
      serially(owner, async () => {
        for (let attempt = 1; ; attempt++) {
          const { head, entries, meta } = await read(owner);
          const next = change(entries, meta);
          if (!next) return false;
          if ((await replace(owner, head, next.meta, next.entries)) !== null) return true;
          if (attempt >= READ_ATTEMPTS)
            throw new Error(`map ${options.name} of ${owner} kept changing while rewritten`);
        }
      }),
  };
}
