import type { Binary, Db } from 'mongodb';
import { chunksOf, packEntries, unpackEntries } from '@msync/platform';
import type { DriftEntry, ReconciliationResult } from '../domain/reconcile.js';
import { fieldOf } from './inventory-state.js';

export const RECONCILIATION_COLLECTIONS = {
  runs: 'inventory_reconciliations',
  chunks: 'inventory_reconciliation_chunks',
  drift: 'inventory_drift',
} as const;

/** How long a finished reconciliation is remembered, so a late redelivery stays a duplicate. */
export const RECONCILIATION_RETENTION_MS = 30 * 24 * 3600_000;

interface RunDoc {
  _id: string;
  storeId: string;
  exportedAt: number;
  chunkCount: number;
  /**
   * `c<index>` → that chunk's offers, as runs begun before ADR 0167 kept them; dropped once the
   * outcomes are recorded. The chunks are {@link ChunkDoc}s now.
   */
  chunks?: Record<string, { shopSku: string; quantity: number }[]>;
  /**
   * `c<index>` → that chunk's number of offers, for every chunk in: whether the reconciliation is
   * complete is known without reading the chunks. Absent on a run begun before it was kept.
   */
  got?: Record<string, number>;
  result?: ReconciliationResult;
  outcomesRecorded?: boolean;
}

/**
 * One chunk of a reconciliation (ADR 0167), `_id` = `<storeId>|<reconciliationId>|c<index>`:
 * its offers as `[shop_sku, quantity]` pairs, packed as a map's chunk is. Removed once the
 * reconciliation's outcomes are recorded.
 */
interface ChunkDoc {
  _id: string;
  storeId: string;
  exportedAt: number;
  z: Binary;
}

/** Chunk documents read or removed at once. */
const CHUNK_CONCURRENCY = 8;

interface DriftDoc {
  _id: string;
  skus?: Record<string, DriftEntry>;
}

/** A reconciliation as far as its chunks arrived. */
export interface ReconciliationRun {
  exportedAt: number;
  chunkCount: number;
  /** Every chunk in: the number of Mirakl's offers; null while chunks are missing. */
  offers: number | null;
  saved: { result: ReconciliationResult; outcomesRecorded: boolean } | null;
}

/**
 * The applier's reconciliation state (ADR 0088): each reconciliation's chunk counts and result, one
 * document per reconciliation (`_id` = `<storeId>|<reconciliationId>`), its chunks one document
 * each (ADR 0167), and each store's drifting SKUs (`_id` = store id), all read and written by
 * `_id`.
 */
export interface Reconciliations {
  /**
   * Adds a chunk (again: no change) and returns the reconciliation as it stands, without its
   * chunks: a reconciliation is read whole only once, by `marketplace`.
   */
  addChunk(
    storeId: string,
    reconciliationId: string,
    chunk: { exportedAt: number; chunk: number; chunkCount: number; offers: ReconciliationChunk },
  ): Promise<ReconciliationRun>;
  /** Mirakl's quantities by `shop_sku`, every chunk of the reconciliation read. */
  marketplace(storeId: string, reconciliationId: string): Promise<Map<string, number>>;
  /** Saves the result unless one is saved; returns the saved one (the first decision wins). */
  saveResult(
    storeId: string,
    reconciliationId: string,
    result: ReconciliationResult,
  ): Promise<ReconciliationResult>;
  /** The outcomes are out: later chunks of it are duplicates; its chunks are dropped. */
  markOutcomesRecorded(storeId: string, reconciliationId: string): Promise<void>;
  drifting(storeId: string): Promise<Map<string, DriftEntry>>;
  /** Records the SKUs found drifting and removes the healed ones from the store's drift record. */
  recordDrift(
    storeId: string,
    drifted: readonly DriftEntry[],
    healed: readonly string[],
  ): Promise<void>;
  /** Forgets the store's reconciliations that ended before `before` (epoch ms). */
  prune(storeId: string, before: number): Promise<number>;
}

export type ReconciliationChunk = readonly { shopSku: string; quantity: number }[];

const runId = (storeId: string, reconciliationId: string) => `${storeId}|${reconciliationId}`;
const chunkId = (run: string, chunk: number) => `${run}|c${chunk}`;

