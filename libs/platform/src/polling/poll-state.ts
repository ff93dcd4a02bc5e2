import type { AnyBulkWriteOperation, Db } from 'mongodb';
import { chunksStartWith, createChunkedMap, type MapCache, type MapEntry } from '../chunked-map.js';
import { marksHash, SeenDigest, SeenDigests, type DigestEntry } from './seen-digest.js';

/** Where a store's stream was read up to, and when the last successful pass began. */
export interface PollCursor {
  /** The newest source change seen (never moves backwards); null before the first pass. */
  cursor: Date | null;
  /** Start of the last pass that completed; requests made before it are already served. */
  lastPassStartedAt: Date | null;
}

/** What was last seen of one item (an order): its source version and the facts already emitted. */
export interface SeenItem {
  /** The item's source version, e.g. `last_updated_date` in epoch ms. */
  version: number;
  /** Facts already emitted for the item (e.g. `state:SHIPPING`, `incident:<lineId>`). */
  marks: readonly string[];
  /** When a pass last remembered it (given by `seen`; `remember` takes the pass's instant). */
  seenAt?: Date;
}

/** Cursors and seen-sets of one poller, per store and stream (ADR 0043). */
export interface PollStateStore {
  cursor(storeId: string, stream: string): Promise<PollCursor>;
  /** The seen entries of these items (absent ones were never seen or were pruned). */
  seen(storeId: string, stream: string, itemIds: readonly string[]): Promise<Map<string, SeenItem>>;
  /** Records what a pass saw; call only after the facts it produced were acknowledged. */
  remember(
    storeId: string,
    stream: string,
    items: ReadonlyMap<string, SeenItem>,
    seenAt: Date,
  ): Promise<void>;
  /**
   * Adds to what was seen of these items without taking anything away: the version never goes
   * back and marks are only added. For a second writer beside the passes (a webhook receiver),
   * whose record must not undo a pass's, nor a pass's racing record undo it for long.
   */
  merge(
    storeId: string,
    stream: string,
    items: ReadonlyMap<string, SeenItem>,
    seenAt: Date,
  ): Promise<void>;
  /** Moves the cursor forward (never back) and records the pass; call last. */
  saveCursor(
    storeId: string,
    stream: string,
    pass: { cursor: Date | null; startedAt: Date },
  ): Promise<void>;
  /**
   * For each item, whether its seen entry carries exactly these marks and was remembered at or
   * after `freshSince` (epoch ms), told without reading the seen-set, from a digest of it the
   * process keeps (ADR 0178); null when it has none for the store's stream. Such an item's pass
   * need not read its entry: its decision is known to be the one it made before. Catalog streams
   * only; a store without one answers null.
   */
  unchanged?(
    storeId: string,
    stream: string,
    items: readonly (readonly [id: string, marks: readonly string[]])[],
    freshSince: number,
  ): Promise<boolean[] | null>;
  /**
   * Deletes seen entries not refreshed since `before` (FerretDB has no TTL indexes); a store's
   * stream is pruned at most once per the adapter's prune interval, other calls return 0.
   */
  prune(storeId: string, stream: string, before: Date): Promise<number>;
}

interface CursorDocument {
  _id: string;
  storeId: string;
  stream: string;
  cursor: Date | null;
  lastPassStartedAt: Date;
  updatedAt: Date;
}

interface SeenDocument {
  _id: string;
  storeId: string;
  stream: string;
  itemId: string;
  version: number;
  marks: string[];
  seenAt: Date;
}

/** Catalog seen-set entries whose digest a process keeps by default (ADR 0178): 16 MB. */
export const DEFAULT_SEEN_DIGEST_ENTRIES = 1_000_000;
/** Chunks written since a digest was made that it takes in; beyond, the next pass reads the map. */
const DIGEST_APPENDED_CHUNKS = 16;

/** How often one store's stream is pruned by default: retention is counted in days. */
export const DEFAULT_PRUNE_EVERY_MS = 3_600_000;

/**
 * Mongo/FerretDB adapter of {@link PollStateStore}: `<prefix>_cursors` (one document per store
 * and stream) and `<prefix>_seen` (one per store, stream and item). Only single-document writes
 * and plain upserts, so it needs neither transactions nor TTL indexes. Every read is by `_id`:
 * FerretDB 1.24 on SQLite answers any other filter, `$in` on `_id` included, by reading the whole
 * collection, and the seen-set grows with every order (ADR 0059). Pruning, which must filter on
 * fields, runs once an hour per store and stream rather than after every pass.
 */
