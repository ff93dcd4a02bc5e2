import { afterEach, describe, expect, it } from '@jest/globals';
import { createMiraklClient } from '@msync/mirakl';
import { applierHarness, eventually, type ApplierHarness } from './test-support/harness.js';
import { awaitingAcceptance, readyToShip, shipmentLabeled } from './test-support/facts.js';
import { EFFECTS_COLLECTION, effectId } from './adapters/effects-ledger.js';

let h: ApplierHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const effect = (harness: ApplierHarness, storeId: string, effectKey: string) =>
  harness.mongo.db
    .collection<Record<string, unknown> & { _id: string }>(EFFECTS_COLLECTION)
    .findOne({ _id: effectId(storeId, effectKey) });

/** A store's one-line order that a crashed run accepted (OR21 sent with the store's own key). */
async function crashedAfterAccepting(suffix: string) {
  h = await applierHarness();
  const harness = h;
  const store = await harness.addStore();
  const orderId = `${store.storeId}-${suffix}`;
  store.mirakl.control.createOrder(store.shopId, { orderId, lines: [{ sku: 'SKU-MUG' }] });
  const client = createMiraklClient({
    storeUrl: store.mirakl.url,
    apiKey: store.apiKey,
    trustedHosts: ['127.0.0.1'],
  });
  await client.acceptOrder({ orderId, lineIds: [`${orderId}-1`] });
  return { harness, store, orderId, client };
}

describe('resuming an effect a crashed run left unfinished', () => {
  it('crash between claim and call: ShipBob is asked, has nothing, and the order is created once', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore();
    const orderId = `${store.storeId}-R1-A`;
    await harness.leaveClaim(store.storeId, `create:${orderId}`);
    await harness.startApplier();

    await harness.publish('orderReadyToShip', readyToShip({ storeId: store.storeId, orderId }));
    await eventually(() => harness.outcomesOf(store.storeId).length === 1, 'an outcome');

    expect(harness.outcomesOf(store.storeId)[0]).toMatchObject({ outcome: 'APPLIED' });
    const orders = harness.shipbob.control.world.orders.filter((o) => o.referenceId === orderId);
    expect(orders).toHaveLength(1);
    const operations = harness.shipbob.control.exchanges().map((e) => e.operation);
    // Asked first, then created.
    expect(operations.indexOf('GET /order')).toBeLessThan(operations.indexOf('POST /order'));
    // The ledger notes the outcome once it is published, a write after the one the test saw.
    await eventually(
      async () =>
        (await effect(harness, store.storeId, `create:${orderId}`))?.outcomeRecorded === true,
      'the outcome noted in the ledger',
    );
    expect(await effect(harness, store.storeId, `create:${orderId}`)).toMatchObject({
      status: 'done',
      externalIds: { shipbobOrderId: String(orders[0]!.id) },
      outcomeRecorded: true,
    });
  });

  it('crash between call and mark-done: the ShipBob order found by reference id completes the claim, no second create', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore();
    const orderId = `${store.storeId}-R2-A`;
    // The crashed run's call went through: the order exists in ShipBob, the claim is unfinished.
    const merchant = harness.shipbob.control.world.merchants.find(
      (m) => m.id === store.merchantId,
    )!;
    harness.shipbob.control.world.createOrder(merchant, merchant.patChannelId, {
      reference_id: orderId,
      shipping_method: 'Standard',
      recipient: {
        name: 'Jane Doe',
        address: { address1: '151 West 34th Street', city: 'New York', country: 'US' },
      },
      products: [{ reference_id: 'SKU-MUG', quantity: 2 }],
    });
    await harness.leaveClaim(store.storeId, `create:${orderId}`);
    await harness.startApplier();

    await harness.publish('orderReadyToShip', readyToShip({ storeId: store.storeId, orderId }));
    await eventually(() => harness.outcomesOf(store.storeId).length === 1, 'an outcome');

    expect(harness.outcomesOf(store.storeId)[0]).toMatchObject({
      outcome: 'APPLIED',
      detail: 'resumed: ShipBob already had the order',
    });
    expect(
      harness.shipbob.control.world.orders.filter((o) => o.referenceId === orderId),
    ).toHaveLength(1);
    expect(
      harness.shipbob.control.exchanges().filter((e) => e.operation === 'POST /order'),
    ).toEqual([]);
  });

  it('crash between OR21 and mark-done: Mirakl shows the order accepted, the claim completes without a second OR21', async () => {
    const { harness, store, orderId } = await crashedAfterAccepting('R3-A');
    await harness.leaveClaim(store.storeId, `accept:${orderId}`);
    await harness.startApplier();

    await harness.publish(
      'orderAwaitingAcceptance',
      awaitingAcceptance({
        storeId: store.storeId,
        orderId,
        lines: [{ id: `${orderId}-1`, sku: 'SKU-MUG' }],
      }),
    );
    await eventually(() => harness.outcomesOf(store.storeId).length === 1, 'an outcome');

    expect(harness.outcomesOf(store.storeId)[0]).toMatchObject({ outcome: 'APPLIED' });
    const calls = store.mirakl.control.exchanges().map((e) => e.operation);
    expect(calls.filter((op) => op === 'OR21')).toHaveLength(1); // the crashed run's only
    expect(calls).toContain('OR11');
    expect(await effect(harness, store.storeId, `accept:${orderId}`)).toMatchObject({
      status: 'done',
    });
  });

  it('crash between OR23 and OR24: Mirakl shows the tracking, the claim completes with OR24 only', async () => {
    const { harness, store, orderId, client } = await crashedAfterAccepting('R4-A');
    store.mirakl.control.confirmPayment(store.shopId, orderId);
    const tracking = { carrierName: 'UPS', trackingNumber: '1Z999AA10123456784' };
    // The crashed run's OR23 went through; it stopped before OR24.
    await client.setTracking(orderId, tracking);
    await harness.leaveClaim(store.storeId, `ship:${orderId}`);
    await harness.startApplier();

    await harness.publish(
      'shipmentLabeled',
      shipmentLabeled({ storeId: store.storeId, orderId, ...tracking, carrier: 'UPS' }),
    );
    await eventually(() => harness.outcomesOf(store.storeId).length === 1, 'an outcome');

    expect(harness.outcomesOf(store.storeId)[0]).toMatchObject({ outcome: 'APPLIED' });
    const calls = store.mirakl.control.exchanges().map((e) => e.operation);
    expect(calls.filter((op) => op === 'OR23')).toHaveLength(1); // the crashed run's only
    expect(calls.filter((op) => op === 'OR24')).toHaveLength(1);
    expect(
      store.mirakl.control.snapshot(store.shopId).orders.find((o) => o.orderId === orderId),
    ).toMatchObject({ state: 'SHIPPED', tracking: { trackingNumber: tracking.trackingNumber } });
  });
});
