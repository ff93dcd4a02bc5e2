import type { StockIndex } from '../domain/stock-index.js';

/**
 * The stores' stock indexes a process keeps between cycle ends (ADR 0147), within a budget of
 * SKUs: the store whose index was least recently used gives way first. An index is taken out for
 * a decision and put back with the one the decision leaves, so a decision that fails midway
 * leaves none (the next cycle end reads the store's map).
 */
export interface StockIndexes {
  take(storeId: string): StockIndex | undefined;
  put(storeId: string, index: StockIndex): void;
  /** SKUs indexed now, and the stores they belong to. */
  size(): { entries: number; stores: number };
}

/** SKUs indexed by default: about 17 MB (ADR 0147). */
export const DEFAULT_STOCK_INDEX_ENTRIES = 1_000_000;

export function createStockIndexes(
  maxEntries: number,
  /** Told the SKUs indexed after each change. */
  onSize: (entries: number) => void = () => {},
): StockIndexes {
  // In use order: a Map iterates in insertion order, and a used index is put back last.
  const kept = new Map<string, StockIndex>();
  let total = 0;
  return {
    take(storeId) {
      const index = kept.get(storeId);
      if (index) {
        kept.delete(storeId);
        total -= index.size;
        onSize(total);
      }
      return index;
    },
    put(storeId, index) {
      const was = kept.get(storeId);
      if (was) {
        kept.delete(storeId);
        total -= was.size;
      }
      if (index.size > maxEntries) return onSize(total);
      for (const [other, oldest] of kept) {
        if (total + index.size <= maxEntries) break;
        kept.delete(other);
        total -= oldest.size;
      }
      kept.set(storeId, index);
      total += index.size;
      onSize(total);
    },
    size: () => ({ entries: total, stores: kept.size }),
  };
}
