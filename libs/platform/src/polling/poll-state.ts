import type { AnyBulkWriteOperation, Db } from 'mongodb';

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

/** The later of two cursors; null only when both are. */
export function laterCursor(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

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
   * Streams whose seen-set is a whole catalog (stream → bucket count): their entries live in
   * `<prefix>_seen_buckets`, a few documents per store instead of one per item (ADR 0096).
   */
  bucketedStreams?: Readonly<Record<string, number>>;
}): PollStateStore {
  const perItem = createPerItemPollState(options);
  const bucketed = options.bucketedStreams ?? {};
  if (Object.keys(bucketed).length === 0) return perItem;
  const buckets = createBucketedSeenSet({ ...options, bucketedStreams: bucketed });
  const of = (stream: string) => (stream in bucketed ? buckets : perItem);
  return {
    cursor: (storeId, stream) => perItem.cursor(storeId, stream),
    saveCursor: (storeId, stream, pass) => perItem.saveCursor(storeId, stream, pass),
    seen: (storeId, stream, itemIds) => of(stream).seen(storeId, stream, itemIds),
    remember: (storeId, stream, items, seenAt) =>
      of(stream).remember(storeId, stream, items, seenAt),
    merge: (storeId, stream, items, seenAt) => of(stream).merge(storeId, stream, items, seenAt),
    async prune(storeId, stream, before) {
      if (!(stream in bucketed)) return perItem.prune(storeId, stream, before);
      // Entries written per item before the stream was bucketed are pruned as before.
      const [old, current] = await Promise.all([
        perItem.prune(storeId, stream, before),
        buckets.prune(storeId, stream, before),
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
        if (doc) out.set(doc.itemId, { version: doc.version, marks: doc.marks });
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
      const _id = id(storeId, stream);
      // One writer per store and stream at a time (the poll lease), so read-then-write is safe.
      const current = await cursors.findOne({ _id });
      await cursors.replaceOne(
        { _id },
        {
          storeId,
          stream,
          cursor: laterCursor(current?.cursor ?? null, pass.cursor),
          lastPassStartedAt: pass.startedAt,
          updatedAt: new Date(),
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

interface SeenBucketEntry {
  version: number;
  marks: string[];
  seenAt: Date;
}

interface SeenBucketDocument {
  _id: string;
  items: Record<string, SeenBucketEntry>;
}

/** A field name for any item id: `.` and `$` cannot be part of one, `%` escapes them. */
export function seenFieldOf(itemId: string): string {
  return itemId.replace(/[%.$]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The bucket of an item: FNV-1a of its id, so that a store's items spread evenly. */
export function seenBucketOf(itemId: string, buckets: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < itemId.length; i++) {
    hash ^= itemId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % buckets;
}

/**
 * The seen-set of catalog streams, where one pass sees every item of a store: items spread over
 * a fixed number of bucket documents per store and stream (`_id` = `store|stream|bucket`), so a
 * pass of 10,000 offers reads and writes a few dozen documents by `_id` instead of 10,000.
 * Only the poll lease's holder writes a store's stream, and a bucket is written with one
 * `updateOne` of the changed fields, so no write undoes another's items.
 */
function createBucketedSeenSet(options: {
  db: Db;
  prefix: string;
  pruneEveryMs?: number;
  now?: () => number;
  bucketedStreams: Readonly<Record<string, number>>;
}): Pick<PollStateStore, 'seen' | 'remember' | 'merge' | 'prune'> {
  const docs = options.db.collection<SeenBucketDocument>(`${options.prefix}_seen_buckets`);
  const now = options.now ?? Date.now;
  const pruneEveryMs = options.pruneEveryMs ?? DEFAULT_PRUNE_EVERY_MS;
  const lastPruned = new Map<string, number>();
  const bucketId = (storeId: string, stream: string, bucket: number) =>
    [storeId, stream, String(bucket)].join('|');
  const count = (stream: string) => options.bucketedStreams[stream] ?? 1;
  /** Items (or ids) by the bucket of their id. */
  const byBucket = <T>(stream: string, items: Iterable<T>, idOf: (item: T) => string) => {
    const out = new Map<number, T[]>();
    for (const item of items) {
      const bucket = seenBucketOf(idOf(item), count(stream));
      const list = out.get(bucket);
      if (list) list.push(item);
      else out.set(bucket, [item]);
    }
    return out;
  };
  const entryId = ([id]: [string, SeenItem]) => id;
  const read = (storeId: string, stream: string, bucket: number) =>
    docs.findOne({ _id: bucketId(storeId, stream, bucket) });

  return {
    async seen(storeId, stream, itemIds) {
      const out = new Map<string, SeenItem>();
      const grouped = byBucket(stream, new Set(itemIds), (id) => id);
      await Promise.all(
        [...grouped].map(async ([bucket, ids]) => {
          const doc = await read(storeId, stream, bucket);
          for (const id of ids) {
            const entry = doc?.items[seenFieldOf(id)];
            if (entry) out.set(id, { version: entry.version, marks: entry.marks });
          }
        }),
      );
      return out;
    },
    async remember(storeId, stream, items, seenAt) {
      await Promise.all(
        [...byBucket(stream, items, entryId)].map(([bucket, entries]) => {
          const set: Record<string, SeenBucketEntry> = {};
          for (const [id, item] of entries)
            set[`items.${seenFieldOf(id)}`] = {
              version: item.version,
              marks: [...item.marks],
              seenAt,
            };
          return docs.updateOne(
            { _id: bucketId(storeId, stream, bucket) },
            { $set: set },
            { upsert: true },
          );
        }),
      );
    },
    async merge(storeId, stream, items, seenAt) {
      // Read, combine, write: a bucket holds no array operators per item. The poll lease keeps
      // passes apart; a racing merge loses at most marks a later pass records again.
      await Promise.all(
        [...byBucket(stream, items, entryId)].map(async ([bucket, entries]) => {
          const doc = await read(storeId, stream, bucket);
          const set: Record<string, SeenBucketEntry> = {};
          for (const [id, item] of entries) {
            const current = doc?.items[seenFieldOf(id)];
            set[`items.${seenFieldOf(id)}`] = {
              version: Math.max(current?.version ?? item.version, item.version),
              marks: [...new Set([...(current?.marks ?? []), ...item.marks])],
              seenAt,
            };
          }
          await docs.updateOne(
            { _id: bucketId(storeId, stream, bucket) },
            { $set: set },
            { upsert: true },
          );
        }),
      );
    },
    async prune(storeId, stream, before) {
      const key = [storeId, stream].join('|');
      const last = lastPruned.get(key);
      if (last !== undefined && now() - last < pruneEveryMs) return 0;
      lastPruned.set(key, now());
      let removed = 0;
      for (let bucket = 0; bucket < count(stream); bucket++) {
        const doc = await read(storeId, stream, bucket);
        const unset: Record<string, ''> = {};
        for (const [field, entry] of Object.entries(doc?.items ?? {}))
          if (entry.seenAt.getTime() < before.getTime()) unset[`items.${field}`] = '';
        const fields = Object.keys(unset).length;
        if (fields === 0) continue;
        await docs.updateOne({ _id: bucketId(storeId, stream, bucket) }, { $unset: unset });
        removed += fields;
      }
      return removed;
    },
  };
}