export function createMongoPollState(options: {
  db: Db;
  prefix: string;
  pruneEveryMs?: number;
  now?: () => number;
  /**
   * Streams whose seen-set is a whole catalog: their entries live in a chunked map per store
   * (ADR 0106), not one document per item. The value is the stream's bucket count under ADR
   * 0096, whose bucket documents are moved into the map at a store's first use (0: none).
   */
  catalogStreams?: Readonly<Record<string, number>>;
  /** Keeps catalog seen-sets in memory between passes (ADR 0108). */
  cache?: MapCache | undefined;
  /** Entries of catalog seen-set digests kept (ADR 0178; default 1,000,000, 16 bytes each; 0: none). */
  digestEntries?: number;
}): PollStateStore {
  const perItem = createPerItemPollState(options);
  const catalog = options.catalogStreams ?? {};
  if (Object.keys(catalog).length === 0) return perItem;
  const chunked = createChunkedSeenSet({ ...options, legacyBuckets: catalog });
  const of = (stream: string) => (stream in catalog ? chunked : perItem);
  return {
    cursor: (storeId, stream) => perItem.cursor(storeId, stream),
    saveCursor: (storeId, stream, pass) => perItem.saveCursor(storeId, stream, pass),
    seen: (storeId, stream, itemIds) => of(stream).seen(storeId, stream, itemIds),
    remember: (storeId, stream, items, seenAt) =>
      of(stream).remember(storeId, stream, items, seenAt),
    merge: (storeId, stream, items, seenAt) => of(stream).merge(storeId, stream, items, seenAt),
    unchanged: async (storeId, stream, items, freshSince) =>
      stream in catalog ? chunked.unchanged(storeId, stream, items, freshSince) : null,
    async prune(storeId, stream, before) {
      if (!(stream in catalog)) return perItem.prune(storeId, stream, before);
      // Entries written per item before the stream was a catalog stream are pruned as before.
      const [old, current] = await Promise.all([
        perItem.prune(storeId, stream, before),
        chunked.prune(storeId, stream, before),
      ]);
      return old + current;
    },
  };
}

function createPerItemPollState(options: {
  db: Db;
  prefix: string;
  pruneEveryMs?: number;
  now?: () => number;
}): PollStateStore {
  const cursors = options.db.collection<CursorDocument>(`${options.prefix}_cursors`);
  const seenItems = options.db.collection<SeenDocument>(`${options.prefix}_seen`);
  const now = options.now ?? Date.now;
  const pruneEveryMs = options.pruneEveryMs ?? DEFAULT_PRUNE_EVERY_MS;
  const lastPruned = new Map<string, number>();
  const id = (...parts: string[]) => parts.join('|');
  let indexed: Promise<unknown> | undefined;
  const ready = () => (indexed ??= seenItems.createIndex({ storeId: 1, stream: 1, seenAt: 1 }));

  return {
    async cursor(storeId, stream) {
      const doc = await cursors.findOne({ _id: id(storeId, stream) });
      return { cursor: doc?.cursor ?? null, lastPassStartedAt: doc?.lastPassStartedAt ?? null };
    },
    async seen(storeId, stream, itemIds) {
      const out = new Map<string, SeenItem>();
      const docs = await Promise.all(
        [...new Set(itemIds)].map((item) => seenItems.findOne({ _id: id(storeId, stream, item) })),
      );
      for (const doc of docs)
        if (doc)
          out.set(doc.itemId, { version: doc.version, marks: doc.marks, seenAt: doc.seenAt });
      return out;
    },
    async remember(storeId, stream, items, seenAt) {
      if (items.size === 0) return;
      await ready();
      const writes: AnyBulkWriteOperation<SeenDocument>[] = [...items].map(([itemId, item]) => ({
        replaceOne: {
          filter: { _id: id(storeId, stream, itemId) },
          replacement: {
            _id: id(storeId, stream, itemId),
            storeId,
            stream,
            itemId,
            version: item.version,
            marks: [...item.marks],
            seenAt,
          },
          upsert: true,
        },
      }));
      await seenItems.bulkWrite(writes, { ordered: false });
    },
    async merge(storeId, stream, items, seenAt) {
      if (items.size === 0) return;
      await ready();
      const writes: AnyBulkWriteOperation<SeenDocument>[] = [...items].map(([itemId, item]) => ({
        updateOne: {
          filter: { _id: id(storeId, stream, itemId) },
          update: {
            $max: { version: item.version },
            $addToSet: { marks: { $each: [...item.marks] } },
            $set: { storeId, stream, itemId, seenAt },
          },
          upsert: true,
        },
      }));
      await seenItems.bulkWrite(writes, { ordered: false });
    },
    async saveCursor(storeId, stream, pass) {
      // One write: the cursor never moves back (`$max`: a date is above null, and a pass without
      // a cursor keeps the one there).
      await cursors.updateOne(
        { _id: id(storeId, stream) },
        {
          $set: { storeId, stream, lastPassStartedAt: pass.startedAt, updatedAt: new Date() },
          $max: { cursor: pass.cursor },
        },
        { upsert: true },
      );
    },
    async prune(storeId, stream, before) {
      const key = id(storeId, stream);
      const last = lastPruned.get(key);
      if (last !== undefined && now() - last < pruneEveryMs) return 0;
      await ready();
      lastPruned.set(key, now());
      const result = await seenItems.deleteMany({ storeId, stream, seenAt: { $lt: before } });
      return result.deletedCount;
    },
  };
}

