import type { ConsumedEventOf, EventEnvelope } from '@msync/events';
import { PermanentError, RetriableError } from '@msync/platform';
import {
  chunkProblem,
  decideReconciliation,
  type ReconciliationResult,
} from './domain/reconcile.js';
import { RECONCILIATION_RETENTION_MS, type ReconciliationRun } from './adapters/reconciliations.js';
import type { InSlot, InventoryFlowDeps } from './inventory-flow.js';

/**
 * Stock reconciliation (ADR 0088): each `MiraklStockObserved` chunk is kept; the chunk that
 * completes a reconciliation decides it once (`decideReconciliation`): the result is saved first,
 * then the drifted SKUs' pushed quantities are forgotten (the next cycle's one import carries
 * them), the drift record kept, the outcomes recorded, and only then the reconciliation marked
 * finished. Every step can run again after a crash with the same effect. A reconciliation holds
 * two catalogs (the map, Mirakl's quantities), both read in `inSlot`, one of the process's slots
 * for catalog-sized phases, by the SKUs compared (ADR 0143); until then it holds only the chunk
 * counts (ADR 0144).
 */
export function createReconcileFlow(deps: InventoryFlowDeps, inSlot: InSlot = (phase) => phase()) {
  const { configs, state, reconciliations, record, metrics, logger } = deps;
  const counted = (result: string) => metrics.inventoryReconciliations.inc({ result });

  return async (fact: ConsumedEventOf<'stockObserved'>): Promise<void> => {
    const value = fact.value;
    const { storeId } = value.envelope;
    const { reconciliationId } = value;
    const problem = chunkProblem(value);
    if (problem)
      throw new PermanentError(`stock chunk of ${reconciliationId}: ${problem}`, {
        reason: 'bad-payload',
      });
    const run = await reconciliations.addChunk(storeId, reconciliationId, {
      exportedAt: value.exportedAt,
      chunk: value.chunk,
      chunkCount: value.chunkCount,
      offers: value.offers,
    });
    if (run.saved?.outcomesRecorded) {
      counted('duplicate');
      return;
    }
    if (run.offers === null) return; // more chunks to come, on the same partition
    // Mirakl's quantities are read in the slot: a reconciliation waiting for it holds none.
    await inSlot(() => reconcile(fact, run), run.offers);
  };

  async function reconcile(
    fact: ConsumedEventOf<'stockObserved'>,
    run: ReconciliationRun,
  ): Promise<void> {
    const value = fact.value;
    const { storeId } = value.envelope;
    const { reconciliationId } = value;
    const [{ levels, offers, pushed }, drifting, marketplace] = await Promise.all([
      state.snapshot(storeId),
      reconciliations.drifting(storeId),
      reconciliations.marketplace(storeId, reconciliationId),
    ]);
    const decision = decideReconciliation(
      {
        storeId,
        reconciliationId,
        exportedAt: run.exportedAt,
        marketplace,
      },
      configs.get(storeId),
      { levels, offers, pushed, drifting, saved: run.saved },
    );
    // Outcomes are the reconciliation's, not one chunk's: whichever chunk completes it (or comes
    // again after a crash), the activity gets the same entries once.
    const source: { envelope: EventEnvelope } = {
      envelope: {
        ...value.envelope,
        idempotencyKey: `mirakl:${storeId}:stock:${reconciliationId}`,
      },
    };
    switch (decision.type) {
      case 'retry':
        throw new RetriableError(decision.message, { reason: decision.reason });
      case 'skip':
        await record(decision.outcome, source);
        await reconciliations.markOutcomesRecorded(storeId, reconciliationId);
        counted('skipped');
        return;
      case 'duplicate':
        counted('duplicate');
        return;
      case 'reconcile': {
        const result: ReconciliationResult = decision.resumed
          ? decision.result
          : await reconciliations.saveResult(storeId, reconciliationId, decision.result);
        const drifted = result.drifted.map((d) => d.sku);
        await state.forgetPushedSkus(storeId, drifted);
        await reconciliations.recordDrift(
          storeId,
          result.drifted.map((d) => ({ ...d, exportedAt: run.exportedAt })),
          result.healed,
        );
        for (const outcome of decision.outcomes) await record(outcome, source);
        await reconciliations.markOutcomesRecorded(storeId, reconciliationId);
        await reconciliations.prune(storeId, run.exportedAt - RECONCILIATION_RETENTION_MS);
        const persistent = result.drifted.filter((d) => d.persistent).length;
        metrics.inventoryDriftSkus.inc({ kind: 'drift' }, result.drifted.length - persistent);
        metrics.inventoryDriftSkus.inc({ kind: 'persistent' }, persistent);
        metrics.inventoryDriftingSkus.set({ store: storeId }, result.drifted.length);
        counted(result.drifted.length === 0 ? 'clean' : 'drift');
        logger.info('stock reconciled', {
          storeId,
          reconciliationId,
          compared: result.compared,
          pending: result.pending,
          drifted: result.drifted.length,
          persistent,
        });
        return;
      }
      default: {
        const never: never = decision;
        throw new Error(`unhandled decision ${JSON.stringify(never)}`);
      }
    }
  }
}
