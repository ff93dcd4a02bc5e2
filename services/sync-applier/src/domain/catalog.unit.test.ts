import { describe, expect, it } from '@jest/globals';
import type { StockPushResult } from '@msync/mirakl';
import {
  catalogPage,
  importedCycle,
  offersCycleSummary,
  pushedResults,
  type CatalogQuery,
} from './catalog.js';
import type { SkuStock } from './inventory.js';

const stock = (sku: string, fulfillable: number, extra: Partial<SkuStock> = {}): SkuStock => ({
  sku,
  fulfillable,
  exception: 0,
  active: true,
  digital: false,
  ...extra,
});
const at = new Date('2026-11-30T10:00:00Z');
const state = {
  offers: new Set(['b-mug', 'A-BOWL', 'C-CARD', 'D-NOSTOCK']),
  levels: [
    stock('b-mug', 10, { exception: 3 }),
    stock('A-BOWL', 1),
    stock('C-CARD', 50, { digital: true }),
    stock('SHIPBOB-ONLY', 7),
  ],
  pushed: [{ sku: 'b-mug', quantity: 5, at, result: 'APPLIED' as const, importId: 'i1' }],
  products: [
    { sku: 'b-mug', shipbobProductId: '77' },
    {
      sku: 'Z-DELETED',
      shipbobProductId: '78',
      offer: { outcome: 'SKIPPED', reason: 'offer-deleted', detail: null, at },
    },
  ],
  buffer: 2,
};
const query = (q: Partial<CatalogQuery> = {}): CatalogQuery => ({
  q: '',
  limit: 50,
  after: null,
  ...q,
});

describe('catalogPage', () => {
  it('given offers, levels and products, when listed, then rows are the offers and known products by SKU', () => {
    const page = catalogPage(state, query());
    expect(page.items.map((r) => r.sku)).toEqual([
      'A-BOWL',
      'C-CARD',
      'D-NOSTOCK',
      'Z-DELETED',
      'b-mug',
    ]);
    expect(page).toMatchObject({ total: 5, nextAfter: null });
  });

  it('given a SKU that is an active offer with levels, then its quantity is computed with the buffer', () => {
    const mug = catalogPage(state, query({ q: 'MUG' })).items[0];
    expect(mug).toMatchObject({
      sku: 'b-mug',
      offer: true,
      shipbobProductId: '77',
      fulfillable: 10,
      exception: 3,
      buffer: 2,
      quantity: 5,
      pushed: { quantity: 5, result: 'APPLIED', importId: 'i1', reason: null },
    });
    expect(catalogPage(state, query({ q: 'bowl' })).items[0]!.quantity).toBe(0);
  });

  it('given digital, level-less, deleted SKUs or no configuration, then no quantity', () => {
    const rows = catalogPage(state, query()).items;
    const bySku = new Map(rows.map((r) => [r.sku, r]));
    expect(bySku.get('C-CARD')!.quantity).toBeNull();
    expect(bySku.get('D-NOSTOCK')).toMatchObject({
      quantity: null,
      fulfillable: null,
      pushed: null,
    });
    expect(bySku.get('Z-DELETED')).toMatchObject({
      offer: false,
      quantity: null,
      offerResult: { outcome: 'SKIPPED' },
    });
    const unconfigured = catalogPage({ ...state, buffer: null }, query({ q: 'mug' })).items[0];
    expect(unconfigured).toMatchObject({ buffer: null, quantity: null });
  });

  it('given a limit, then pages follow each other by the last SKU and end with null', () => {
    const first = catalogPage(state, query({ limit: 2 }));
    expect(first.items.map((r) => r.sku)).toEqual(['A-BOWL', 'C-CARD']);
    expect(first.nextAfter).toBe('C-CARD');
    const second = catalogPage(state, query({ limit: 2, after: first.nextAfter }));
    expect(second.items.map((r) => r.sku)).toEqual(['D-NOSTOCK', 'Z-DELETED']);
    const last = catalogPage(state, query({ limit: 2, after: second.nextAfter }));
    expect(last.items.map((r) => r.sku)).toEqual(['b-mug']);
    expect(last.nextAfter).toBeNull();
    expect(catalogPage(state, query({ after: 'zzz' })).items).toEqual([]);
  });
});

describe('push results and cycles', () => {
  const result: StockPushResult = {
    importId: '42',
    via: 'STO01',
    status: 'COMPLETE',
    linesInSuccess: 1,
    linesInError: 1,
    failures: [{ sku: 'B', message: 'offer not found' }],
  };
  const lines = [
    { sku: 'A', quantity: 3 },
    { sku: 'B', quantity: 1 },
  ];

  it('given an import with a refused line, then each line says what Mirakl did with it', () => {
    expect(pushedResults(lines, result, at)).toEqual([
      { sku: 'A', quantity: 3, at, importId: '42', result: 'APPLIED', reason: null, detail: null },
      {
        sku: 'B',
        quantity: 1,
        at,
        importId: '42',
        result: 'FAILED',
        reason: 'stock-rejected',
        detail: 'offer not found',
      },
    ]);
    expect(importedCycle('c1', lines, result, at)).toMatchObject({
      result: 'imported',
      skus: 2,
      errors: 1,
      importId: '42',
    });
  });

  it('given an import failed as a whole, then the cycle is failed with one error and says why', () => {
    const failed = { ...result, status: 'FAILED' as const, failures: [], reason: 'bad file' };
    expect(importedCycle('c1', lines, failed, at)).toMatchObject({
      result: 'failed',
      errors: 1,
      detail: 'the stock import 42 failed: bad file',
    });
  });

  it('given an offers cycle, then its counts are by outcome', () => {
    expect(
      offersCycleSummary({
        correlationId: 'p',
        startedAt: at,
        lastAt: at,
        skus: { ka: 'APPLIED', kb: 'DUPLICATE', kc: 'FAILED', kd: 'APPLIED', ke: 'SKIPPED' },
      }),
    ).toEqual({ at, startedAt: at, skus: 5, created: 2, existing: 1, skipped: 1, errors: 1 });
  });
});
