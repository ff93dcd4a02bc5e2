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
  /** Every chunk in: Mirakl's quantities by `shop_sku`; null while chunks are missing. */
  marketplace: Map<string, number> | null;
  saved: { result: ReconciliationResult; outcomesRecorded: boolean } | null;
}

/**
 * The applier's reconciliation state (ADR 0088): each reconciliation's chunks and result, one
 * document per reconciliation (`_id` = `<storeId>|<reconciliationId>`), and each store's drifting
 * SKUs (`_id` = store id), both read and written by `_id`.
 */
export interface Reconciliations {
  /** Adds a chunk (again: no change) and returns the reconciliation as it stands. */
  addChunk(
    storeId: string,
    reconciliationId: string,
    chunk: { exportedAt: number; chunk: number; chunkCount: number; offers: ReconciliationChunk },
  ): Promise<ReconciliationRun>;
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
  const runOf = (doc: RunDoc | null): ReconciliationRun => {
    const saved =
      doc?.result === undefined
        ? null
        : { result: doc.result, outcomesRecorded: doc.outcomesRecorded === true };
    const chunks = doc?.chunks ?? {};
    const complete =
      doc !== null &&
      Array.from({ length: doc.chunkCount }, (_, i) => `c${i}`).every((c) => c in chunks);
    return {
      exportedAt: doc?.exportedAt ?? 0,
      chunkCount: doc?.chunkCount ?? 0,
      marketplace: complete
        ? new Map(
            Object.values(chunks).flatMap((offers) => offers.map((o) => [o.shopSku, o.quantity])),
          )
        : null,
      saved,
    };
  };
  return {
    async addChunk(storeId, reconciliationId, chunk) {
      const _id = runId(storeId, reconciliationId);
      const existing = await runs.findOne({ _id });
      // Finished: a redelivered chunk changes nothing (its chunks are gone on purpose).
      if (existing?.outcomesRecorded) return runOf(existing);
      await runs.updateOne(
        { _id },
        {
          $set: { [`chunks.c${chunk.chunk}`]: [...chunk.offers] },
          $setOnInsert: { storeId, exportedAt: chunk.exportedAt, chunkCount: chunk.chunkCount },
        },
        { upsert: true },
      );
      return runOf(await runs.findOne({ _id }));
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
