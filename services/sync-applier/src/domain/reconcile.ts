import { outcomeOf, type Outcome, type OutcomeBase } from './decision.js';
import { inventoryGate, quantityOf, type PushedStock, type SkuStock } from './inventory.js';
import type { StoreConfig } from './store-config.js';

/** Mirakl's quantities of one full export, every chunk in (ADR 0088). */
export interface StockReconciliation {
  storeId: string;
  reconciliationId: string;
  /** When the export was requested: an import recorded after it may not show in it. */
  exportedAt: number;
  /** `shop_sku` → the quantity Mirakl shows. */
  marketplace: ReadonlyMap<string, number>;
}

/** A SKU found drifting at a reconciliation, as the store's drift record keeps it. */
export interface DriftEntry {
  sku: string;
  /** The export that found it: a fix pushed after this time, found drifting again, persists. */
  exportedAt: number;
  marketplace: number;
  computed: number;
}

/** One SKU whose Mirakl quantity differs from what the product computes and took as sent. */
export interface DriftedSku {
  sku: string;
  marketplace: number;
  computed: number;
  /** It drifted before, a fix was sent since, and it drifts again. */
  persistent: boolean;
}

/** What a reconciliation found; saved before anything changes, so a redelivery reuses it. */
export interface ReconciliationResult {
  /** SKUs whose Mirakl quantity was compared with the product's. */
  compared: number;
  /** Offer SKUs not compared: the product has a different quantity on its way (next import). */
  pending: number;
  drifted: DriftedSku[];
  /** SKUs of the drift record that now match: no longer drifting. */
  healed: string[];
}

export interface ReconciliationState {
  levels: readonly SkuStock[];
  offers: ReadonlySet<string>;
  pushed: PushedStock;
  /** SKUs found drifting at earlier reconciliations and not healed since. */
  drifting: ReadonlyMap<string, DriftEntry>;
  /** This reconciliation's result, when it was already decided (a redelivery). */
  saved: { result: ReconciliationResult; outcomesRecorded: boolean } | null;
}

export type ReconciliationDecision =
  /** The store's configuration was not read yet: try again later, never skip. */
  | { type: 'retry'; reason: string; message: string }
  /** Gate closed: SKIPPED, nothing compared or changed. */
  | { type: 'skip'; outcome: Outcome }
  /** Decided and recorded before: nothing more. */
  | { type: 'duplicate' }
  /**
   * Save the result (unless `resumed`: it is saved), forget the drifted SKUs' pushed quantities
   * (the next cycle's import carries them), keep the drift record, record the outcomes.
   */
  | {
      type: 'reconcile';
      result: ReconciliationResult;
      resumed: boolean;
      outcomes: Outcome[];
    };

/** What is wrong with a chunk's place in its reconciliation (null: nothing); such a chunk can never complete one. */
export function chunkProblem(chunk: { chunk: number; chunkCount: number }): string | null {
  if (!Number.isInteger(chunk.chunkCount) || chunk.chunkCount < 1)
    return `chunkCount ${chunk.chunkCount} is not a positive count`;
  if (!Number.isInteger(chunk.chunk) || chunk.chunk < 0 || chunk.chunk >= chunk.chunkCount)
    return `chunk ${chunk.chunk} is outside 0…${chunk.chunkCount - 1}`;
  return null;
}

/** How many drifted SKUs the reconciliation's activity entry names; the rest are counted. */
export const LISTED_SKUS = 20;

/** Effect key and outcome skeleton of one reconciliation. */
export function reconcileBase(reconciliationId: string): OutcomeBase {
  return {
    flow: 'inventory',
    action: 'reconcile-stock',
    effectKey: `reconcile:${reconciliationId}`,
    target: 'MIRAKL',
    miraklOrderId: '',
    subjectId: reconciliationId,
  };
}

/**
 * Compares Mirakl's quantities with the product's, SKU by SKU, for the store's offers that are
 * active and not digital and have ShipBob levels. A SKU is compared only when the product takes
 * its quantity `max(0, fulfillable − exception − buffer)` as already sent, with the current
 * buffer, before the export was requested; otherwise the next import changes it anyway
 * (`pending`). Drift: Mirakl shows something else. Persistent: it drifted before, a fix was sent
 * after that, and it drifts again.
 */