interface SeenEntry {
  version: number;
  marks: string[];
  /** As written: a `Date`; in a read map, its epoch ms (ADR 0124). */
  seenAt: Date | number;
  /** Written by `merge`: combined with the key's earlier entry when read. */
  merged?: true;
}

/**
 * A seen entry as a read map keeps it: about half the memory of one as decoded (its marks array
 * at its length, not the decoder's spare capacity; its instant a number, not a `Date`), which
 * matters to a poller keeping 100,000 offers' entries (ADR 0124).
 */
function keepSeen(entry: SeenEntry): SeenEntry {
  return {
    version: entry.version,
    marks: entry.marks.slice(),
    seenAt: instantOf(entry.seenAt),
    ...(entry.merged ? { merged: entry.merged } : {}),
  };
}

const instantOf = (at: Date | number): number => (typeof at === 'number' ? at : at.getTime());

/** A `merge`d entry combined with the one before it; a `remember`ed one replaces it. */
function combineSeen(earlier: SeenEntry, later: SeenEntry): SeenEntry {
  if (!later.merged) return later;
  return {
    version: Math.max(earlier.version, later.version),
    marks: [...new Set([...earlier.marks, ...later.marks])],
    seenAt: later.seenAt,
  };
}

/** A bucket document of ADR 0096's layout, read once per store to move it into chunks. */
interface SeenBucketDocument {
  _id: string;
  items: Record<string, Omit<SeenEntry, 'merged'>>;
}

/**
 * The item id an ADR 0096 bucket field stands for: `.` and `$` cannot be part of a field name,
 * so they and the escape character `%` were written as `%2E`, `%24` and `%25`.
 */