export function createReconciliations(db: Db): Reconciliations {
  const runs = db.collection<RunDoc>(RECONCILIATION_COLLECTIONS.runs);
  const chunkDocs = db.collection<ChunkDoc>(RECONCILIATION_COLLECTIONS.chunks);
  const drift = db.collection<DriftDoc>(RECONCILIATION_COLLECTIONS.drift);
  /**
   * Runs `task` for each of a run's chunk ids, a few at once: each a command by `_id`, which
   * FerretDB answers from the one document (an `$in` would have it read every chunk kept).
   */
  const eachChunk = async (run: string, count: number, task: (id: string) => Promise<unknown>) => {
    const ids = Array.from({ length: count }, (_, i) => chunkId(run, i));
    for (const group of chunksOf(ids, CHUNK_CONCURRENCY)) await Promise.all(group.map(task));
  };
  /** Everything of a run but its chunks. */
  const withoutChunks = { projection: { chunks: 0 } } as const;
  const runOf = (doc: RunDoc | null): ReconciliationRun => {
    const saved =
      doc?.result === undefined
        ? null
        : { result: doc.result, outcomesRecorded: doc.outcomesRecorded === true };
    const got = doc?.got ?? {};
    const complete =
      doc !== null &&
      Array.from({ length: doc.chunkCount }, (_, i) => `c${i}`).every((c) => c in got);
    return {
      exportedAt: doc?.exportedAt ?? 0,
      chunkCount: doc?.chunkCount ?? 0,
      offers: complete ? Object.values(got).reduce((sum, n) => sum + n, 0) : null,
      saved,
    };
  };
  return {
    async addChunk(storeId, reconciliationId, chunk) {
      const _id = runId(storeId, reconciliationId);
      const existing = await runs.findOne({ _id }, withoutChunks);
      // Finished: a redelivered chunk changes nothing (its chunks are gone on purpose).
      if (existing?.outcomesRecorded) return runOf(existing);
      // Begun before `got` was kept: its chunks in so far are counted once, from the chunks.
      const earlier =
        existing && existing.got === undefined
          ? Object.fromEntries(
              Object.entries((await runs.findOne({ _id }))?.chunks ?? {}).map(([c, offers]) => [
                `got.${c}`,
                offers.length,
              ]),
            )
          : {};
      // The chunk first, then its count: the run is complete only once its chunks are all kept.
      await chunkDocs.replaceOne(
        { _id: chunkId(_id, chunk.chunk) },
        {
          storeId,
          exportedAt: chunk.exportedAt,
          z: packEntries(chunk.offers.map((o) => [o.shopSku, o.quantity] as const)),
        },
        { upsert: true },
      );
      await runs.updateOne(
        { _id },
        {
          $set: { ...earlier, [`got.c${chunk.chunk}`]: chunk.offers.length },
          $setOnInsert: { storeId, exportedAt: chunk.exportedAt, chunkCount: chunk.chunkCount },
        },
        { upsert: true },
      );
      return runOf(await runs.findOne({ _id }, withoutChunks));
    },
    async marketplace(storeId, reconciliationId) {
      const _id = runId(storeId, reconciliationId);
      const doc = await runs.findOne({ _id }, { projection: { chunks: 1, chunkCount: 1 } });
      const marketplace = new Map<string, number>();
      // Chunks a run begun before ADR 0167 kept in its document, then those kept on their own.
      for (const offers of Object.values(doc?.chunks ?? {}))
        for (const o of offers) marketplace.set(o.shopSku, o.quantity);
      await eachChunk(_id, doc?.chunkCount ?? 0, async (id) => {
        const chunk = await chunkDocs.findOne({ _id: id });
        if (chunk)
          for (const [shopSku, quantity] of unpackEntries<number>(chunk.z))
            marketplace.set(shopSku, quantity ?? 0);
      });
      return marketplace;
    },
    async saveResult(storeId, reconciliationId, result) {
      const _id = runId(storeId, reconciliationId);
      await runs.updateOne({ _id, result: { $exists: false } }, { $set: { result } });
      const doc = await runs.findOne({ _id });
      return doc?.result ?? result;
    },
    async markOutcomesRecorded(storeId, reconciliationId) {
      const _id = runId(storeId, reconciliationId);
      // No projection: FerretDB's findAndModify takes none (the document is small since ADR 0167).
      const doc = await runs.findOneAndUpdate(
        { _id },
        { $set: { outcomesRecorded: true }, $unset: { chunks: '' } },
      );
      // Once marked: a run that stops between the two leaves chunks that `prune` removes.
      await eachChunk(_id, doc?.chunkCount ?? 0, (id) => chunkDocs.deleteOne({ _id: id }));
    },
    async drifting(storeId) {
      const doc = await drift.findOne({ _id: storeId });
      return new Map(Object.values(doc?.skus ?? {}).map((entry) => [entry.sku, entry]));
    },
    async recordDrift(storeId, drifted, healed) {
      if (drifted.length === 0 && healed.length === 0) return;
      const set: Record<string, DriftEntry> = {};
      for (const entry of drifted) set[`skus.${fieldOf(entry.sku)}`] = entry;
      const unset: Record<string, ''> = {};
      for (const sku of healed) unset[`skus.${fieldOf(sku)}`] = '';
      await drift.updateOne(
        { _id: storeId },
        { ...(drifted.length ? { $set: set } : {}), ...(healed.length ? { $unset: unset } : {}) },
        { upsert: true },
      );
    },
    async prune(storeId, before) {
      // A scan (FerretDB) over a small collection: about one document per store and day.
      const removed = await runs.deleteMany({
        storeId,
        exportedAt: { $lt: before },
        outcomesRecorded: true,
      });
      // Chunks a run left when it stopped between being marked and removing them, and those of
      // a reconciliation that never completed: neither is read again after the retention.
      await chunkDocs.deleteMany({ storeId, exportedAt: { $lt: before } });
      return removed.deletedCount;
    },
  };
}
