import type { ConsumedEventOf } from '@msync/events';
import {
  RetriableError,
  classifyError,
  createPassLimit,
  outsideDeadline,
  errorMessage,
  errorReason,
  type Logger,
  type PassLimit,
} from '@msync/platform';
import { outcomeOf } from './domain/decision.js';
import {
  decideInventoryCycle,
  decideWithIndex,
  decideWithoutMap,
  importOutcomes,
  importProgress,
  inventoryBase,
  NO_IMPORT,
  quietMarkOf,
  type InventoryCycle,
  type InventoryCycleDecision,
  type QuietMark,
} from './domain/inventory.js';
import {
  indexAfterPush,
  indexAfterWrite,
  quantitiesAfterPush,
  stockIndexOf,
  type StockIndex,
} from './domain/stock-index.js';
import type { LedgerEntry } from './domain/decision.js';
import type { StockIndexes } from './adapters/stock-indexes.js';
import { importedCycle, pushedResults } from './domain/catalog.js';
import { createCatalogBatches } from './adapters/catalog-batches.js';
import type { CatalogView } from './adapters/catalog-view.js';
import type { EffectsLedger } from './adapters/effects-ledger.js';
import type { InventoryState } from './adapters/inventory-state.js';
import type { Reconciliations } from './adapters/reconciliations.js';
import { createReconcileFlow } from './reconcile-flow.js';
import type { OutcomeRecorder } from './adapters/outcomes.js';
import type { StoreConfigs } from './adapters/store-configs.js';
import type { Vendors } from './adapters/vendors.js';
import type { Delivery, Fact } from './applier.js';
import type { ApplierMetrics } from './metrics.js';

export interface InventoryFlowDeps {
  configs: StoreConfigs;
  ledger: EffectsLedger;
  vendors: Vendors;
  state: InventoryState;
  /** Stock reconciliation (ADR 0088): chunks, results and the drift record. */
  reconciliations: Reconciliations;
  record: OutcomeRecorder;
  metrics: ApplierMetrics;
  logger: Logger;
  /** The seller's view: each cycle's end and what each line became (ADR 0089). */
  catalog: CatalogView;
  /**
   * The process's slots for the catalog-sized phases of cycle ends (default 2, ADR 0140): the
   * decision on a store's maps, and the recording of an import's results.
   */
  cycleEnds?: PassLimit;
  /** The stores' stock indexes kept between cycle ends (ADR 0147; default: none kept). */
  indexes?: StockIndexes;
  /** Told once a store's offer fact was written into its map (ADR 0155). */
  offersWritten?: (storeId: string) => void;
  /**
   * Whether offers of the store published are still to be applied: a cycle end meanwhile is left
   * to the one asked for once they are written (ADR 0180; default: never).
   */
  offersPending?: (storeId: string) => Promise<boolean>;
  now?: () => Date;
}

/**
 * A cycle end's decision, and for one that sends lines, the index of the store's map once they
 * are recorded as pushed (ADR 0173; null: none kept after it).
 */
interface Decided {
  decision: InventoryCycleDecision;
  afterPush: StockIndex | null;
}

/** The lines a decision sends (an import to push or to follow), or null. */
const linesOf = (decision: InventoryCycleDecision) =>
  decision.type === 'push' || decision.type === 'follow' ? decision.lines : null;

/** Chunks written to a store's map since its index beyond which the map decides (ADR 0147). */
export const INDEX_MAX_CHUNKS = 8;

/**
 * Runs a phase that holds a store's whole catalog in one of the process's slots, or in its share
 * of one for `items` SKUs (ADR 0140); the wait for the slot is outside the live deadline (ADR 0141).
 */
export type InSlot = <T>(phase: () => Promise<T>, items?: number) => Promise<T>;

/** Catalog-sized phases of cycle ends at once in a process (`CYCLE_ENDS_AT_ONCE`, ADR 0140). */
export const DEFAULT_CYCLE_ENDS_AT_ONCE = 2;

/**
 * Sync Inventory (ADR 0076): each `ShipBobInventoryObserved` updates the store's levels; the
 * fact closing the store's cycle decides the store's one import for the cycle, claimed in the
 * ledger under `inventory:<cycleId>` and followed to its end. `MiraklOfferObserved` keeps the
 * store's offers, the SKUs quantities are pushed for. `MiraklStockObserved` reconciles Mirakl's
 * quantities with the computed ones (ADR 0088).
 */
