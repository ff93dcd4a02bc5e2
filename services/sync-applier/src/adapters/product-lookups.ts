import type { ProductMatch } from '../domain/offers.js';

/** How often answers nobody took are dropped from every store's, not only the store putting. */
const LOOKUP_SWEEP_MS = 60_000;

/**
 * Product lookups made ahead of their facts, per store and SKU, each answering once: while the
 * batch they were made for is handled (`hold`), then for `ttlMs`. A product created in ShipBob
 * meanwhile by us replaces its SKU's answer (`put`); created by anyone else, a create racing it
 * is resolved by ShipBob's duplicate-SKU refusal and the product reused (ADR 0074, 0093).
 */
export function createProductLookups(ttlMs: number, now: () => number) {
  type Answer = { match: ProductMatch | null; at: number; hold?: symbol; ttlMs?: number };
  const byStore = new Map<string, Map<string, Answer>>();
  const fresh = (answer: Answer) =>
    answer.hold !== undefined || now() - answer.at <= (answer.ttlMs ?? ttlMs);
  const prune = (storeId: string, store: Map<string, Answer>) => {
    for (const [sku, entry] of store) if (!fresh(entry)) store.delete(sku);
    if (store.size === 0) byStore.delete(storeId);
  };
  let sweptAt = now();
  /**
   * A store whose pass ended keeps the rest of its product list until its next put, which may be
   * a day later: at most once a minute every store's stale answers go (40,000 of them were found
   * in the applier's heap at 100 stores × 10,000 SKUs).
   */
  const sweep = () => {
    if (now() - sweptAt < LOOKUP_SWEEP_MS) return;
    sweptAt = now();
    for (const [storeId, store] of byStore) prune(storeId, store);
  };
  return {
    /** Answers held for the batch of `hold`, else fresh for `answerTtlMs` (default `ttlMs`). */
    put(
      storeId: string,
      answers: [string, ProductMatch | null][],
      hold?: symbol,
      answerTtlMs?: number,
    ) {
      sweep();
      const store = byStore.get(storeId) ?? new Map<string, Answer>();
      // Answers nobody took (a fact that never came) go once they cannot serve any more.
      prune(storeId, store);
      for (const [sku, match] of answers)
        store.set(sku, {
          match,
          at: now(),
          ...(hold ? { hold } : {}),
          ...(answerTtlMs ? { ttlMs: answerTtlMs } : {}),
        });
      if (store.size > 0) byStore.set(storeId, store);
    },
    /**
     * Holds the fresh answers among `skus` for the batch of `hold` (as if put with it); answers
     * the SKUs that have none.
     */
    hold(storeId: string, skus: readonly string[], hold: symbol): string[] {
      const store = byStore.get(storeId);
      const missing: string[] = [];
      for (const sku of skus) {
        const answer = store?.get(sku);
        if (answer && fresh(answer)) answer.hold = hold;
        else missing.push(sku);
      }
      return missing;
    },
    /** The batch of `hold` is handled: its answers left serve for `ttlMs` from now. */
    release(storeId: string, hold: symbol) {
      for (const entry of byStore.get(storeId)?.values() ?? []) {
        if (entry.hold !== hold) continue;
        delete entry.hold;
        entry.at = now();
      }
    },
    /** The fresh answer of a SKU, left for `take` (`undefined`: none). */
    peek(storeId: string, sku: string): ProductMatch | null | undefined {
      const hit = byStore.get(storeId)?.get(sku);
      return hit && fresh(hit) ? hit.match : undefined;
    },
    /** The fresh answers among `skus` (taken: each serves once), and the SKUs still to look up. */
    take(storeId: string, skus: readonly string[]) {
      const store = byStore.get(storeId);
      const known = new Map<string, ProductMatch>();
      const missing: string[] = [];
      for (const sku of skus) {
        const hit = store?.get(sku);
        store?.delete(sku);
        if (hit && fresh(hit)) {
          if (hit.match) known.set(sku, hit.match);
        } else missing.push(sku);
      }
      if (store?.size === 0) byStore.delete(storeId);
      return { known, missing };
    },
    /** Answers kept, of every store (for tests). */
    get size() {
      let size = 0;
      for (const store of byStore.values()) size += store.size;
      return size;
    },
  };
}
