import { randomUUID } from 'node:crypto';
import type { PollPassInput } from '@msync/platform';
import { publishFacts } from '@msync/polling';
import type { MiraklFact } from './domain/facts.js';
import { inventoryFlowOpen, stockFacts } from './domain/stock-facts.js';
import { STOCK_FACT_TOPICS } from './fact-topics.js';
import { readCatalog, type OffersPassDeps } from './offers-pass.js';
import { claimSlot, storeAccess, type MiraklPassDeps } from './store-access.js';

/** The stream of an on-demand stock reconciliation (`POST /v1/stores/{id}/reconcile`). */
export const RECONCILE = 'reconcile';

/** Publishes a reconciliation's chunks, in order, under the request's correlation id. */
export async function publishStock(
  deps: MiraklPassDeps,
  input: PollPassInput,
  facts: Extract<MiraklFact, { topic: 'stockObserved' }>[],
): Promise<void> {
  const correlationId = input.demand.correlationId ?? randomUUID();
  await publishFacts(deps.publisher, STOCK_FACT_TOPICS, facts, {
    storeId: input.storeId,
    source: deps.source,
    correlationId,
    causationId: input.demand.requestId ?? null,
  });
  deps.metrics.factsEmitted.inc({ type: 'stockObserved' }, facts.length);
  deps.logger.info('stock read for reconciliation', {
    storeId: input.storeId,
    correlationId,
    reconciliationId: facts[0]?.body.reconciliationId,
    offers: facts.reduce((n, f) => n + f.body.offers.length, 0),
    chunks: facts.length,
  });
}

/**
 * An on-demand stock reconciliation (ADR 0088): one full OF52 export (OF21 where the store refuses
 * exports), claimed through the shop's OF52 slot of the shared gate like every export, its
 * quantities published as `MiraklStockObserved` chunks. It touches neither the offers cursor nor
 * the fingerprints: the offers stream stays as it was. Nothing is read while Sync Inventory is
 * off or ShipBob is not configured.
 */
export function reconcilePass(deps: OffersPassDeps, exportsRefusedAt: Map<string, number>) {
  return async (input: PollPassInput): Promise<void> => {
    const { storeId } = input;
    const config = deps.configs.get(storeId);
    if (!config || !inventoryFlowOpen(config)) {
      deps.logger.info('Sync Inventory is off or ShipBob not configured; stock not reconciled', {
        storeId,
      });
      return;
    }
    const access = await storeAccess(deps, storeId, RECONCILE);
    if (!access) return;
    // A full export: one of the process's large-pass slots from its download on (ADR 0094, 0112).
    const slot = deps.largePasses.hold();
    try {
      await claimSlot(deps, access.shop, 'OF52', deps.of52IntervalMs);
      // The export's time as the product compares it: when it was asked for (the client's
      // `exportedAt` is earlier by its clock margin, for differentials, and would hide every push).
      const requestedAt = new Date(deps.now());
      const catalog = await readCatalog(deps, access, storeId, null, exportsRefusedAt, slot.take);
      await publishStock(deps, input, stockFacts(storeId, catalog.offers, requestedAt));
    } finally {
      slot.release();
    }
  };
}