export function itemIdOfSeenField(field: string): string {
  return field.replace(/%(25|2E|24)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The seen-set of catalog streams, where one pass sees every item of a store: a chunked map per
 * store and stream (`<prefix>_seen_maps`, ADR 0106), so a pass of 10,000 offers appends about 20
 * documents of 500 entries and a read reads them back, instead of rewriting dozens of large
 * documents (FerretDB rewrites a whole document on any update). A store whose entries are still
 * in ADR 0096's buckets (`<prefix>_seen_buckets`, `legacyBuckets` per stream) has them moved into
 * its map at its first use, and the buckets deleted.
 */
function createChunkedSeenSet(options: {
  db: Db;
  prefix: string;
  pruneEveryMs?: number;
  now?: () => number;
  legacyBuckets: Readonly<Record<string, number>>;
  cache?: MapCache | undefined;
  digestEntries?: number | undefined;
}): Pick<PollStateStore, 'seen' | 'remember' | 'merge' | 'prune'> &
  Required<Pick<PollStateStore, 'unchanged'>> {
  const map = createChunkedMap<SeenEntry>(options.db, {
    name: `${options.prefix}_seen_maps`,
    merge: combineSeen,
    keep: keepSeen,
    ...(options.cache ? { cache: options.cache } : {}),
  });
  const buckets = options.db.collection<SeenBucketDocument>(`${options.prefix}_seen_buckets`);
  const now = options.now ?? Date.now;
  const pruneEveryMs = options.pruneEveryMs ?? DEFAULT_PRUNE_EVERY_MS;
  const lastPruned = new Map<string, number>();
  const moved = new Map<string, Promise<void>>();
  /** Whether ADR 0096's collection exists at all: asked once, not 64 reads per store. */
  let hasBuckets: Promise<boolean> | undefined;
  const ownerOf = (storeId: string, stream: string) => [storeId, stream].join('|');
  const digests = new SeenDigests(options.digestEntries ?? DEFAULT_SEEN_DIGEST_ENTRIES);

  /** Moves the store's ADR 0096 buckets into its map, once per process. */
  const moveBuckets = (storeId: string, stream: string) => {
    const owner = ownerOf(storeId, stream);
    let done = moved.get(owner);
    if (!done) {
      done = (async () => {
        if (!hasBuckets) {
          hasBuckets = options.db
            .listCollections({ name: buckets.collectionName }, { nameOnly: true })
            .hasNext();
          hasBuckets.catch(() => (hasBuckets = undefined));
        }
        if (!(await hasBuckets)) return;
        const ids = Array.from({ length: options.legacyBuckets[stream] ?? 0 }, (_, bucket) =>
          [storeId, stream, String(bucket)].join('|'),
        );
        const entries: MapEntry<SeenEntry>[] = [];
        const found: string[] = [];
        // One by `_id` each: a filter on anything else reads the whole collection in FerretDB.
        for (const _id of ids) {
          const doc = await buckets.findOne({ _id });
          if (!doc) continue;
          found.push(_id);
          for (const [field, entry] of Object.entries(doc.items))
            entries.push([itemIdOfSeenField(field), { ...entry, merged: true }]);
        }
        if (found.length === 0) return;
        // Written as merges: a pass that already wrote the map keeps its newer entries.
        await map.write(owner, entries);
        for (const _id of found) await buckets.deleteOne({ _id });
      })();
      moved.set(owner, done);
      done.catch(() => moved.delete(owner));
    }
    return done;
  };
  const write = async (
    storeId: string,
    stream: string,
    items: ReadonlyMap<string, SeenItem>,
    seenAt: Date,
    merged: boolean,
  ) => {
    if (items.size === 0) return;
    await moveBuckets(storeId, stream);
    const owner = ownerOf(storeId, stream);
    const entries: MapEntry<SeenEntry>[] = [...items].map(([id, item]) => [
      id,
      { version: item.version, marks: [...item.marks], seenAt, ...(merged ? { merged } : {}) },
    ]);
    const digest = digests.get(owner);
    const before = digest?.chunks;
    const after = await map.write(owner, entries);
    // The digest takes in this write when nothing else came between it and the write: the head's
    // chunks are the digest's and this write's own (another process's write, or a compaction,
    // is found by the next `unchanged` through `appendedSince`).
    if (
      digest &&
      before &&
      after &&
      digest.chunks === before &&
      after.length === before.length + map.chunksFor(entries.length) &&
      chunksStartWith(after, before)
    )
      digests.extend(owner, digest, entries.map(digestEntry), after);
  };

  return {
    async seen(storeId, stream, itemIds) {
      await moveBuckets(storeId, stream);
      const owner = ownerOf(storeId, stream);
      const { entries, chunks } = await map.read(owner);
      const digest = digests.get(owner);
      if (digests.enabled && !(digest && sameChunks(digest.chunks, chunks)))
        digests.put(owner, digestOf(entries, chunks));
      const out = new Map<string, SeenItem>();
      for (const id of itemIds) {
        const entry = entries.get(id);
        if (entry)
          out.set(id, {
            version: entry.version,
            marks: entry.marks,
            seenAt: new Date(instantOf(entry.seenAt)),
          });
      }
      return out;
    },
    async unchanged(storeId, stream, items, freshSince) {
      const owner = ownerOf(storeId, stream);
      const digest = digests.get(owner);
      if (!digest) return null;
      // What was written since the digest was made: this process's passes and any other's.
      const since = await map.appendedSince(owner, digest.chunks, DIGEST_APPENDED_CHUNKS);
      if (!since) {
        digests.drop(owner);
        return null;
      }
      digests.extend(owner, digest, since.appended.map(digestEntry), since.chunks);
      return items.map(([id, marks]) => digest.holds(id, marksHash(marks), freshSince));
    },
    remember: (storeId, stream, items, seenAt) => write(storeId, stream, items, seenAt, false),
    merge: (storeId, stream, items, seenAt) => write(storeId, stream, items, seenAt, true),
    async prune(storeId, stream, before) {
      const owner = ownerOf(storeId, stream);
      const last = lastPruned.get(owner);
      if (last !== undefined && now() - last < pruneEveryMs) return 0;
      lastPruned.set(owner, now());
      await moveBuckets(storeId, stream);
      const { entries } = await map.read(owner);
      const stale: MapEntry<SeenEntry>[] = [];
      for (const [id, entry] of entries)
        if (instantOf(entry.seenAt) < before.getTime()) stale.push([id, null]);
      // Removals are entries too: the next compaction drops them with what they remove.
      if (stale.length > 0) await map.write(owner, stale);
      return stale.length;
    },
  };
}

/** A digest of a read seen map: the read's entries as the digest takes them. */
function digestOf(entries: ReadonlyMap<string, SeenEntry>, chunks: readonly string[]): SeenDigest {
  function* rows(): Iterable<[string, DigestEntry]> {
    for (const [id, entry] of entries)
      yield [id, { marks: entry.marks, seenAt: instantOf(entry.seenAt) }];
  }
  return new SeenDigest(rows(), chunks);
}

/** A written seen entry as a digest takes it in: a merged one's marks are not known whole. */
const digestEntry = ([id, entry]: MapEntry<SeenEntry>) =>
  [
    id,
    entry && {
      marks: entry.marks,
      seenAt: instantOf(entry.seenAt),
      ...(entry.merged ? { unknown: true } : {}),
    },
  ] as const;

const sameChunks = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && chunksStartWith(a, b);
