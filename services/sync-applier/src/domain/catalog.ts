import type { StockPushResult } from '@msync/mirakl';
import { quantityOf, type SkuStock, type StockLine } from './inventory.js';

/** What the offers flow last did for a SKU, and the ShipBob product it found or created. */
export interface CatalogProduct {
  sku: string;
  /** Known once a product was created or found for the SKU. */
  shipbobProductId?: string;
  /** The SKU's last offers outcome: `APPLIED` (created), `DUPLICATE` (found), `SKIPPED`, `FAILED`. */
  offer?: { outcome: string; reason: string | null; detail: string | null; at: Date };
}

/** A quantity sent to the marketplace, and what Mirakl said of its line. */
export interface PushedLine {
  sku: string;
  quantity: number;
  /** Absent on lines recorded before the seller's view existed. */
  at?: Date;
  result?: 'APPLIED' | 'FAILED';
  reason?: string | null;
  detail?: string | null;
  importId?: string;
}

/** One row of the seller's SKU table (ADR 0089). */
export interface CatalogRow {
  sku: string;
  /** A current Mirakl offer of the store (deleted offers keep their row while a product is known). */
  offer: boolean;
  shipbobProductId: string | null;
  offerResult: { outcome: string; reason: string | null; detail: string | null; at: Date } | null;
  fulfillable: number | null;
  exception: number | null;
  active: boolean | null;
  digital: boolean | null;
  /** The store's buffer now (null until its configuration was read). */
  buffer: number | null;
  /** What the next cycle would push: null when the SKU is not pushed (no level, inactive, digital, not an offer). */
  quantity: number | null;
  pushed: {
    quantity: number;
    at: Date | null;
    result: 'APPLIED' | 'FAILED' | null;
    reason: string | null;
    detail: string | null;
    importId: string | null;
  } | null;
}

export interface CatalogQuery {
  /** Case-insensitive part of the SKU ('' = every SKU). */
  q: string;
  limit: number;
  /** The last SKU of the previous page; rows sort by SKU. */
  after: string | null;
}

export interface CatalogPage {
  items: CatalogRow[];
  /** Rows matching `q`, all pages. */
  total: number;
  /** Pass as `after` for the next page; null on the last. */
  nextAfter: string | null;
}

export const MAX_CATALOG_PAGE = 200;

/**
 * A page of the store's SKU table: every SKU that is an offer of the store or has an offers
 * record, with its ShipBob levels, the quantity the next cycle would compute, and what was last
 * pushed. SKUs ShipBob holds that are no offer of the store are not rows (they are never pushed).
 */
export function catalogPage(
  state: {
    offers: ReadonlySet<string>;
    levels: readonly SkuStock[];
    pushed: readonly PushedLine[];
    products: readonly CatalogProduct[];
    buffer: number | null;
  },
  query: CatalogQuery,
): CatalogPage {
  const levels = new Map(state.levels.map((l) => [l.sku, l]));
  const pushed = new Map(state.pushed.map((p) => [p.sku, p]));
  const products = new Map(state.products.map((p) => [p.sku, p]));
  const needle = query.q.toLowerCase();
  const matching = [...new Set([...state.offers, ...products.keys()])]
    .filter((sku) => sku.toLowerCase().includes(needle))
    .sort(bySku);
  const start =
    query.after === null ? 0 : matching.findIndex((sku) => bySku(sku, query.after!) > 0);
  const from = start === -1 ? matching.length : start;
  const skus = matching.slice(from, from + query.limit);
  const items = skus.map((sku): CatalogRow => {
    const level = levels.get(sku);
    const product = products.get(sku);
    const line = pushed.get(sku);
    const offer = state.offers.has(sku);
    const pushable = offer && level !== undefined && level.active && !level.digital;
    return {
      sku,
      offer,
      shipbobProductId: product?.shipbobProductId ?? null,
      offerResult: product?.offer ?? null,
      fulfillable: level?.fulfillable ?? null,
      exception: level?.exception ?? null,
      active: level?.active ?? null,
      digital: level?.digital ?? null,
      buffer: state.buffer,
      quantity: pushable && state.buffer !== null ? quantityOf(level, state.buffer) : null,
      pushed: line
        ? {
            quantity: line.quantity,
            at: line.at ?? null,
            result: line.result ?? null,
            reason: line.reason ?? null,
            detail: line.detail ?? null,
            importId: line.importId ?? null,
          }
        : null,
    };
  });
  const more = from + query.limit < matching.length;
  return { items, total: matching.length, nextAfter: more ? (skus.at(-1) ?? null) : null };
}

const bySku = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The offers flow's last cycle of a store: the outcomes of the facts of one poll. */
export interface OffersCycle {
  /** The poll's correlation id: every fact of one pass shares it. */
  correlationId: string;
  startedAt: Date;
  lastAt: Date;
  /** Outcome per SKU of the cycle (the last one when a SKU came twice). */
  skus: Record<string, string>;
}

/** A cycle's counts as the seller reads them. */
export function offersCycleSummary(cycle: OffersCycle) {
  const outcomes = Object.values(cycle.skus);
  const count = (outcome: string) => outcomes.filter((o) => o === outcome).length;
  return {
    at: cycle.lastAt,
    startedAt: cycle.startedAt,
    skus: outcomes.length,
    created: count('APPLIED'),
    existing: count('DUPLICATE'),
    skipped: count('SKIPPED'),
    errors: count('FAILED'),
  };
}

/** The inventory flow's last cycle of a store, as its end decided it. */
export interface InventoryCycleSummary {
  cycleId: string;
  at: Date;
  /** `imported`, `unchanged` (no import), `skipped`, `failed`. */
  result: string;
  /** Quantities sent in the import. */
  skus: number;
  /** Lines Mirakl refused, or 1 when the import failed as a whole. */
  errors: number;
  importId: string | null;
  detail: string | null;
}

/**
 * The lines taken as pushed after an import (`importOutcomes`), each with Mirakl's word on it: a
 * refused line counts as sent (ADR 0076) and says why.
 */
export function pushedResults(
  lines: readonly StockLine[],
  result: StockPushResult,
  at: Date,
): PushedLine[] {
  const refused = new Map(result.failures.map((f) => [f.sku, f.message]));
  // One literal of one shape per line: a spread of the two results made a copy of each line's
  // object and a dictionary of its own, 1.5 KB a line (10,000 lines an import).
  return lines.map((line): PushedLine => {
    const message = refused.get(line.sku);
    const failed = message !== undefined;
    return {
      sku: line.sku,
      quantity: line.quantity,
      at,
      importId: result.importId,
      result: failed ? 'FAILED' : 'APPLIED',
      reason: failed ? 'stock-rejected' : null,
      detail: failed ? message : null,
    };
  });
}

/** The summary of an import's cycle for the seller. */
export function importedCycle(
  cycleId: string,
  lines: readonly StockLine[],
  result: StockPushResult,
  at: Date,
): InventoryCycleSummary {
  const failed = result.status === 'FAILED';
  return {
    cycleId,
    at,
    result: failed ? 'failed' : 'imported',
    skus: lines.length,
    errors: failed ? Math.max(1, result.failures.length) : result.failures.length,
    importId: result.importId,
    detail: failed
      ? `the stock import ${result.importId} failed${result.reason ? `: ${result.reason}` : ''}`
      : null,
  };
}
