import { afterEach, describe, expect, it } from '@jest/globals';
import { envelope, type EventOf } from '@msync/events';
import { counted } from '@msync/test-support';
import {
  applierHarness,
  eventually,
  stockImportVendors,
  type ApplierHarness,
  type TestStore,
} from './test-support/harness.js';
import { EFFECTS_COLLECTION, effectId } from './adapters/effects-ledger.js';
import { INVENTORY_COLLECTIONS } from './adapters/inventory-state.js';
import { storeConfig } from './test-support/facts.js';
import type { SyncApplierOptions } from './service.js';

let h: ApplierHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const inventoryOn = {
  inventoryBuffer: 1,
  toggles: { ...storeConfig().toggles, inventory: true },
};

function offer(storeId: string, shopSku: string): EventOf<'offerObserved'> {
  return {
    envelope: envelope({
      storeId,
      idempotencyKey: `mirakl:${storeId}:offer:${shopSku}:1`,
      source: 'test',
      occurredAt: Date.now(),
    }),
    offerId: `offer-${shopSku}`,
    shopSku,
    productSku: null,
    productTitle: null,
    quantity: 0,
    active: true,
    deleted: false,
    lastUpdated: Date.now(),
  };
}

/** One store's facts of a cycle, the last closing it. */
function cycle(
  storeId: string,
  cycleId: string,
  levels: { sku: string; fulfillable: number; exception?: number }[],
): EventOf<'inventoryObserved'>[] {
  return levels.map((level, i) => ({
    envelope: envelope({
      storeId,
      idempotencyKey: `shipbob:${storeId}:inventory:${cycleId}:${level.sku}`,
      source: 'test',
      occurredAt: Date.now(),
    }),
    sku: level.sku,
    inventoryId: `inv-${level.sku}`,
    fulfillable: level.fulfillable,
    onHand: level.fulfillable,
    committed: 0,
    exception: level.exception ?? 0,
    active: true,
    digital: false,
    cycleId,
    endOfCycle: i === levels.length - 1,
    fullCycle: false,
  }));
}

async function setUp(overrides: Partial<SyncApplierOptions> = {}) {
  h = await applierHarness();
  const harness = h;
  const store = await harness.addStore({ config: inventoryOn });
  store.mirakl.control.upsertOffers(store.shopId, [
    { sku: 'SKU-MUG', quantity: 0 },
    { sku: 'SKU-BOWL', quantity: 0 },
  ]);
  const running = await harness.startApplier({
    ...overrides,
    vendors: stockImportVendors(harness.shipbob.url),
  });
  await harness.publish('offerObserved', [
    offer(store.storeId, 'SKU-MUG'),
    offer(store.storeId, 'SKU-BOWL'),
  ]);
  await eventually(async () => {
    const doc = await harness.mongo.db
      .collection<{ _id: string; offers?: object }>(INVENTORY_COLLECTIONS.offers)
      .findOne({ _id: store.storeId });
    return Object.keys(doc?.offers ?? {}).length === 2;
  }, 'the offers projected');
  return { harness, store, running };
}

const imports = (store: TestStore) => store.mirakl.control.snapshot(store.shopId).imports;
const quantities = (store: TestStore) =>
  Object.fromEntries(
    store.mirakl.control.snapshot(store.shopId).offers.map((o) => [o.sku, o.quantity]),
  );

