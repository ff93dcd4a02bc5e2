import { describe, expect, it } from '@jest/globals';
import { eventually, useSimulator, validOrder } from './test-support/harness.js';

interface ShipmentView {
  id: number;
  status: string;
  status_details: { name: string }[];
  tracking: { carrier: string; tracking_number: string; tracking_url: string } | null;
}

describe('ShipBob simulator autopilot', () => {
  const t = useSimulator();
  const createOrder = async (ref: string, sku?: string, quantity?: number) =>
    (
      await t.json<{ id: number; shipments: ShipmentView[] }>('/2025-07/order', {
        method: 'POST',
        channel: t.channelId,
        body: JSON.stringify(validOrder(ref, sku, quantity)),
      })
    ).body;
  const shipment = async (id: number) =>
    (await t.json<ShipmentView>(`/2025-07/shipment/${id}`)).body;

  it('is off by default: a new order stays Processing without a label', async () => {
    const order = await createOrder('MANUAL');
    const state = (await t.control('GET', '/autopilot')) as { enabled: boolean };
    expect(state.enabled).toBe(false);
    expect(await shipment(order.shipments[0]!.id)).toMatchObject({
      status: 'Processing',
      tracking: null,
    });
  });

  it('labels and ships orders by itself once switched on, with carrier, number and URL', async () => {
    await t.control('PUT', '/autopilot', {
      enabled: true,
      labelAfterMs: 100,
      shipAfterMs: 200,
      carrier: 'USPS',
    });
    const order = await createOrder('AUTO');
    const id = order.shipments[0]!.id;
    await eventually(async () => (await shipment(id)).tracking !== null, 'a label', 5_000);
    const labeled = await shipment(id);
    const { carrier, tracking_number: trackingNumber, tracking_url: url } = labeled.tracking!;
    expect(carrier).toBe('USPS');
    expect(trackingNumber).toMatch(/^\d{22}$/);
    expect(url).toBe(`https://tools.usps.com/go/TrackConfirmAction?tLabels=${trackingNumber}`);
    await eventually(async () => (await shipment(id)).status === 'Completed', 'shipped', 5_000);
    const fulfilled = (await t.json<{ status: string }>(`/2025-07/order/${order.id}`)).body;
    expect(fulfilled.status).toBe('Fulfilled');
  });

  it('leaves orders in exception alone until stock arrives', async () => {
    await t.control('PUT', '/autopilot', { enabled: true, labelAfterMs: 50 });
    const waiting = await createOrder('OOS', 'SKU-1', 10);
    const labeledMeanwhile = await createOrder('IN-STOCK');
    await eventually(
      async () => (await shipment(labeledMeanwhile.shipments[0]!.id)).tracking !== null,
      'the in-stock order labeled',
      5_000,
    );
    expect(await shipment(waiting.shipments[0]!.id)).toMatchObject({
      status: 'Exception',
      tracking: null,
    });
  });

  it('receives stock by itself when asked: a center below the line back up, exception orders released', async () => {
    const level = async () =>
      (
        await t.json<{ total_on_hand_quantity: number; total_fulfillable_quantity: number }>(
          `/2025-07/inventory-level/${t.inventoryId}`,
        )
      ).body;
    // Given SKU-1's 3 units and an order of 5 waiting in exception, restock off
    const waiting = await createOrder('WAITS', 'SKU-1', 5);
    const id = waiting.shipments[0]!.id;
    expect((await shipment(id)).status).toBe('Exception');
    await t.control('PUT', '/autopilot', { enabled: true, labelAfterMs: 60_000 });
    expect((await t.control('GET', '/autopilot')) as object).toMatchObject({ restock: null });
    expect(await level()).toMatchObject({ total_on_hand_quantity: 3 });

    // When the warehouse receives whatever falls below 4, back up to 10
    await t.control('PUT', '/autopilot', {
      enabled: true,
      labelAfterMs: 60_000,
      restock: { below: 4, upTo: 10 },
    });

    // Then 7 units are received (3 → 10) and the waiting order takes 5 of them; the 5 left are
    // not below the line, so nothing more comes
    await eventually(async () => (await shipment(id)).status === 'Processing', 'allocated', 5_000);
    expect(await level()).toMatchObject({
      total_on_hand_quantity: 10,
      total_fulfillable_quantity: 5,
    });
  });
});
