import { createHash } from 'node:crypto';
import type { StockImportStarted, StockPushResult } from '@msync/mirakl';
import {
  doneDecision,
  gateDecision,
  outcomeOf,
  type LedgerEntry,
  type Outcome,
  type OutcomeBase,
} from './decision.js';
import type { StoreConfig } from './store-config.js';
import { advanceStockIndex, neverPushed, type SkuChange, type StockIndex } from './stock-index.js';

/** What decides one SKU's marketplace quantity, as the store's inventory projection holds it. */
export interface SkuStock {
  sku: string;
  fulfillable: number;
  exception: number;
  active: boolean;
  digital: boolean;
}

/** What was last pushed to the store: per SKU, and the buffer it was computed with. */
export interface PushedStock {
  /** null: nothing may be taken as pushed (never pushed, or the flow stopped since). */
  buffer: number | null;
  quantities: ReadonlyMap<string, number>;
  /** When each SKU's quantity was recorded as sent (epoch ms; absent for older records). */
  at?: ReadonlyMap<string, number>;
}

/** One SKU's quantity in an import. */
export interface StockLine {
  sku: string;
  quantity: number;
}

/** What a store's inventory cycle is decided on, besides the fact and the configuration. */
export interface InventoryCycleState {
  levels: readonly SkuStock[];
  /** The store's Mirakl offers (`shop_sku`), from `MiraklOfferObserved`. */
  offers: ReadonlySet<string>;
  pushed: PushedStock;
  effect: LedgerEntry | null;
}

/** The end of a store's cycle, as the inventory fact that closes it says. */
export interface InventoryCycle {
  storeId: string;
  cycleId: string;
  /** The read gave the store every SKU (first read, resync): every quantity goes again. */
  fullCycle: boolean;
}

export type InventoryCycleDecision =
  /** The store's configuration was not read yet: try again later, never skip. */
  | { type: 'retry'; reason: string; message: string }
  /** Gate closed: SKIPPED, nothing called; what was pushed is forgotten (a full push on return). */
  | { type: 'skip'; outcome: Outcome }
  /** The ledger has this cycle's import: record its outcome (DUPLICATE, or APPLIED not recorded yet). */
  | { type: 'record'; outcome: Outcome; markRecorded: boolean }
  /**
   * No quantity differs from what was pushed: no import. `remember`: keep in the ledger that the
   * cycle made none, so that a replay of it (whose levels are older than what was pushed since)
   * makes none either (ADR 0090); false when the ledger says so already.
   */
  | { type: 'unchanged'; remember: boolean }
  /** Resuming a claimed import whose quantities all reached the pushed state: mark it done. */
  | { type: 'complete'; outcome: Outcome }
  /** One import (STO01, OF01 fallback) with these lines, claimed first unless `resumed`. */
  | { type: 'push'; lines: StockLine[]; resumed: boolean; base: OutcomeBase }
  /**
   * Resuming a claimed import Mirakl had accepted for these very lines: follow it to its end,
   * send nothing again (ADR 0090).
   */
  | { type: 'follow'; started: StockImportStarted; lines: StockLine[]; base: OutcomeBase }
  /**
   * Offers of the store published are still to be applied: this cycle end decides nothing and
   * leaves its levels to the one the applier asks for once they are written (ADR 0155), which
   * decides on the map with the offers in it (ADR 0180).
   */
  | { type: 'after-offers' };

/** The marketplace quantity of a SKU: `max(0, fulfillable − exception − buffer)`. */
export function quantityOf(
  level: Pick<SkuStock, 'fulfillable' | 'exception'>,
  buffer: number,
): number {
  return Math.max(0, level.fulfillable - level.exception - buffer);
}

/**
 * The lines of the store's import: SKUs that are offers of the store, neither digital nor
 * inactive, whose quantity differs from what was last pushed; every such SKU when `full`, when
 * the buffer changed since the last push, or when nothing may be taken as pushed. Sorted by SKU.
 */
