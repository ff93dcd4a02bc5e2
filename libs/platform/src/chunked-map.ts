import {
  MongoServerError,
  ObjectId,
  type Db,
  type Document,
  type Filter,
  type UpdateFilter,
} from 'mongodb';
import { chunksOf } from './chunks.js';
import { createKeyedMutex } from './keyed-mutex.js';

/** Entries per chunk document: small enough that the database handles one quickly. */
export const ENTRIES_PER_CHUNK = 500;
/**
 * Chunks appended since the last compaction, beyond twice the chunks it left, after which a write
 * compacts the map into as few as its entries need: a write appends at most about its own size
 * again in compactions, and a read reads a few chunks more than the map needs.
 */
export const SLACK_CHUNKS = 16;
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
  chunks?: string[];
  /** Chunks the last compaction or reset left. */
  base?: number;
  version?: number;
  meta?: Partial<M>;
}
interface Chunk<V> {
  _id: string;
  /** Entries as objects: FerretDB keeps no arrays in arrays. */
  e: { k: string; v: V | null }[];
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
}

export interface ChunkedMap<V, M> {
  /**
   * Appends entries in order (a key's last one wins) and sets `set` in the meta: the entries go
   * to new chunk documents, then the head lists them. With `when`, only while the meta holds
   * those values; resolves with false (nothing changed) otherwise. Resolves with true once
   * written.
   */
  write(
    owner: string,
    entries: readonly MapEntry<V>[],
    options?: { set?: Partial<M>; when?: Partial<M> },
  ): Promise<boolean>;
  /** Chunk documents `write` makes for that many entries. */
  chunksFor(entries: number): number;
  /** The owner's map and meta. */
  read(owner: string): Promise<{ entries: Map<string, V>; meta: Partial<M> }>;
  /** Replaces the owner's map by `entries` (none: empty) and its meta by `meta`. */
  reset(owner: string, meta: Partial<M>, entries?: readonly MapEntry<V>[]): Promise<void>;
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

/**
 * A large per-owner map (a store's levels, offers, pushed quantities, products) as an append-only
 * list of chunk documents under a small head (ADR 0103). A write inserts its entries and pushes
 * their chunk ids to the head, so it costs what it writes, not the size of the whole map (FerretDB
 * rewrites a whole document on any update, about 1 s at 10,000 keys); a read merges the chunks in
 * order; a write that leaves more than twice the chunks of the last compaction, plus
 * `SLACK_CHUNKS`, compacts them. Every head change moves
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
  const legacyUnset = Object.fromEntries((options.legacyFields ?? []).map((f) => [f, '']));
  // FerretDB applies two updates of one document at once as if each were alone (one is lost,
  // conditions included): an owner's changes from this process go one after the other.
  const serially = createKeyedMutex();

  const insertChunks = async (owner: string, entries: readonly MapEntry<V>[]) => {
    const docs = chunksOf(entries, ENTRIES_PER_CHUNK).map((part) => ({
      _id: `${owner}|${new ObjectId().toHexString()}`,
      e: part.map(([k, v]) => ({ k, v })),
    }));
    if (docs.length > 0) await chunks.insertMany(docs, { ordered: true });
    return docs.map((d) => d._id);
  };
  const removeChunks = async (ids: readonly string[]) => {
    // One by `_id` each: a filter on anything else reads the whole collection in FerretDB.
    for (const id of ids) await chunks.deleteOne({ _id: id });
  };
  const versioned = (head: Head<M> | null, owner: string): Filter<Head<M>> =>
    head?.version === undefined
      ? { _id: owner, version: { $exists: false } }
      : { _id: owner, version: head.version };

  /** The head and its chunks' documents, or undefined when a chunk is gone. */
  const load = async (owner: string) => {
    const head = await heads.findOne({ _id: owner });
    const ids = head?.chunks ?? [];
    const docs: (Chunk<V> | null)[] = new Array<Chunk<V> | null>(ids.length);
    let next = 0;
    const reader = async () => {
      for (let i = next++; i < ids.length; i = next++)
        docs[i] = await chunks.findOne({ _id: ids[i]! });
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, ids.length) }, reader));
    if (docs.some((d) => d === null)) return undefined;
    return { head, docs: docs as Chunk<V>[] };
  };

  const read = async (owner: string) => {
    for (let attempt = 1; ; attempt++) {
      const loaded = await load(owner);
      if (!loaded) {
        if (attempt >= READ_ATTEMPTS)
          throw new Error(`map ${options.name} of ${owner} kept changing while read`);
        continue;
      }
      const { head, docs } = loaded;
      const entries = new Map<string, V>();
      const old = head && options.legacy ? options.legacy(head) : undefined;
      for (const [key, value] of old?.entries ?? []) entries.set(key, value);
      for (const doc of docs)
        for (const { k: key, v: value } of doc.e) {
          if (value === null) {
            entries.delete(key);
            continue;
          }
          const earlier = entries.get(key);
          entries.set(key, earlier === undefined ? value : merge(earlier, value));
        }
      const meta = { ...(old?.meta ?? {}), ...(head?.meta ?? {}) } as Partial<M>;
      return { head, entries, meta };
    }
  };

  /**
   * Rewrites the owner's map as `entries` under `meta`, if its head is still `head`; false when
   * it changed meanwhile (the new chunks are removed again).
   */
  const replace = async (
    owner: string,
    head: Head<M> | null,
    meta: Partial<M>,
    entries: readonly MapEntry<V>[],
  ): Promise<boolean> => {
    const ids = await insertChunks(owner, entries);
    const update: UpdateFilter<Head<M>> = {
      $set: { chunks: ids, base: ids.length, meta } as Partial<Head<M>>,
      $inc: { version: 1 },
      ...(Object.keys(legacyUnset).length > 0 ? { $unset: legacyUnset } : {}),
    };
    try {
      const result = await heads.updateOne(versioned(head, owner), update, { upsert: !head });
      if (result.matchedCount + result.upsertedCount === 0) {
        await removeChunks(ids);
        return false;
      }
    } catch (error) {
      // A head made meanwhile by another writer: the upsert collides on `_id`.
      if (!isDuplicateKey(error)) throw error;
      await removeChunks(ids);
      return false;
    }
    await removeChunks(head?.chunks ?? []);
    return true;
  };

  const crowded = (head: Pick<Head<M>, 'chunks' | 'base'> | null) =>
    (head?.chunks?.length ?? 0) > 2 * (head?.base ?? 0) + SLACK_CHUNKS;
  const compact = async (owner: string) => {
    const { head, entries, meta } = await read(owner);
    if (!crowded(head)) return;
    // Another writer moving the head meanwhile compacts again later if it needs to.
    await replace(owner, head, meta, [...entries]);
  };

  return {
    chunksFor: (entries) => Math.ceil(entries / ENTRIES_PER_CHUNK),
    write: (owner, entries, { set, when } = {}) =>
      serially(owner, async () => {
        const ids = await insertChunks(owner, entries);
        const update: UpdateFilter<Head<M>> = {
          $push: { chunks: { $each: ids } } as unknown as UpdateFilter<Head<M>>['$push'],
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
        if (ids.length > 0 && head.chunks?.length === ids.length && !head.base) {
          // The map's first chunks (a store's first catalog pass): as compact as compaction would
          // leave them, so counted as its base instead of being read and written again.
          await heads.updateOne(
            { _id: owner, version: head.version },
            {
              $set: { base: ids.length },
            },
          );
          return true;
        }
        if (crowded(head)) await compact(owner);
        return true;
      }),
    async read(owner) {
      const { entries, meta } = await read(owner);
      return { entries, meta };
    },
    reset: (owner, meta, entries = []) =>
      serially(owner, async () => {
        for (let attempt = 1; ; attempt++) {
          const head = await heads.findOne(
            { _id: owner },
            { projection: { chunks: 1, version: 1 } },
          );
          if (await replace(owner, head, meta, entries)) return;
          if (attempt >= READ_ATTEMPTS)
            throw new Error(`map ${options.name} of ${owner} kept changing while reset`);
        }
      }),
  };
}
