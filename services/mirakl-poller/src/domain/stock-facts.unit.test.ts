import { describe, expect, it } from '@jest/globals';
import { fullExportReconciles, inventoryFlowOpen, stockFacts } from './stock-facts.js';

const T0 = new Date(Date.UTC(2026, 10, 30, 3, 0, 0));

describe('stock reconciliation: a full export as MiraklStockObserved chunks', () => {
  it('given offers, then chunks of at most the chunk size, sorted by SKU, each naming the count', () => {
    const offers = [
      { shopSku: 'C', quantity: 3 },
      { shopSku: 'A', quantity: 1 },
      { shopSku: 'B', quantity: 0 },
    ];
    const facts = stockFacts('store-1', offers, T0, 2);
    expect(facts.map((f) => f.idempotencyKey)).toEqual([
      `mirakl:store-1:stock:${T0.getTime()}:0`,
      `mirakl:store-1:stock:${T0.getTime()}:1`,
    ]);
    expect(facts.map((f) => f.body)).toEqual([
      {
        reconciliationId: String(T0.getTime()),
        exportedAt: T0.getTime(),
        chunk: 0,
        chunkCount: 2,
        offers: [
          { shopSku: 'A', quantity: 1 },
          { shopSku: 'B', quantity: 0 },
        ],
      },
      {
        reconciliationId: String(T0.getTime()),
        exportedAt: T0.getTime(),
        chunk: 1,
        chunkCount: 2,
        offers: [{ shopSku: 'C', quantity: 3 }],
      },
    ]);
  });

  it('given an export without offers, then one empty chunk so the reconciliation still ends', () => {
    const facts = stockFacts('store-1', [], T0);
    expect(facts).toHaveLength(1);
    expect(facts[0]!.body).toMatchObject({ chunk: 0, chunkCount: 1, offers: [] });
  });

  it('given the same export read twice, then the same keys (a redelivery, not a new fact)', () => {
    const offers = [{ shopSku: 'A', quantity: 1 }];
    expect(stockFacts('s', offers, T0)).toEqual(stockFacts('s', offers, T0));
  });

  it('given Sync Inventory off or ShipBob not configured, then nothing to reconcile', () => {
    expect(inventoryFlowOpen({ toggles: { inventory: true }, shipbobConfigured: true })).toBe(true);
    expect(inventoryFlowOpen({ toggles: { inventory: false }, shipbobConfigured: true })).toBe(
      false,
    );
    expect(inventoryFlowOpen({ toggles: { inventory: true }, shipbobConfigured: false })).toBe(
      false,
    );
  });

  describe('fullExportReconciles (ADR 0170)', () => {
    const open = { toggles: { inventory: true }, shipbobConfigured: true };
    const lastFull = new Date(T0.getTime() - 24 * 3600_000);

    it("given a store's day's full export with Sync Inventory open, then it is the reconciliation", () => {
      expect(fullExportReconciles(lastFull, open)).toBe(true);
    });

    it("given a store's first full export, then no reconciliation: nothing of it was pushed", () => {
      expect(fullExportReconciles(null, open)).toBe(false);
    });

    it('given Sync Inventory off, no ShipBob, or no configuration read, then none', () => {
      expect(fullExportReconciles(lastFull, { ...open, toggles: { inventory: false } })).toBe(
        false,
      );
      expect(fullExportReconciles(lastFull, { ...open, shipbobConfigured: false })).toBe(false);
      expect(fullExportReconciles(lastFull, undefined)).toBe(false);
    });
  });
});
