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