export function createInventoryFlow(deps: InventoryFlowDeps) {
  const { configs, ledger, vendors, state, record, metrics, logger, catalog } = deps;
  const now = deps.now ?? (() => new Date());
  const counted = (result: string) => metrics.inventoryCycles.inc({ result });
  const batches = createCatalogBatches(state, metrics);
  const cycleEnds = deps.cycleEnds ?? createPassLimit(DEFAULT_CYCLE_ENDS_AT_ONCE);
  const sample = () => {
    metrics.cycleEndPhases.set({ state: 'running' }, cycleEnds.running);
    metrics.cycleEndPhases.set({ state: 'waiting' }, cycleEnds.waiting);
  };
  /**
   * Runs a phase that holds a store's whole catalog (its maps, or an import's results) in one of
   * the process's slots, or in its share of one for `items` SKUs: the applier's memory grows with
   * the slots, not with the stores whose cycles end at the same time (ADR 0140).
   */
  const inSlot: InSlot = async <T>(phase: () => Promise<T>, items?: number): Promise<T> => {
    // The wait for the slot does not count against the live deadline (ADR 0141).
    let started!: () => void;
    const slot = new Promise<void>((resolve) => (started = resolve));
    const running = cycleEnds.run(async () => {
      started();
      sample();
      return phase();
    }, items);
    // Awaited below, once the slot is taken; a phase failing meanwhile is not unhandled.
    running.catch(() => {});
    sample();
    try {
      await outsideDeadline(() => slot);
      return await running;
    } finally {
      sample();
    }
  };
  const noImport = (storeId: string, cycleId: string, result: string, detail: string | null) =>
    catalog.recordInventoryCycle(storeId, {
      cycleId,
      at: now(),
      result,
      skus: 0,
      errors: 0,
      importId: null,
      detail,
    });

  /**
   * Per store, the map's stamp and the configuration of its last decision that computed no line
   * to send: while both stay so, its cycle ends are decided without the map (ADR 0142).
   */
  const quiet = new Map<string, QuietMark>();
  const remember = (
    storeId: string,
    decision: InventoryCycleDecision,
    config: ReturnType<typeof configs.get>,
    stamp: string | null,
  ) => {
    const mark = quietMarkOf(decision, config, stamp);
    if (mark) quiet.set(storeId, mark);
    else quiet.delete(storeId);
  };
  const indexes = deps.indexes;
  /**
   * The decision on the store's whole map. The next cycle end decides on the SKUs written since,
   * from the index of this map (ADR 0147); for a decision that sends lines, from the index of the
   * map once they are recorded as pushed, kept only when they are (ADR 0173).
   */
  const decideCycle = async (
    cycle: InventoryCycle,
    effectKey: string,
    config: ReturnType<typeof configs.get>,
    /** The cycle's ledger entry when the slot already read it; read with the map otherwise. */
    read?: { effect: LedgerEntry | null },
  ): Promise<Decided> => {
    const { storeId } = cycle;
    const [effect, { levels, offers, pushed, stamp, chunks }] = await Promise.all([
      read ? read.effect : ledger.read(storeId, effectKey),
      state.snapshot(storeId),
    ]);
    const decision = decideInventoryCycle(cycle, config, { levels, offers, pushed, effect });
    remember(storeId, decision, config, stamp);
    if (!indexes || !config) return { decision, afterPush: null };
    const lines = linesOf(decision);
    const quantities = lines ? quantitiesAfterPush(pushed.quantities, lines) : pushed.quantities;
    const index = stockIndexOf({ levels, offers, quantities }, config.inventoryBuffer, chunks);
    if (lines) return { decision, afterPush: index };
    if (index) indexes.put(storeId, index);
    return { decision, afterPush: null };
  };
  /**
   * The decision on the store's stock index and the chunks written to its map since, when the
   * index can stand for the map and no more than `maxChunks` were written (ADR 0147); null: the
   * map decides.
   */
  const decideOnIndex = async (
    cycle: InventoryCycle,
    config: ReturnType<typeof configs.get>,
    effect: LedgerEntry | null,
    index: StockIndex,
    maxChunks: number,
  ): Promise<Decided | null> => {
    const since = await state.appendedSince(cycle.storeId, index.chunks, maxChunks);
    if (!since) return null;
    const decided = decideWithIndex(cycle, config, { effect, index, since });
    if (!decided) return null;
    metrics.cycleEndDecisions.inc({ on: 'index' });
    remember(cycle.storeId, decided.decision, config, since.stamp);
    const lines = linesOf(decided.decision);
    // The index after the import: from the one the decision left, else (more SKUs pending than it
    // holds) from the one before, with what was written since (ADR 0173, 0174).
    if (lines)
      return {
        decision: decided.decision,
        afterPush: decided.index
          ? indexAfterPush(decided.index, lines)
          : indexAfterPush(index, lines, since),
      };
    if (decided.index) indexes!.put(cycle.storeId, decided.index);
    return { decision: decided.decision, afterPush: null };
  };
  /**
   * The gate, the ledger, or a store whose map and configuration did not change since a decision
   * found no line decide without the map; its stock index and a few chunks written since without
   * a slot; in a slot, the index and any number of chunks written since (ADR 0174), or the map.
   */
  const decide = async (
    cycle: InventoryCycle,
    effectKey: string,
    config: ReturnType<typeof configs.get>,
  ): Promise<Decided> => {
    const { storeId } = cycle;
    const mark = quiet.get(storeId);
    const [effect, stamp, offersPending] = await Promise.all([
      ledger.read(storeId, effectKey),
      mark ? state.stamp(storeId) : null,
      deps.offersPending?.(storeId) ?? false,
    ]);
    // A full cycle waits for the offers only when the cycle end after them sends every offer too
    // (ADR 0181): the map's meta tells what the pushed quantities are of.
    const pushedBuffer =
      cycle.fullCycle && offersPending ? await state.pushedBuffer(storeId) : undefined;
    const early = decideWithoutMap(cycle, config, {
      effect,
      stamp,
      mark,
      offersPending,
      pushedBuffer,
    });
    if (early) {
      metrics.cycleEndDecisions.inc({
        on: early.type === 'after-offers' ? 'after-offers' : 'no-map',
      });
      return { decision: early, afterPush: null };
    }
    // Taken out for the decision: put back with the one the decision leaves, if any.
    const taken = indexes?.take(storeId);
    const index = taken && !cycle.fullCycle ? taken : null;
    // The ledger entry was just read: no slot is waited for on the index.
    const onIndex = index && (await decideOnIndex(cycle, config, effect, index, INDEX_MAX_CHUNKS));
    if (onIndex) return onIndex;
    // Its share of a slot by the store's size at its last read; a whole slot before one. The
    // ledger is read again there: the slot may be long in coming.
    return inSlot(async () => {
      // Many chunks written since the index (a store's catalog of offers after its levels): read
      // in the slot, they are still fewer than the map, which holds them (ADR 0174). The ledger
      // entry read for it serves the map's decision too.
      let latest: { effect: LedgerEntry | null } | undefined;
      if (index) {
        latest = { effect: await ledger.read(storeId, effectKey) };
        const all = Number.POSITIVE_INFINITY;
        const onMore = await decideOnIndex(cycle, config, latest.effect, index, all);
        if (onMore) return onMore;
      }
      metrics.cycleEndDecisions.inc({ on: 'map' });
      // The store's maps are read and decided on in a function of their own: nothing of them but
      // the decision's lines stays reachable while the import is sent and followed, which takes
      // minutes when Mirakl's gates are busy (ADR 0139); in a slot, as they hold the whole
      // catalog.
      return decideCycle(cycle, effectKey, config, latest);
    }, state.lastSize(storeId));
  };

  const endOfCycle = async (
    fact: ConsumedEventOf<'inventoryObserved'>,
    cycleId: string,
  ): Promise<void> => {
    const value = fact.value;
    const { storeId } = value.envelope;
    const base = inventoryBase(cycleId);
    const config = configs.get(storeId);
    const { decision, afterPush } = await decide(
      { storeId, cycleId, fullCycle: value.fullCycle },
      base.effectKey,
      config,
    );
    switch (decision.type) {
      case 'retry':
        throw new RetriableError(decision.message, { reason: decision.reason });
      case 'skip':
        await state.forgetPushed(storeId);
        await record(decision.outcome, value);
        await noImport(storeId, cycleId, 'skipped', decision.outcome.detail);
        counted('skipped');
        return;
      case 'record':
        await record(decision.outcome, value);
        if (decision.markRecorded) await ledger.markOutcomeRecorded(storeId, base.effectKey);
        counted('duplicate');
        return;
      case 'unchanged':
        if (decision.remember)
          await ledger.recordDone(
            storeId,
            base.effectKey,
            { action: base.action, factKey: value.envelope.idempotencyKey },
            { [NO_IMPORT]: 'true' },
          );
        logger.debug('inventory unchanged; no import', { storeId, cycleId });
        await noImport(storeId, cycleId, 'unchanged', null);
        counted('unchanged');
        return;
      case 'after-offers':
        // Nothing recorded: the cycle end that follows the offers records its own (ADR 0180).
        logger.info('inventory cycle end left to the one after the offers still to apply', {
          storeId,
          cycleId,
        });
        return;
      case 'complete':
        // Published before the entry is done, as below.
        await record(decision.outcome, value);
        await ledger.markDone(storeId, base.effectKey, {}, { outcomeRecorded: true });
        counted('imported');
        return;
      case 'push':
      case 'follow': {
        if (decision.type === 'push' && !decision.resumed) {
          const claimed = await ledger.claim(storeId, base.effectKey, {
            action: base.action,
            factKey: value.envelope.idempotencyKey,
          });
          // Claimed meanwhile (another instance during a rebalance): decided again on retry.
          if (!claimed)
            throw new RetriableError(`import ${base.effectKey} claimed meanwhile`, {
              reason: 'claimed-meanwhile',
            });
        }
        const buffer = config!.inventoryBuffer;
        const store = { storeId, version: config!.version };
        // Once Mirakl accepted the file, a run that stops (crash, the live deadline) leaves its id
        // in the claim: the next run follows that import instead of sending it again (ADR 0090).
        const push = () =>
          vendors.pushStock(store, decision.lines, (started) =>
            ledger.noteProgress(storeId, base.effectKey, importProgress(started, decision.lines)),
          );
        let result;
        try {
          if (decision.type === 'push') result = await push();
          else {
            result = await vendors
              .followStockImport(store, decision.started, decision.lines)
              .catch((error: unknown) => {
                // Mirakl no longer knows the import: send the lines again (they are absolute).
                if (errorReason(error) !== 'not-found') throw error;
                logger.warn('stock import to follow not found; sending it again', {
                  storeId,
                  cycleId,
                  importId: decision.started.importId,
                });
                return push();
              });
          }
        } catch (error) {
          if (classifyError(error) === 'permanent') {
            const failed = outcomeOf(base, 'FAILED', {
              reason: errorReason(error),
              detail: errorMessage(error),
            });
            await record(failed, value);
            await catalog.recordInventoryCycle(storeId, {
              cycleId,
              at: now(),
              result: 'failed',
              skus: decision.lines.length,
              errors: 1,
              importId: null,
              detail: failed.detail,
            });
            counted('failed');
          }
          throw error;
        }
        // The results are recorded SKU by SKU (pushed quantities, outcomes, the seller's view) in
        // the import's share of a slot: several stores' imports end at once in a large cycle.
        await inSlot(async () => {
          const { outcomes, pushed } = importOutcomes(base, decision.lines, result);
          const at = now();
          const written = await state.recordPushed(
            storeId,
            buffer,
            pushedResults(pushed, result, at),
          );
          // Every line recorded as pushed, straight after the map the decision read: the next
          // cycle end decides on the index of the map now, with nothing to read (ADR 0173).
          const index =
            afterPush && pushed.length === decision.lines.length
              ? indexAfterWrite(afterPush, written)
              : null;
          if (index) indexes!.put(storeId, index);
          // The outcomes are published before the entry is marked done, in the same write as
          // "recorded": a run that ends between the two finds the claim again, computes no line
          // (the quantities are recorded as pushed) and completes it, publishing the APPLIED outcome
          // again under its deterministic key. One write per import fewer (ADR 0116).
          for (const outcome of outcomes) await record(outcome, value);
          await ledger.markDone(storeId, base.effectKey, outcomes[0]!.externalIds, {
            outcomeRecorded: true,
          });
          await catalog.recordInventoryCycle(
            storeId,
            importedCycle(cycleId, decision.lines, result, at),
          );
        }, decision.lines.length);
        counted(result.status === 'COMPLETE' ? 'imported' : 'failed');
        logger.info(decision.type === 'push' ? 'stock imported' : 'stock import followed', {
          storeId,
          cycleId,
          importId: result.importId,
          via: result.via,
          lines: decision.lines.length,
          failed: result.failures.length,
        });
        return;
      }
      default: {
        const never: never = decision;
        throw new Error(`unhandled decision ${JSON.stringify(never)}`);
      }
    }
  };

  return {
    async inventoryObserved(
      fact: ConsumedEventOf<'inventoryObserved'>,
      delivery: Delivery,
    ): Promise<void> {
      const value = fact.value;
      await batches.observe(fact, delivery.via === 'consumer');
      if (value.endOfCycle && value.cycleId) await endOfCycle(fact, value.cycleId);
    },
    stockObserved: createReconcileFlow(deps, inSlot),
    async offerObserved(fact: ConsumedEventOf<'offerObserved'>, delivery: Delivery): Promise<void> {
      await batches.observe(fact, delivery.via === 'consumer');
      deps.offersWritten?.(fact.value.envelope.storeId);
    },
    /**
     * Learns a fetched batch so that its levels and offers are written a store and segment at a
     * time (ADR 0093); the returned function forgets it once the batch is done.
     */
    plan(facts: readonly Fact[]): () => void {
      return batches.plan(facts);
    },
  };
}
