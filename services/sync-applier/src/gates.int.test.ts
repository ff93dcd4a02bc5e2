import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import { counted } from '@msync/test-support';
import { createMongoParkedEventStore } from '@msync/events';
import { applierHarness, eventually, type ApplierHarness } from './test-support/harness.js';
import { EFFECTS_COLLECTION } from './adapters/effects-ledger.js';
import {
  awaitingAcceptance,
  readyToShip,
  shipmentLabeled,
  storeConfig,
} from './test-support/facts.js';

let h: ApplierHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('store configuration gates every fact', () => {
  it('flows switched off or a disconnected store: SKIPPED with the reason, and no vendor call at all', async () => {
    h = await applierHarness();
    const harness = h;
    const off = await harness.addStore({
      config: {
        toggles: {
          offers: true,
          inventory: true,
          orders: false,
          tracking: false,
          cancellations: true,
          returns: true,
        },
      },
    });
    const disconnected = await harness.addStore();
    await disconnected.configure({ status: 'DISCONNECTED' });
    const running = await harness.startApplier();

    for (const store of [off, disconnected]) {
      const orderId = `${store.storeId}-G-A`;
      store.mirakl.control.createOrder(store.shopId, { orderId, lines: [{ sku: 'SKU-MUG' }] });
      await harness.publish(
        'orderAwaitingAcceptance',
        awaitingAcceptance({ storeId: store.storeId, orderId }),
      );
      await harness.publish('orderReadyToShip', readyToShip({ storeId: store.storeId, orderId }));
      await harness.publish(
        'shipmentLabeled',
        shipmentLabeled({ storeId: store.storeId, orderId }),
      );
    }
    await eventually(() => harness.outcomes.length === 6, 'an outcome for each of the six facts');

    // Three topics: the consumer interleaves them in no set order.
    const skipped = harness.outcomesOf(off.storeId).map((o) => [o.outcome, o.flow, o.reason]);
    expect(skipped.sort()).toEqual([
      ['SKIPPED', 'orders', 'flow-disabled'],
      ['SKIPPED', 'orders', 'flow-disabled'],
      ['SKIPPED', 'tracking', 'flow-disabled'],
    ]);
    expect(harness.outcomesOf(disconnected.storeId).map((o) => o.reason)).toEqual([
      'store-not-connected',
      'store-not-connected',
      'store-not-connected',
    ]);
    // Not one API call reached either simulator.
    expect(off.mirakl.control.exchanges()).toEqual([]);
    expect(disconnected.mirakl.control.exchanges()).toEqual([]);
    expect(harness.shipbob.control.exchanges()).toEqual([]);
    expect(
      await counted(running.metrics, 'sync_applier_outcomes_total', { outcome: 'SKIPPED' }),
    ).toBe(6);
  });

  it('a fact skipped while the flow was off leaves nothing in the ledger: delivered again once the flow is on, under its own key or a resync key, it is applied once', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore({
      config: { toggles: { ...storeConfig().toggles, orders: false } },
    });
    const running = await harness.startApplier();
    const { storeId } = store;
    const orderId = `${storeId}-R-A`;
    store.mirakl.control.createOrder(store.shopId, { orderId, lines: [{ sku: 'SKU-MUG' }] });
    const fact = awaitingAcceptance({
      storeId,
      orderId,
      lines: [{ id: `${orderId}-1`, sku: 'SKU-MUG' }],
    });
    await harness.publish('orderAwaitingAcceptance', fact);
    await eventually(() => harness.outcomesOf(storeId).length === 1, 'the fact skipped');
    const effect = { storeId, effectKey: `accept:${orderId}` };
    expect(await harness.mongo.db.collection(EFFECTS_COLLECTION).findOne(effect)).toBeNull();

    await store.configure({ toggles: { ...store.config.toggles, orders: true } });
    await eventually(
      () => running.applier.configs.get(storeId)?.version === store.config.version,
      'the applier reading Order Sync switched on',
    );
    const again = (idempotencyKey: string) => ({
      ...fact,
      envelope: { ...fact.envelope, eventId: randomUUID(), idempotencyKey },
    });
    const key = fact.envelope.idempotencyKey;
    await harness.publish('orderAwaitingAcceptance', [
      again(key),
      again(`${key}:resync:${Date.now()}`),
    ]);
    await eventually(() => harness.outcomesOf(storeId).length === 3, 'both deliveries decided');

    expect(harness.outcomesOf(storeId).map((o) => [o.outcome, o.reason])).toEqual([
      ['SKIPPED', 'flow-disabled'],
      ['APPLIED', null],
      ['DUPLICATE', 'already-applied'],
    ]);
    expect(
      store.mirakl.control.exchanges().filter((e) => e.operation === 'OR21' && e.status === 204),
    ).toHaveLength(1);
    expect(await harness.mongo.db.collection(EFFECTS_COLLECTION).findOne(effect)).toMatchObject({
      status: 'done',
      factKey: key,
    });
  });

  it('a store whose configuration was not seen yet: its facts wait, parked, and are applied once it arrives', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore({ publishConfig: false });
    const running = await harness.startApplier();
    const orderId = `${store.storeId}-W-A`;
    store.mirakl.control.createOrder(store.shopId, { orderId, lines: [{ sku: 'SKU-MUG' }] });
    await harness.publish(
      'orderAwaitingAcceptance',
      awaitingAcceptance({
        storeId: store.storeId,
        orderId,
        lines: [{ id: `${orderId}-1`, sku: 'SKU-MUG' }],
      }),
    );

    const parked = await createMongoParkedEventStore(harness.mongo.db);
    await eventually(
      async () =>
        (await counted(running.metrics, 'events_set_aside_total', {
          reason: 'config-not-loaded',
        })) >= 1,
      'the fact set aside for want of a configuration',
    );
    expect(harness.outcomesOf(store.storeId)).toEqual([]);
    expect(store.mirakl.control.exchanges()).toEqual([]);

    await store.configure({});
    await eventually(() => harness.outcomesOf(store.storeId).length === 1, 'the fact applied');
    expect(harness.outcomesOf(store.storeId)[0]).toMatchObject({ outcome: 'APPLIED' });
    await eventually(
      async () => !(await parked.hasParked(running.applier.groupId, store.storeId)),
      'the store un-parked',
    );
  });
});
