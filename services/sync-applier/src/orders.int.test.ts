import { afterEach, describe, expect, it } from '@jest/globals';
import {
  applierHarness,
  eventually,
  type ApplierHarness,
  type TestStore,
} from './test-support/harness.js';
import { awaitingAcceptance, readyToShip, shipmentLabeled } from './test-support/facts.js';

let h: ApplierHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A Mirakl order waiting for acceptance in the store's simulator, and its fact. */
function newOrder(store: TestStore, orderId: string) {
  store.mirakl.control.createOrder(store.shopId, {
    orderId,
    lines: [
      { sku: 'SKU-MUG', quantity: 2 },
      { sku: 'SKU-BOWL', quantity: 1 },
    ],
  });
  const lines = [
    { id: `${orderId}-1`, sku: 'SKU-MUG', quantity: 2 },
    { id: `${orderId}-2`, sku: 'SKU-BOWL', quantity: 1 },
  ];
  return {
    awaiting: awaitingAcceptance({ storeId: store.storeId, orderId, lines }),
    ready: readyToShip({ storeId: store.storeId, orderId, lines }),
  };
}

const miraklOrder = (store: TestStore, orderId: string) =>
  store.mirakl.control.snapshot(store.shopId).orders.find((o) => o.orderId === orderId)!;

const shipbobOrdersFor = (harness: ApplierHarness, referenceId: string) =>
  harness.shipbob.control.world.orders.filter((o) => o.referenceId === referenceId);

/** ShipBob orders created (201) for a reference id, as the simulator's journal saw them. */
const shipbobCreates = (harness: ApplierHarness, referenceId: string) =>
  harness.shipbob.control
    .exchanges()
    .filter(
      (e) =>
        e.operation === 'POST /order' &&
        e.status === 201 &&
        (e.requestBody as { reference_id?: string } | undefined)?.reference_id === referenceId,
    ).length;

describe('the orders flow end to end, exactly once', () => {
  it('accepts, creates one ShipBob order, ships with tracking; redelivered and replayed facts write nothing again', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore();
    await harness.startApplier();
    const orderId = `${store.storeId}-O1-A`;
    const { awaiting, ready } = newOrder(store, orderId);

    // Accepted: OR21 with every line.
    await harness.publish('orderAwaitingAcceptance', awaiting);
    await eventually(
      () => harness.outcomesOf(store.storeId, 'APPLIED').length === 1,
      'the acceptance applied',
    );
    expect(miraklOrder(store, orderId)).toMatchObject({
      state: 'WAITING_DEBIT_PAYMENT',
      acceptedLines: [`${orderId}-1`, `${orderId}-2`],
    });

    // Paid: the order reaches SHIPPING; one ShipBob order is created.
    store.mirakl.control.confirmPayment(store.shopId, orderId);
    await harness.publish('orderReadyToShip', ready);
    await eventually(
      () => harness.outcomesOf(store.storeId, 'APPLIED').length === 2,
      'the ShipBob order applied',
    );
    const [created] = shipbobOrdersFor(harness, orderId);
    expect(shipbobOrdersFor(harness, orderId)).toHaveLength(1);
    expect(shipbobCreates(harness, orderId)).toBe(1);
    expect(created).toMatchObject({
      referenceId: orderId,
      shippingMethod: 'Standard',
      recipient: { name: 'Jane Doe', address: { country: 'US', city: 'New York' } },
    });

    // Labeled in ShipBob: OR23 then OR24; the Mirakl order is SHIPPED with the tracking.
    const shipment = harness.shipbob.control.world.labelShipment(created!.shipments[0]!.id, {
      carrier: 'UPS',
    });
    const labeled = shipmentLabeled({
      storeId: store.storeId,
      orderId,
      shipbobOrderId: String(created!.id),
      shipmentId: String(shipment.id),
      carrier: shipment.tracking!.carrier,
      trackingNumber: shipment.tracking!.trackingNumber,
      trackingUrl: shipment.tracking!.trackingUrl,
    });
    await harness.publish('shipmentLabeled', labeled);
    await eventually(
      () => harness.outcomesOf(store.storeId, 'APPLIED').length === 3,
      'the shipment applied',
    );
    expect(miraklOrder(store, orderId)).toMatchObject({
      state: 'SHIPPED',
      shipped: true,
      tracking: { trackingNumber: shipment.tracking!.trackingNumber },
    });
    const applied = harness.outcomesOf(store.storeId, 'APPLIED');
    expect(applied.map((o) => [o.flow, o.effectKey, o.target])).toEqual([
      ['orders', `accept:${orderId}`, 'MIRAKL'],
      ['orders', `create:${orderId}`, 'SHIPBOB'],
      ['tracking', `ship:${orderId}`, 'MIRAKL'],
    ]);
    expect(applied[1]!.externalIds).toEqual({ shipbobOrderId: String(created!.id) });
    expect(applied.every((o) => o.miraklOrderId === orderId && o.latencyMs !== null)).toBe(true);

    const miraklWrites = () => harness.writesTo(store.mirakl.control.exchanges());
    const shipbobWrites = () => harness.writesTo(harness.shipbob.control.exchanges());
    const writesBefore = { mirakl: miraklWrites(), shipbob: shipbobWrites() };
    expect(writesBefore).toEqual({ mirakl: 3, shipbob: 1 });

    // The same facts delivered again to the same group: DUPLICATE, nothing sent.
    await harness.publish('orderAwaitingAcceptance', awaiting);
    await harness.publish('orderReadyToShip', ready);
    await harness.publish('shipmentLabeled', labeled);
    await eventually(
      () => harness.outcomesOf(store.storeId, 'DUPLICATE').length === 3,
      'three duplicates after redelivery',
    );

    // A replay of the store's history (a new consumer group from the beginning): the same.
    await harness.startApplier({ groupId: `${harness.namespace}replay` });
    await eventually(
      () => harness.outcomesOf(store.storeId, 'DUPLICATE').length === 9,
      'six more duplicates from the replay of six facts',
    );
    expect({ mirakl: miraklWrites(), shipbob: shipbobWrites() }).toEqual(writesBefore);
    expect(shipbobOrdersFor(harness, orderId)).toHaveLength(1);
    expect(harness.outcomesOf(store.storeId, 'APPLIED')).toHaveLength(3);
    expect(harness.outcomesOf(store.storeId).filter((o) => o.outcome === 'FAILED')).toEqual([]);
  });
});