export function compareStock(
  reconciliation: StockReconciliation,
  buffer: number,
  state: Pick<ReconciliationState, 'levels' | 'offers' | 'pushed' | 'drifting'>,
): ReconciliationResult {
  const result: ReconciliationResult = { compared: 0, pending: 0, drifted: [], healed: [] };
  for (const level of state.levels) {
    if (!state.offers.has(level.sku) || level.digital || !level.active) continue;
    const marketplace = reconciliation.marketplace.get(level.sku);
    // Not in a full export: inactive on the marketplace, nothing there to compare.
    if (marketplace === undefined) continue;
    const computed = quantityOf(level, buffer);
    const sentAt = state.pushed.at?.get(level.sku);
    const taken =
      state.pushed.buffer === buffer &&
      state.pushed.quantities.get(level.sku) === computed &&
      sentAt !== undefined &&
      sentAt <= reconciliation.exportedAt;
    if (!taken) {
      result.pending++;
      continue;
    }
    result.compared++;
    const before = state.drifting.get(level.sku);
    if (marketplace === computed) {
      if (before) result.healed.push(level.sku);
      continue;
    }
    const persistent = before !== undefined && sentAt > before.exportedAt;
    result.drifted.push({ sku: level.sku, marketplace, computed, persistent });
  }
  result.drifted.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  result.healed.sort();
  return result;
}

/**
 * What a store does once every chunk of a reconciliation is in: gated like Sync Inventory
 * (SKIPPED when closed), decided once (a saved result is reused, never recomputed: after its
 * drifted SKUs were forgotten, a second comparison would find them pending and flag nothing).
 */
export function decideReconciliation(
  reconciliation: StockReconciliation,
  config: StoreConfig | undefined,
  state: ReconciliationState,
): ReconciliationDecision {
  const base = reconcileBase(reconciliation.reconciliationId);
  const gate = inventoryGate(reconciliation.storeId, config, base);
  if (gate.type !== 'open') return gate;
  if (state.saved?.outcomesRecorded) return { type: 'duplicate' };
  const result =
    state.saved?.result ?? compareStock(reconciliation, gate.config.inventoryBuffer, state);
  return {
    type: 'reconcile',
    result,
    resumed: state.saved !== null,
    outcomes: reconciliationOutcomes(base, result),
  };
}

/**
 * The activity of a reconciliation: one entry for the store (APPLIED: no drift, or the drifted
 * SKUs listed, each sent again with the next import), and one FAILED `persistent-drift` per SKU
 * that drifts again after a fix (someone or something else sets its quantity in Mirakl; a person
 * must look). Per-SKU entries for every drift would flood the activity when, say, a stock file
 * was uploaded in Mirakl's back office.
 */
export function reconciliationOutcomes(base: OutcomeBase, result: ReconciliationResult): Outcome[] {
  const externalIds = {
    compared: String(result.compared),
    pending: String(result.pending),
    drifted: String(result.drifted.length),
    persistent: String(result.drifted.filter((d) => d.persistent).length),
  };
  const listed = result.drifted
    .slice(0, LISTED_SKUS)
    .map((d) => `${d.sku} (Mirakl ${d.marketplace}, computed ${d.computed})`);
  const more = result.drifted.length - listed.length;
  const detail =
    result.drifted.length === 0
      ? `no drift: Mirakl shows the computed quantity of all ${result.compared} SKUs compared` +
        (result.pending > 0 ? ` (${result.pending} more go with the next import)` : '')
      : `${result.drifted.length} of ${result.compared} SKUs drift, sent again with the next import: ` +
        listed.join(', ') +
        (more > 0 ? ` and ${more} more` : '');
  const summary = outcomeOf(base, 'APPLIED', {
    reason: result.drifted.length === 0 ? null : 'drift',
    detail,
    externalIds,
  });
  const persistent = result.drifted
    .filter((d) => d.persistent)
    .map((d) =>
      outcomeOf({ ...base, effectKey: `${base.effectKey}:${d.sku}`, subjectId: d.sku }, 'FAILED', {
        reason: 'persistent-drift',
        detail:
          `Mirakl shows ${d.marketplace} for ${d.sku} where the product computes ${d.computed}, ` +
          'again after the corrected quantity was sent: something else sets this offer’s ' +
          'quantity in Mirakl (back office, another integration)',
        externalIds: { marketplace: String(d.marketplace), computed: String(d.computed) },
      }),
    );
  return [summary, ...persistent];
}
