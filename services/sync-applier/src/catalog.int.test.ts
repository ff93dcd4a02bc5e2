import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import express from 'express';
import type { EventOf } from '@msync/events';
import {
  applierHarness,
  eventually,
  stockImportVendors,
  type ApplierHarness,
} from './test-support/harness.js';
import { inventoryObserved, offerObserved, storeConfig } from './test-support/facts.js';

// The seller's catalog view (ADR 0089) on real Kafka and FerretDB: offers and an inventory cycle
// go through the applier, then its ops routes are read as config-api reads them.

let h: ApplierHarness | undefined;
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await h?.close();
  h = undefined;
});

function level(
  storeId: string,
  sku: string,
  fulfillable: number,
  exception: number,
  last: boolean,
): EventOf<'inventoryObserved'> {
  return inventoryObserved({ storeId, sku, fulfillable, exception, endOfCycle: last });
}

interface Answer {
  status: number;
  type: string | null;
  body: { items: { sku: string }[]; errors?: unknown[]; [key: string]: unknown };
}

async function get(url: string): Promise<Answer> {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as Answer['body'],
  };
}
const skusOf = (answer: Answer) => answer.body.items.map((row) => row.sku);

describe("the seller's catalog view", () => {
  it("shows each SKU with its product, levels, quantity and push result, searchable and paged, and each flow's last cycle", async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore({
      config: {
        inventoryBuffer: 1,
        toggles: { ...storeConfig().toggles, offers: true, inventory: true },
      },
      skus: ['SKU-MUG'],
    });
    // SKU-GONE is an offer the applier sees but Mirakl no longer has: its stock line is refused.
    store.mirakl.control.upsertOffers(store.shopId, [
      { sku: 'SKU-MUG', quantity: 0 },
      { sku: 'SKU-NEW', quantity: 0 },
    ]);
    const running = await harness.startApplier({
      vendors: stockImportVendors(harness.shipbob.url),
    });
    const app = express();
    const router = express.Router();
    running.applier.opsRoutes(router);
    app.use(router);
    server = createServer(app);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/catalog/${store.storeId}`;

    // One poll's offers share its correlation id: one offers cycle.
    const poll = 'offers-poll-1';
    const offers = ['SKU-MUG', 'SKU-NEW', 'SKU-GONE'].map((sku) => {
      const fact = offerObserved({ storeId: store.storeId, sku });
      return { ...fact, envelope: { ...fact.envelope, correlationId: poll } };
    });
    await harness.publish('offerObserved', offers);
    await eventually(
      () => harness.offerOutcomesOf(store.storeId).length === 3,
      'an offers outcome per SKU',
      30_000,
    );
    await harness.publish('inventoryObserved', [
      level(store.storeId, 'SKU-MUG', 10, 2, false),
      level(store.storeId, 'SKU-NEW', 5, 0, false),
      level(store.storeId, 'SKU-OTHER', 9, 0, false),
      level(store.storeId, 'SKU-GONE', 3, 0, true),
    ]);
    await eventually(
      () => harness.outcomesOf(store.storeId, 'FAILED').length === 1,
      'the refused line',
      30_000,
    );
    await eventually(
      async () => (await get(`${base}/cycles`)).body['inventory'] !== null,
      'the inventory cycle in the view',
    );

    const cycles = await get(`${base}/cycles`);
    expect(cycles.status).toBe(200);
    expect(cycles.body).toMatchObject({
      offers: { skus: 3, created: 2, existing: 1, skipped: 0, errors: 0 },
      inventory: { cycleId: 'c1', result: 'imported', skus: 3, errors: 1 },
    });

    const all = await get(`${base}/skus`);
    expect(all.status).toBe(200);
    const productOf = (sku: string) =>
      String(
        harness.shipbob.control.world.products.find((p) => p.variants[0]!.sku === sku)?.id ?? '',
      );
    expect(all.body).toMatchObject({ total: 3, nextAfter: null });
    // SKU-OTHER is ShipBob's but no offer of the store: never pushed, not a row.
    expect(all.body['items']).toEqual([
      expect.objectContaining({
        sku: 'SKU-GONE',
        offer: true,
        shipbobProductId: productOf('SKU-GONE'),
        fulfillable: 3,
        quantity: 2,
        pushed: expect.objectContaining({
          quantity: 2,
          result: 'FAILED',
          reason: 'stock-rejected',
        }),
      }),
      expect.objectContaining({
        sku: 'SKU-MUG',
        shipbobProductId: productOf('SKU-MUG'),
        offerResult: expect.objectContaining({ outcome: 'DUPLICATE', reason: 'product-exists' }),
        fulfillable: 10,
        exception: 2,
        buffer: 1,
        quantity: 7,
        pushed: expect.objectContaining({ quantity: 7, result: 'APPLIED', reason: null }),
      }),
      expect.objectContaining({
        sku: 'SKU-NEW',
        offerResult: expect.objectContaining({ outcome: 'APPLIED' }),
        quantity: 4,
        pushed: expect.objectContaining({ quantity: 4, result: 'APPLIED' }),
      }),
    ]);
    expect(productOf('SKU-NEW')).not.toBe('');

    const found = await get(`${base}/skus?q=mug`);
    expect(skusOf(found)).toEqual(['SKU-MUG']);

    const first = await get(`${base}/skus?limit=2`);
    expect(skusOf(first)).toEqual(['SKU-GONE', 'SKU-MUG']);
    expect(first.body['nextAfter']).toBe('SKU-MUG');
    const second = await get(`${base}/skus?limit=2&after=SKU-MUG`);
    expect(skusOf(second)).toEqual(['SKU-NEW']);
    expect(second.body['nextAfter']).toBeNull();

    // The next poll is the next offers cycle; a SKU handled again keeps its product.
    await harness.publish(
      'offerObserved',
      ['SKU-MUG', 'SKU-NEW'].map((sku) => {
        const fact = offerObserved({ storeId: store.storeId, sku });
        return { ...fact, envelope: { ...fact.envelope, correlationId: 'offers-poll-2' } };
      }),
    );
    await eventually(
      async () =>
        ((await get(`${base}/cycles`)).body['offers'] as { skus?: number } | null)?.skus === 2,
      'the second offers cycle',
    );
    expect((await get(`${base}/cycles`)).body['offers']).toMatchObject({
      skus: 2,
      created: 0,
      existing: 2,
      errors: 0,
    });
    const again = await get(`${base}/skus?q=SKU-NEW`);
    expect(again.body.items[0]).toMatchObject({
      shipbobProductId: productOf('SKU-NEW'),
      offerResult: { outcome: 'DUPLICATE', reason: 'already-applied' },
    });

    const bad = await get(`${base}/skus?limit=500`);
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    expect(bad.body['errors']).toEqual([expect.objectContaining({ field: 'limit' })]);
  });
});
