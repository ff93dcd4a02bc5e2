import { describe, expect, it } from '@jest/globals';
import { openApiProblems, useSimulator, validOrder } from './test-support/harness.js';

interface OrderView {
  id: number;
  shipments: { id: number; is_tracking_uploaded: boolean; tracking: unknown }[];
}

describe('ShipBob simulator endpoints for the sync pipeline', () => {
  const t = useSimulator();
  const createOrder = async (ref: string, version = '2025-07'): Promise<OrderView> => {
    const created = await t.json<OrderView>(`/${version}/order`, {
      method: 'POST',
      channel: t.channelId,
      body: JSON.stringify(validOrder(ref)),
    });
    expect(created.status).toBe(201);
    return created.body;
  };

  it.each(['2025-07', '2026-01'])('%s reads one shipment of an order', async (version) => {
    const order = await createOrder('ONE-SHIPMENT', version);
    const shipmentId = order.shipments[0]!.id;
    const found = await t.json<{ id: number; order_id: number }>(
      `/${version}/order/${order.id}/shipment/${shipmentId}`,
    );
    expect(found).toMatchObject({ status: 200, body: { id: shipmentId, order_id: order.id } });
    const other = await createOrder('OTHER', version);
    const mismatched = await t.api(`/${version}/order/${other.id}/shipment/${shipmentId}`);
    expect(mismatched.status).toBe(404);
  });

  it.each(['2025-07', '2026-01'])(
    '%s marks tracking uploaded in bulk and GET /order filters on it',
    async (version) => {
      const a = await createOrder('TRK-A', version);
      const b = await createOrder('TRK-B', version);
      for (const order of [a, b])
        await t.control('POST', `/shipments/${order.shipments[0]!.id}/label`);
      const pending = await t.json<OrderView[]>(
        `/${version}/order?HasTracking=true&IsTrackingUploaded=false`,
      );
      expect(pending.body.map((o) => o.id).sort()).toEqual([a.id, b.id].sort());

      const marked = await t.json<{
        results: { shipmentId: number; isSuccess: boolean; error?: unknown }[];
        summary: { total: number; successful: number; failed: number };
      }>(`/${version}/shipment:batchUpdateTrackingUpload`, {
        method: 'POST',
        body: JSON.stringify({
          shipment_ids: [a.shipments[0]!.id, 999_999],
          is_tracking_uploaded: true,
        }),
      });
      expect(marked.status).toBe(200);
      expect(marked.body.summary).toEqual({ total: 2, successful: 1, failed: 1 });
      expect(marked.body.results[0]).toMatchObject({
        shipmentId: a.shipments[0]!.id,
        isSuccess: true,
      });
      expect(marked.body.results[1]).toMatchObject({ shipmentId: 999_999, isSuccess: false });

      const still = await t.json<OrderView[]>(
        `/${version}/order?HasTracking=true&IsTrackingUploaded=false`,
      );
      expect(still.body.map((o) => o.id)).toEqual([b.id]);
      const shipment = await t.json<OrderView['shipments'][number]>(
        `/${version}/shipment/${a.shipments[0]!.id}`,
      );
      expect(shipment.body.is_tracking_uploaded).toBe(true);

      const invalid = await t.json<unknown>(`/${version}/shipment:batchUpdateTrackingUpload`, {
        method: 'POST',
        body: JSON.stringify({ is_tracking_uploaded: true }),
      });
      expect(invalid.status).toBe(400);
      expect(typeof invalid.body).toBe('string');
    },
  );

  it.each(['2025-07', '2026-01'])('%s reads one inventory level', async (version) => {
    const level = await t.json<Record<string, unknown>>(
      `/${version}/inventory-level/${t.inventoryId}`,
    );
    expect(level).toMatchObject({
      status: 200,
      body: { inventory_id: t.inventoryId, sku: 'SKU-1', total_on_hand_quantity: 3 },
    });
    const locations = await t.json<{ locations: { location_id: number }[] }>(
      `/${version}/inventory-level/${t.inventoryId}/locations`,
    );
    expect(locations.body.locations.map((l) => l.location_id)).toEqual([1]);
    const missing = await t.json<Record<string, unknown>>(`/${version}/inventory-level/424242`);
    expect(missing).toMatchObject({ status: 404, body: { status: 404 } });
    const invalid = await t.json<Record<string, unknown>>(`/${version}/inventory-level/abc`);
    expect(invalid).toMatchObject({ status: 400, body: { status: 400 } });
  });

  it.each(['2025-07', '2026-01'])(
    '%s edits a return while it awaits arrival with PUT /return/{id}',
    async (version) => {
      const other = (await t.control('POST', `/merchants/${t.merchantId}/products`, {
        sku: 'SKU-2',
        stock: { 1: 1 },
      })) as { inventoryId: number };
      const created = await t.json<{ id: number }>(`/${version}/return`, {
        method: 'POST',
        channel: t.channelId,
        body: JSON.stringify({
          reference_id: 'RMA-EDIT',
          fulfillment_center: { id: 1 },
          inventory: [{ id: t.inventoryId, quantity: 1, requested_action: 'Restock' }],
        }),
      });
      expect(created.status).toBe(201);
      const edit = {
        reference_id: 'RMA-EDITED',
        fulfillment_center: { id: 2 },
        tracking_number: 'RET-1',
        inventory: [{ id: other.inventoryId, quantity: 2, requested_action: 'Dispose' }],
      };
      const edited = await t.json<Record<string, unknown>>(
        `/${version}/return/${created.body.id}`,
        {
          method: 'PUT',
          channel: t.channelId,
          body: JSON.stringify(edit),
        },
      );
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({
        id: created.body.id,
        reference_id: 'RMA-EDITED',
        tracking_number: 'RET-1',
        fulfillment_center: { id: 2 },
        inventory: [
          { id: other.inventoryId, quantity: 2, action_requested: { action: 'Dispose' } },
        ],
      });
      const read = await t.json<{ reference_id: string }>(`/${version}/return/${created.body.id}`);
      expect(read.body.reference_id).toBe('RMA-EDITED');

      await t.control('POST', `/returns/${created.body.id}/advance`);
      const late = await t.api(`/${version}/return/${created.body.id}`, {
        method: 'PUT',
        channel: t.channelId,
        body: JSON.stringify(edit),
      });
      expect(late.status).toBe(422);
      const missing = await t.api(`/${version}/return/777777`, {
        method: 'PUT',
        channel: t.channelId,
        body: JSON.stringify(edit),
        offSpec: version === '2025-07', // 2025-07 declares no 404 for PUT
      });
      expect(missing.status).toBe(404);
    },
  );

  it.each(['2025-07', '2026-01'])(
    '%s lists shipping methods, including one an order named',
    async (version) => {
      const before = await t.json<{ name: string; default: boolean }[]>(
        `/${version}/shipping-method`,
      );
      expect(before.status).toBe(200);
      expect(before.body.find((m) => m.default)?.name).toBe('Standard');
      await t.api(`/${version}/order`, {
        method: 'POST',
        channel: t.channelId,
        body: JSON.stringify({ ...validOrder('NEW-METHOD'), shipping_method: 'Marketplace 2-Day' }),
      });
      const after = await t.json<{ name: string; service_level: { name: string } }[]>(
        `/${version}/shipping-method?Limit=250`,
      );
      expect(after.body.find((m) => m.name === 'Marketplace 2-Day')?.service_level.name).toBe(
        'Standard',
      );
      expect(after.body).toHaveLength(before.body.length + 1);
      const page = await t.json<unknown[]>(`/${version}/shipping-method?Limit=1&Page=2`);
      expect(page.body).toHaveLength(1);
    },
  );

  it('2026-01 reads carrier tracking for labeled shipments with their history', async () => {
    const order = await createOrder('CARRIER', '2026-01');
    const unlabeled = await createOrder('NOT-YET', '2026-01');
    const shipmentId = order.shipments[0]!.id;
    await t.control('POST', `/shipments/${shipmentId}/label`, {
      carrier: 'FedEx',
      trackingNumber: 'FX-77',
      trackingUrl: 'https://fedex.example/FX-77',
    });
    await t.control('POST', `/shipments/${shipmentId}/ship`);
    const tracking = await t.json<Record<string, unknown>[]>(
      `/2026-01/shipments-tracking?ShipmentIds=${shipmentId},${unlabeled.shipments[0]!.id}`,
    );
    expect(tracking.status).toBe(200);
    expect(tracking.body).toHaveLength(1);
    expect(tracking.body[0]).toMatchObject({
      shipment_id: shipmentId,
      carrier: 'FedEx',
      carrier_tracking_number: 'FX-77',
      public_tracking_url: 'https://fedex.example/FX-77',
      status: 'InTransit',
    });
    expect((tracking.body[0]!['history'] as { status: string }[]).map((h) => h.status)).toEqual([
      'PreTransit',
      'InTransit',
    ]);
    const tooMany = Array.from({ length: 26 }, (_, i) => i + 1).join(',');
    const refused = await t.json<unknown>(`/2026-01/shipments-tracking?ShipmentIds=${tooMany}`);
    expect(refused.status).toBe(400);
    expect(typeof refused.body).toBe('string');
    expect(
      (await t.api(`/2025-07/shipments-tracking?ShipmentIds=${shipmentId}`, { offSpec: true }))
        .status,
    ).toBe(404);
  });

  it.each(['2025-07', '2026-01'])(
    '%s filters the catalog and the levels by IsActive and IsDigital',
    async (version) => {
      const seed = async (sku: string, flags: { isActive: boolean; isDigital: boolean }) =>
        (
          (await t.control('POST', `/merchants/${t.merchantId}/products`, {
            sku,
            stock: { 1: 1 },
            ...flags,
          })) as { inventoryId: number }
        ).inventoryId;
      const off = await seed('SKU-OFF', { isActive: false, isDigital: false });
      const digital = await seed('SKU-DIGITAL', { isActive: true, isDigital: true });
      const both = await seed('SKU-BOTH', { isActive: false, isDigital: true });
      const ids = async (path: string) =>
        (await t.json<{ items: { inventory_id: number }[] }>(`/${version}/${path}`)).body.items
          .map((i) => i.inventory_id)
          .sort((a, b) => a - b);
      expect(await ids('inventory?IsActive=false')).toEqual([off, both]);
      expect(await ids('inventory?IsDigital=true')).toEqual([digital, both]);
      expect(await ids('inventory?IsActive=true&IsDigital=false')).toEqual([t.inventoryId]);
      expect(await ids('inventory-level?IsActive=false')).toEqual([off, both]);
      expect(await ids('inventory')).toEqual([t.inventoryId, off, digital, both]);
      const listed = await t.json<{ items: { variant: unknown }[] }>(
        `/${version}/inventory?IsActive=false&IsDigital=true`,
      );
      expect(listed.body.items.map((i) => i.variant)).toEqual([
        { is_active: false, is_bundle: false, is_digital: true },
      ]);
    },
  );

  it('every answer above validates against ShipBob’s OpenAPI documents', () => {
    expect(t.exchanges.length).toBeGreaterThan(40);
    expect(openApiProblems(t.exchanges)).toEqual([]);
  });
});