export function stockLines(input: {
  levels: readonly SkuStock[];
  offers: ReadonlySet<string>;
  pushed: PushedStock;
  buffer: number;
  full: boolean;
}): StockLine[] {
  const everything = input.full || input.pushed.buffer !== input.buffer;
  const lines: StockLine[] = [];
  for (const level of input.levels) {
    if (!input.offers.has(level.sku) || level.digital || !level.active) continue;
    const quantity = quantityOf(level, input.buffer);
    if (everything || input.pushed.quantities.get(level.sku) !== quantity) {
      lines.push({ sku: level.sku, quantity });
    }
  }
  return lines.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/** The mark (`externalIds`) of a cycle's ledger entry that made no import (nothing changed). */
export const NO_IMPORT = 'noImport';

/** Effect key and outcome skeleton of a store's import for one cycle. */
export function inventoryBase(cycleId: string): OutcomeBase {
  return {
    flow: 'inventory',
    action: 'push-stock',
    effectKey: `inventory:${cycleId}`,
    target: 'MIRAKL',
    miraklOrderId: cycleId,
  };
}

/** Sync Inventory's gate: configuration read, store connected, flow on, ShipBob configured. */
export type InventoryGate =
  /** The store's configuration was not read yet: try again later, never skip. */
  | { type: 'retry'; reason: string; message: string }
  /** Gate closed: SKIPPED, nothing called. */
  | { type: 'skip'; outcome: Outcome }
  | { type: 'open'; config: StoreConfig };

/** Whether Sync Inventory may act for the store now (imports and reconciliations alike). */
export function inventoryGate(
  storeId: string,
  config: StoreConfig | undefined,
  base: OutcomeBase,
): InventoryGate {
  const gate = gateDecision(storeId, config, base, { shipbob: true });
  switch (gate.type) {
    case 'retry':
      return { type: 'retry', reason: gate.reason, message: gate.message };
    case 'record':
      return { type: 'skip', outcome: gate.outcome };
    case 'open':
      return gate;
    default: {
      const never: never = gate;
      throw new Error(`unhandled gate ${JSON.stringify(never)}`);
    }
  }
}

/**
 * What a store does at the end of an inventory cycle: gated by its configuration (SKIPPED when
 * closed); once per cycle through the ledger; one import carrying every changed quantity, or
 * none when nothing changed.
 */
export function decideInventoryCycle(
  cycle: InventoryCycle,
  config: StoreConfig | undefined,
  state: InventoryCycleState,
): InventoryCycleDecision {
  const before = beforeLines(cycle, config, state.effect);
  if (before.type !== 'lines') return before;
  const lines = stockLines({
    levels: state.levels,
    offers: state.offers,
    pushed: state.pushed,
    buffer: before.config.inventoryBuffer,
    full: cycle.fullCycle,
  });
  return decideOnLines(cycle, state.effect, lines);
}

/**
 * The store's map and configuration as a decision found them that computed no line to send (ADR
 * 0142): while both stay so, every later cycle end computes none either.
 */
export interface QuietMark {
  /** The stamp of the map the decision read. */
  stamp: string;
  /** The configuration version it was made under. */
  configVersion: number;
}

/**
 * The mark a decision on the store's map leaves: one when it computed the lines and found none
 * (`unchanged` remembered, or `complete`), and the map it read has a stamp; else null.
 */
export function quietMarkOf(
  decision: InventoryCycleDecision,
  config: StoreConfig | undefined,
  stamp: string | null,
): QuietMark | null {
  const noLine =
    decision.type === 'complete' || (decision.type === 'unchanged' && decision.remember);
  return noLine && config && stamp !== null ? { stamp, configVersion: config.version } : null;
}

/**
 * What a cycle end decides before, or instead of, reading the store's map (ADR 0142): the gate,
 * the ledger's word on this cycle; a cycle never claimed, while offers of the store published
 * are still to be applied (`offersPending`), is left to the cycle end that follows them (ADR
 * 0180) — a full one only when that cycle end sends every offer too, nothing being taken as
 * pushed with the buffer now (`pushedBuffer`, the buffer the pushed quantities are of; a first
 * read, ADR 0181); and, when the map's stamp and the configuration are still those of `mark` in
 * a cycle that is not full, the decision on no line (no import, or a claimed one complete).
 * Null: the map decides.
 */
export function decideWithoutMap(
  cycle: InventoryCycle,
  config: StoreConfig | undefined,
  known: {
    effect: LedgerEntry | null;
    stamp: string | null;
    mark: QuietMark | undefined;
    offersPending?: boolean;
    /** Read for a full cycle while offers are pending (null: nothing taken as pushed). */
    pushedBuffer?: number | null;
  },
): InventoryCycleDecision | null {
  const before = beforeLines(cycle, config, known.effect);
  if (before.type !== 'lines') return before;
  // An import sent now would carry the offers written so far, and the rest would wait for the
  // store's next STO01, a minute later (ADR 0180). A claimed import is followed or completed; a
  // resync whose every SKU the next cycle end would not send again is decided now.
  const everyOfferLater =
    known.pushedBuffer !== undefined && known.pushedBuffer !== before.config.inventoryBuffer;
  if (known.offersPending && known.effect === null && (!cycle.fullCycle || everyOfferLater)) {
    return { type: 'after-offers' };
  }
  const { mark, stamp } = known;
  const quiet =
    !cycle.fullCycle &&
    mark !== undefined &&
    stamp !== null &&
    mark.stamp === stamp &&
    mark.configVersion === before.config.version;
  return quiet ? decideOnLines(cycle, known.effect, []) : null;
}

/**
 * What a cycle end decides from the store's stock index and what was written to its map since
 * (ADR 0147), after the gate and the ledger: the lines are those of the SKUs pending or written
 * since, exactly what the whole map would give. Null, for the map to decide: a full cycle, a
 * buffer other than the index's, pushed quantities not of that buffer (a buffer change not
 * pushed yet, or quantities forgotten while the index holds some; a map nothing was ever pushed
 * in is decided on an index with no pushed quantity, ADR 0174), or a value the index cannot
 * hold. `index`: the index of the map now, to keep for the next cycle end (null: none).
 */
export function decideWithIndex(
  cycle: InventoryCycle,
  config: StoreConfig | undefined,
  known: {
    effect: LedgerEntry | null;
    index: StockIndex;
    /** What was appended to the map since the index's chunks, and the map's state now. */
    since: {
      appended: Iterable<readonly [string, SkuChange | null]>;
      pushedBuffer: number | null;
      chunks: readonly string[];
    };
  },
): { decision: InventoryCycleDecision; index: StockIndex | null } | null {
  const { effect, index, since } = known;
  const before = beforeLines(cycle, config, effect);
  if (before.type !== 'lines') return { decision: before, index };
  const buffer = before.config.inventoryBuffer;
  // A map with no pushed buffer sends every offer: so does an index with no pushed quantity (the
  // write that records one sets the buffer, and only a rewrite, which ends the index, unsets it).
  const pushedOf =
    since.pushedBuffer === buffer || (since.pushedBuffer === null && neverPushed(index));
  if (cycle.fullCycle || index.buffer !== buffer || !pushedOf) return null;
  const advanced = advanceStockIndex(index, since.appended, since.chunks);
  if (!advanced) return null;
  return { decision: decideOnLines(cycle, effect, advanced.lines), index: advanced.index };
}

/** The gate and the ledger's word on the cycle; `lines` when the lines decide. */
function beforeLines(
  cycle: InventoryCycle,
  config: StoreConfig | undefined,
  effect: LedgerEntry | null,
): InventoryCycleDecision | { type: 'lines'; config: StoreConfig } {
  const base = inventoryBase(cycle.cycleId);
  const gate = inventoryGate(cycle.storeId, config, base);
  if (gate.type !== 'open') return gate;
  if (effect?.status === 'done') {
    if (effect.externalIds[NO_IMPORT] === 'true') return { type: 'unchanged', remember: false };
    const done = doneDecision(base, effect);
    if (done.type !== 'record') throw new Error('a done effect is only recorded');
    return { type: 'record', outcome: done.outcome, markRecorded: done.markRecorded };
  }
  return { type: 'lines', config: gate.config };
}

/** The decision on the cycle's computed lines: none, an import to send, or one to follow. */
function decideOnLines(
  cycle: InventoryCycle,
  effect: LedgerEntry | null,
  lines: StockLine[],
): InventoryCycleDecision {
  const base = inventoryBase(cycle.cycleId);
  const resumed = effect?.status === 'claimed';
  if (lines.length === 0) {
    return resumed
      ? { type: 'complete', outcome: outcomeOf(base, 'APPLIED') }
      : { type: 'unchanged', remember: true };
  }
  const started = effect?.status === 'claimed' ? startedImport(effect, lines) : null;
  if (started) return { type: 'follow', started, lines, base };
  return { type: 'push', lines, resumed, base };
}

/**
 * What the ledger keeps of an import once Mirakl accepted it: its id, how it was sent, and a
 * digest of its lines, so a resumed run follows it only if it would send the very same lines.
 */
export function importProgress(
  started: StockImportStarted,
  lines: readonly StockLine[],
): Record<string, string> {
  return { importId: started.importId, via: started.via, lines: linesDigest(lines) };
}

/** The import a claim's progress names, when it carried exactly `lines`; else null (redo). */
function startedImport(
  effect: Extract<LedgerEntry, { status: 'claimed' }>,
  lines: readonly StockLine[],
): StockImportStarted | null {
  const { importId, via, lines: digest } = effect.progress ?? {};
  if (!importId || (via !== 'STO01' && via !== 'OF01')) return null;
  return digest === linesDigest(lines) ? { importId, via } : null;
}

function linesDigest(lines: readonly StockLine[]): string {
  const hash = createHash('sha256');
  for (const line of lines) hash.update(`${line.sku}\u0000${line.quantity}\n`);
  return hash.digest('hex').slice(0, 32);
}

/**
 * The outcomes of a finished import and the quantities to take as pushed: APPLIED for the import
 * (FAILED when Mirakl failed it as a whole: nothing is taken as pushed, the next cycle sends it
 * again), and a FAILED outcome of its own for each SKU the error report names
 * (`inventory:<cycle>:<sku>`). A refused SKU's quantity counts as pushed (ADR 0076): Mirakl's
 * line errors do not heal by themselves, so it is sent again when its quantity changes or on a
 * full push, not every cycle.
 */
export function importOutcomes(
  base: OutcomeBase,
  lines: readonly StockLine[],
  result: StockPushResult,
): { outcomes: Outcome[]; pushed: StockLine[] } {
  const externalIds = {
    importId: result.importId,
    via: result.via,
    skus: String(lines.length),
  };
  const perSku = result.failures.map((failure) =>
    outcomeOf(
      { ...base, effectKey: `${base.effectKey}:${failure.sku}`, miraklOrderId: failure.sku },
      'FAILED',
      {
        reason: 'stock-rejected',
        detail: `Mirakl refused the quantity of ${failure.sku}: ${failure.message}`,
        externalIds: { importId: result.importId, sku: failure.sku },
      },
    ),
  );
  if (result.status === 'FAILED') {
    const whole = outcomeOf(base, 'FAILED', {
      reason: 'import-failed',
      detail: `the stock import ${result.importId} failed${result.reason ? `: ${result.reason}` : ''}`,
      externalIds,
    });
    return { outcomes: [whole, ...perSku], pushed: [] };
  }
  return {
    outcomes: [outcomeOf(base, 'APPLIED', { externalIds }), ...perSku],
    pushed: [...lines],
  };
}
