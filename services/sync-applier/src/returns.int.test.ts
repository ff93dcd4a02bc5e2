import { afterEach, describe, expect, it } from '@jest/globals';
import { withContext } from '@msync/test-support';
import { applierHarness, eventually, type ApplierHarness } from './test-support/harness.js';
import { incidentOpened, readyToShip, storeConfig } from './test-support/facts.js';

let h: ApplierHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const RETURN_CENTER = 1;

const returnsFor = (harness: ApplierHarness, referenceId: string) =>
  harness.shipbob.control.world.returns.all.filter((r) => r.referenceId === referenceId);

describe('the returns flow end to end, exactly once', () => {
  it('creates one ShipBob return per incident line at the return center; redelivery, revoked approval and a quantity above shipped send nothing', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore({
      config: {
        toggles: { ...storeConfig().toggles, returns: true },
        returnsApproved: true,
        returnFulfillmentCenterId: String(RETURN_CENTER),
      },
    });
    const running = await harness.startApplier();
    const orderId = `${store.storeId}-R1-A`;
    const lines = [
      { id: `${orderId}-1`, sku: 'SKU-MUG', quantity: 2 },
      { id: `${orderId}-2`, sku: 'SKU-BOWL', quantity: 1 },
    ];
    // The order reached ShipBob through the orders flow and shipped.
    await harness.publish(
      'orderReadyToShip',
      readyToShip({ storeId: store.storeId, orderId, lines }),
    );
    await eventually(
      () => harness.outcomesOf(store.storeId, 'APPLIED').length === 1,
      'the ShipBob order applied',
    );
    const order = harness.shipbob.control.world.orders.find((o) => o.referenceId === orderId)!;
    const shipment = harness.shipbob.control.world.shipShipment(order.shipments[0]!.id);

    const incident = incidentOpened({
      storeId: store.storeId,
      orderId,
      orderLineId: `${orderId}-1`,
      sku: 'SKU-MUG',
      quantity: 2,
    });
    await harness.publish('incidentOpened', incident);
    await eventually(
      () => harness.outcomesOf(store.storeId, 'APPLIED').length === 2,
      'the return applied',
    );
    const mug = order.lines.find((l) => l.sku === 'SKU-MUG')!;
    const [created] = returnsFor(harness, `${orderId}-1`);
    expect(returnsFor(harness, `${orderId}-1`)).toHaveLength(1);
    expect(created).toMatchObject({
      status: 'AwaitingArrival',
      fulfillmentCenterId: RETURN_CENTER,
      originalShipmentId: shipment.id,
      items: [expect.objectContaining({ inventoryId: mug.inventoryId, quantity: 2 })],
    });
    const applied = harness.outcomesOf(store.storeId, 'APPLIED')[1]!;
    expect([applied.flow, applied.effectKey, applied.target]).toEqual([
      'returns',
      `return:${orderId}:${orderId}-1`,
      'SHIPBOB',
    ]);
    expect(applied.externalIds).toEqual({
      shipbobReturnId: String(created!.id),
      referenceId: `${orderId}-1`,
    });

    // Redelivered: DUPLICATE, no second return.
    await harness.publish('incidentOpened', incident);
    await eventually(
      () => harness.outcomesOf(store.storeId, 'DUPLICATE').length === 1,
      'the redelivered incident is a duplicate',
    );
    expect(returnsFor(harness, `${orderId}-1`)).toHaveLength(1);

    // More than ShipBob shipped of the bowl: FAILED, never a partial return.
    const tooMany = incidentOpened({
      storeId: store.storeId,
      orderId,
      orderLineId: `${orderId}-2`,
      sku: 'SKU-BOWL',
      quantity: 3,
    });
    await harness.publish('incidentOpened', tooMany);
    await eventually(
      () => harness.outcomesOf(store.storeId, 'FAILED').length === 1,
      'the incident above the shipped quantity failed',
    );
    expect(harness.outcomesOf(store.storeId, 'FAILED')[0]).toMatchObject({
      reason: 'quantity-above-shipped',
      detail: expect.stringContaining('shipped 1'),
    });

    // Approval revoked after the incident was seen: SKIPPED, no return.
    await store.configure({ returnsApproved: false });
    const revoked = incidentOpened({
      storeId: store.storeId,
      orderId,
      orderLineId: `${orderId}-2`,
      sku: 'SKU-BOWL',
      quantity: 1,
    });
    await eventually(
      () => running.applier.configs.get(store.storeId)?.version === store.config.version,
      'the applier reading the revoked approval',
    );
    await harness.publish('incidentOpened', revoked);
    await eventually(
      () => harness.outcomesOf(store.storeId, 'SKIPPED').length === 1,
      'the incident without approval is skipped',
    );
    withContext('no return without approval', () => {
      expect(harness.outcomesOf(store.storeId, 'SKIPPED')[0]).toMatchObject({
        reason: 'returns-not-approved',
      });
      expect(returnsFor(harness, `${orderId}-2`)).toHaveLength(0);
    });
  });

  it('follows the store’s reason mapping and requested action as its configuration on the topic carries them', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore({
      config: {
        toggles: { ...storeConfig().toggles, returns: true },
        returnsApproved: true,
        returnFulfillmentCenterId: String(RETURN_CENTER),
        returns: { reasons: { LOST: 'ignore', '12': 'create' }, requestedAction: 'Quarantine' },
      },
    });
    await harness.startApplier();
    const orderId = `${store.storeId}-R2-A`;
    const lines = [
      { id: `${orderId}-1`, sku: 'SKU-MUG', quantity: 1 },
      { id: `${orderId}-2`, sku: 'SKU-BOWL', quantity: 1 },
    ];
    await harness.publish(
      'orderReadyToShip',
      readyToShip({ storeId: store.storeId, orderId, lines }),
    );
    await eventually(
      () => harness.outcomesOf(store.storeId, 'APPLIED').length === 1,
      'the ShipBob order applied',
    );
    const order = harness.shipbob.control.world.orders.find((o) => o.referenceId === orderId)!;
    harness.shipbob.control.world.shipShipment(order.shipments[0]!.id);

    const incident = (line: number, sku: string, reasonCode: string) =>
      incidentOpened({
        storeId: store.storeId,
        orderId,
        orderLineId: `${orderId}-${line}`,
        sku,
        quantity: 1,
        reasonCode,
      });
    await harness.publish('incidentOpened', incident(1, 'SKU-MUG', '12'));
    await harness.publish('incidentOpened', incident(2, 'SKU-BOWL', 'LOST'));
    await eventually(
      () =>
        harness.outcomesOf(store.storeId, 'APPLIED').length === 2 &&
        harness.outcomesOf(store.storeId, 'SKIPPED').length === 1,
      'both incidents decided',
    );
    expect(harness.outcomesOf(store.storeId, 'SKIPPED')[0]).toMatchObject({
      reason: 'reason-ignored',
      effectKey: `return:${orderId}:${orderId}-2`,
    });
    expect(returnsFor(harness, `${orderId}-2`)).toHaveLength(0);
    expect(returnsFor(harness, `${orderId}-1`)).toEqual([
      expect.objectContaining({
        items: [expect.objectContaining({ requestedAction: 'Quarantine' })],
      }),
    ]);
  });
});