describe('Sync Inventory in the applier', () => {
  it('one import per cycle; the cycle end delivered again is a DUPLICATE and imports nothing', async () => {
    const { harness, store, running } = await setUp();
    const first = cycle(store.storeId, 'c1', [
      { sku: 'SKU-BOWL', fulfillable: 5 },
      { sku: 'SKU-MUG', fulfillable: 10, exception: 2 },
    ]);
    await harness.publish('inventoryObserved', first);
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(quantities(store)).toEqual({ 'SKU-MUG': 7, 'SKU-BOWL': 4 });
    // About a cycle, not an order: no order timeline is fed from it.
    expect(harness.outcomesOf(store.storeId, 'APPLIED')[0]).toMatchObject({
      flow: 'inventory',
      subjectId: 'c1',
      miraklOrderId: null,
      externalIds: { via: 'STO01', skus: '2' },
    });
    expect(imports(store)).toHaveLength(1);

    await harness.publish('inventoryObserved', first.at(-1)!);
    await eventually(
      () => harness.outcomesOf(store.storeId, 'DUPLICATE').length === 1,
      'the redelivered end of cycle',
    );
    expect(imports(store)).toHaveLength(1);
    expect(
      await counted(running.metrics, 'sync_applier_inventory_cycles_total', { result: 'imported' }),
    ).toBe(1);
  });

  it('an import whose claim a crashed run left is redone once and marked done', async () => {
    const { harness, store } = await setUp();
    await harness.mongo.db
      .collection<Record<string, unknown> & { _id: string }>(EFFECTS_COLLECTION)
      .insertOne({
        _id: effectId(store.storeId, 'inventory:c9'),
        storeId: store.storeId,
        effectKey: 'inventory:c9',
        action: 'push-stock',
        factKey: 'a-crashed-run',
        status: 'claimed',
        claimedAt: new Date(),
      });
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c9', [{ sku: 'SKU-MUG', fulfillable: 3 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(quantities(store)['SKU-MUG']).toBe(2);
    expect(imports(store)).toHaveLength(1);
    // The outcome is published before the ledger records it was: wait for that last step.
    const entry = () =>
      harness.mongo.db
        .collection<{ _id: string; status?: string; outcomeRecorded?: boolean }>(EFFECTS_COLLECTION)
        .findOne({ _id: effectId(store.storeId, 'inventory:c9') });
    await eventually(async () => (await entry())?.outcomeRecorded === true, 'the outcome recorded');
    expect(await entry()).toMatchObject({ status: 'done', outcomeRecorded: true });
  });

  it('an import still RUNNING when the live deadline passes is followed to its end by the retrier, never sent again', async () => {
    const { harness, store } = await setUp({ liveDeadlineMs: 1_000 });
    // Mirakl is slow to process the store's imports.
    store.mirakl.control.holdImports(store.shopId, true);
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c5', [{ sku: 'SKU-MUG', fulfillable: 4 }]),
    );
    // Status reads every 50 ms: 40 of them outlast the live path's 1 s deadline twice over.
    const statusReads = () =>
      store.mirakl.control.exchanges().filter((e) => e.operation === 'STO02').length;
    await eventually(() => statusReads() >= 40, 'the import followed past the live deadline');
    expect(imports(store).map((i) => i.status)).toEqual(['RUNNING']);

    store.mirakl.control.holdImports(store.shopId, false);
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(quantities(store)['SKU-MUG']).toBe(3);
    expect(imports(store)).toHaveLength(1);
    expect(harness.outcomesOf(store.storeId, 'APPLIED')[0]?.externalIds).toMatchObject({
      importId: imports(store)[0]?.importId,
    });
  });

  it('a cycle without changes delivered again after a later import (a replay, with older levels) imports nothing', async () => {
    const { harness, store, running } = await setUp();
    const unchanged = () =>
      counted(running.metrics, 'sync_applier_inventory_cycles_total', { result: 'unchanged' });
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c1', [{ sku: 'SKU-MUG', fulfillable: 10 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'c1');
    const quiet = cycle(store.storeId, 'c2', [{ sku: 'SKU-MUG', fulfillable: 10 }]);
    await harness.publish('inventoryObserved', quiet);
    await eventually(async () => (await unchanged()) === 1, 'c2 without an import');
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c3', [{ sku: 'SKU-MUG', fulfillable: 20 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 2, 'c3');
    expect(imports(store)).toHaveLength(2);

    // c2 again: its level (10) is older than what c3 pushed (19).
    await harness.publish('inventoryObserved', quiet);
    await eventually(async () => (await unchanged()) === 2, 'c2 handled again');
    expect(imports(store)).toHaveLength(2);
    expect(quantities(store)['SKU-MUG']).toBe(19);
  });
});
