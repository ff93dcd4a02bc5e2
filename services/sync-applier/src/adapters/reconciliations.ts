import type { Db } from 'mongodb';
import type { DriftEntry, ReconciliationResult } from '../domain/reconcile.js';
import { fieldOf } from './inventory-state.js';

export const RECONCILIATION_COLLECTIONS = {
  runs: 'inventory_reconciliations',
  drift: 'inventory_drift',
} as const;

/** How long a finished reconciliation is remembered, so a late redelivery stays a duplicate. */
export const RECONCILIATION_RETENTION_MS = 30 * 24 * 3600_000;

interface RunDoc {
  _id: string;
  storeId: string;
  exportedAt: number;
  chunkCount: number;
  /** `c<index>` → that chunk's offers; dropped once the outcomes are recorded. */
  chunks?: Record<string, { shopSku: string; quantity: number }[]>;
  /**
   * `c<index>` → that chunk's number of offers, for every chunk in: whether the reconciliation is
   * complete is known without reading the chunks. Absent on a run begun before it was kept.
   */
  got?: Record<string, number>;
  result?: ReconciliationResult;
  outcomesRecorded?: boolean;
}

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
 * The applier's reconciliation state (ADR 0088): each reconciliation's chunks and result, one
 * document per reconciliation (`_id` = `<storeId>|<reconciliationId>`), and each store's drifting
 * SKUs (`_id` = store id), both read and written by `_id`.
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

export function createReconciliations(db: Db): Reconciliations {
  const runs = db.collection<RunDoc>(RECONCILIATION_COLLECTIONS.runs);
  const drift = db.collection<DriftDoc>(RECONCILIATION_COLLECTIONS.drift);
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
      await runs.updateOne(
        { _id },
        {
          $set: {
            ...earlier,
            [`chunks.c${chunk.chunk}`]: [...chunk.offers],
            [`got.c${chunk.chunk}`]: chunk.offers.length,
          },
          $setOnInsert: { storeId, exportedAt: chunk.exportedAt, chunkCount: chunk.chunkCount },
        },
        { upsert: true },
      );
      return runOf(await runs.findOne({ _id }, withoutChunks));
    },
    async marketplace(storeId, reconciliationId) {
      const doc = await runs.findOne(
        { _id: runId(storeId, reconciliationId) },
        { projection: { chunks: 1 } },
      );
      const marketplace = new Map<string, number>();
      for (const offers of Object.values(doc?.chunks ?? {}))
        for (const o of offers) marketplace.set(o.shopSku, o.quantity);
      return marketplace;
    },
    async saveResult(storeId, reconciliationId, result) {
      const _id = runId(storeId, reconciliationId);
      await runs.updateOne({ _id, result: { $exists: false } }, { $set: { result } });
      const doc = await runs.findOne({ _id });
      return doc?.result ?? result;
    },
    async markOutcomesRecorded(storeId, reconciliationId) {
      await runs.updateOne(
        { _id: runId(storeId, reconciliationId) },
        { $set: { outcomesRecorded: true }, $unset: { chunks: '' } },
      );
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
      return removed.deletedCount;
    },
  };
}
