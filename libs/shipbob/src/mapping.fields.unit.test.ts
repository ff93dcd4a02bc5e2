import { describe, expect, it } from '@jest/globals';
import {
  isLabeled,
  normaliseReturnStatus,
  toDate,
  catalogFlagsOf,
  toInventoryLevel,
  toOrder,
  toProduct,
  toReturn,
  toShipment,
} from './mapping.js';
import {
  inventoryCatalogSchema,
  inventoryLevelSchema,
  inventoryLocationsSchema,
  orderSchema,
  productSchema,
  returnSchema,
  shipmentSchema,
} from './wire.js';

const shipment = (over: Record<string, unknown> = {}) =>
  shipmentSchema.parse({ id: 11, order_id: 9, ...over });
const order = (over: Record<string, unknown> = {}) =>
  orderSchema.parse({ id: 9, created_date: '2026-01-01T00:00:00Z', ...over });

describe('shipments', () => {
  it('maps a labeled shipment with its tracking and fulfillment center', () => {
    expect(
      toShipment(
        shipment({
          status: 'Processing',
          status_details: [{ name: 'Labeled' }, { name: '' }, { name: null }, {}],
          location: { id: 42 },
          tracking: {
            carrier: 'UPS',
            tracking_number: ' 1Z999 ',
            tracking_url: 'https://ups.example/1Z999',
          },
          created_date: '2026-01-01T00:00:00Z',
          last_update_at: '2026-01-03T04:05:06Z',
          products: [
            { sku: 'MUG-1', inventory_items: [{ id: 500, quantity: 2 }, { id: 501 }] },
            { sku: 'BOWL-1' },
          ],
        }),
      ),
    ).toEqual({
      id: 11,
      orderId: 9,
      status: 'Processing',
      statusDetails: ['Labeled'],
      isLabeled: true,
      isCanceled: false,
      fulfillmentCenterId: 42,
      tracking: {
        carrier: 'UPS',
        trackingNumber: '1Z999',
        trackingUrl: 'https://ups.example/1Z999',
      },
      items: [
        { inventoryId: 500, quantity: 2 },
        { inventoryId: 501, quantity: 0 },
      ],
      lastUpdateAt: new Date('2026-01-03T04:05:06Z'),
      skuItems: [
        { sku: 'MUG-1', quantity: 2 },
        { sku: 'BOWL-1', quantity: 0 },
      ],
    });
  });

  it('lists what a shipment holds by SKU, adding up inventory items and repeated SKUs', () => {
    expect(
      toShipment(
        shipment({
          products: [
            {
              sku: 'MUG',
              inventory_items: [
                { id: 1, quantity: 2 },
                { id: 2, quantity: 1 },
              ],
            },
            { sku: ' BOWL ', inventory_items: [{ id: 3, quantity: 1 }] },
            {
              sku: 'MUG',
              inventory_items: [
                { id: 1, quantity: null },
                { id: 2, quantity: 4 },
              ],
            },
            { sku: '', inventory_items: [{ id: 4, quantity: 9 }] },
            { sku: null },
            { sku: 'LID' },
          ],
        }),
      ).skuItems,
    ).toEqual([
      { sku: 'MUG', quantity: 7 },
      { sku: 'BOWL', quantity: 1 },
      { sku: 'LID', quantity: 0 },
    ]);
  });

  it('reads a bare shipment as status None, unlabeled, without tracking or dates', () => {
    expect(toShipment(shipment())).toEqual({
      id: 11,
      orderId: 9,
      status: 'None',
      statusDetails: [],
      isLabeled: false,
      isCanceled: false,
      fulfillmentCenterId: null,
      tracking: null,
      items: [],
      lastUpdateAt: null,
      skuItems: [],
    });
  });

  it('takes a blank tracking number for none, and misses carrier and link as null', () => {
    const blank = toShipment(
      shipment({ status: 'Completed', tracking: { carrier: 'UPS', tracking_number: '   ' } }),
    );
    expect(blank).toMatchObject({ tracking: null, isLabeled: false });
    // ShipBob sends the tracking object before the label exists, with a null number.
    expect(
      toShipment(
        shipment({ status: 'Processing', tracking: { carrier: 'UPS', tracking_number: null } }),
      ),
    ).toMatchObject({ tracking: null, isLabeled: false });
    expect(toShipment(shipment({ tracking: { tracking_number: 'T1' } })).tracking).toEqual({
      carrier: null,
      trackingNumber: 'T1',
      trackingUrl: null,
    });
  });

  it('marks a cancelled shipment canceled', () => {
    expect(toShipment(shipment({ status: 'Cancelled' })).isCanceled).toBe(true);
    expect(toShipment(shipment({ status: 'Completed' })).isCanceled).toBe(false);
  });

  it('falls back to the creation date when the last update is missing or unreadable', () => {
    expect(toShipment(shipment({ created_date: '2026-01-01T00:00:00Z' })).lastUpdateAt).toEqual(
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(
      toShipment(shipment({ created_date: '2026-01-01T00:00:00Z', last_update_at: 'soon' }))
        .lastUpdateAt,
    ).toEqual(new Date('2026-01-01T00:00:00Z'));
  });

  it('is labeled only with a tracking number and a labeled status', () => {
    expect(isLabeled('Completed', [], 'T1')).toBe(true);
    expect(isLabeled('Completed', [], undefined)).toBe(false);
    expect(isLabeled('Processing', ['Packed', 'Labeled'], 'T1')).toBe(true);
    expect(isLabeled('Exception', ['Labeled'], 'T1')).toBe(false);
    expect(isLabeled('None', [], 'T1')).toBe(false);
  });
});

describe('orders', () => {
  it('maps identifiers, channel and dates', () => {
    expect(
      toOrder(
        order({
          reference_id: 'mk-1',
          order_number: 'SO-1',
          status: 'Fulfilled',
          channel: { id: 77 },
        }),
      ),
    ).toEqual({
      id: 9,
      referenceId: 'mk-1',
      orderNumber: 'SO-1',
      status: 'Fulfilled',
      isCanceled: false,
      channelId: 77,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      updatedAt: new Date('2026-01-01T00:00:00Z'),
      shipments: [],
    });
  });

  it('fills absent fields: no reference, no number, Processing, no channel', () => {
    expect(toOrder(order())).toMatchObject({
      referenceId: '',
      orderNumber: null,
      status: 'Processing',
      channelId: null,
      shipments: [],
    });
    expect(toOrder(order({ channel: {} })).channelId).toBeNull();
  });

  it('dates an order with an unreadable creation date at the epoch', () => {
    expect(toOrder(order({ created_date: 'yesterday' })).createdAt).toEqual(new Date(0));
  });

  it('is updated when its latest shipment was', () => {
    const updated = toOrder(
      order({
        shipments: [
          { id: 1, order_id: 9, last_update_at: '2026-01-05T00:00:00Z' },
          { id: 2, order_id: 9, last_update_at: '2026-01-07T00:00:00Z' },
          { id: 3, order_id: 9, last_update_at: '2026-01-06T00:00:00Z' },
          { id: 4, order_id: 9 },
          { id: 5, order_id: 9, last_update_at: '2025-12-01T00:00:00Z' },
        ],
      }),
    );
    expect(updated.updatedAt).toEqual(new Date('2026-01-07T00:00:00Z'));
    expect(updated.shipments.map((s) => s.id)).toEqual([1, 2, 3, 4, 5]);
    // A shipment older than the order does not move the order back in time.
    expect(
      toOrder(
        order({ shipments: [{ id: 5, order_id: 9, last_update_at: '2025-12-01T00:00:00Z' }] }),
      ).updatedAt,
    ).toEqual(new Date('2026-01-01T00:00:00Z'));
  });

  it('is canceled when cancelled, or when every one of its shipments is', () => {
    expect(toOrder(order({ status: 'Cancelled' })).isCanceled).toBe(true);
    expect(toOrder(order({ status: 'Processing' })).isCanceled).toBe(false);
    expect(toOrder(order({ status: 'Processing', shipments: [] })).isCanceled).toBe(false);
    const mixed = [
      { id: 1, order_id: 9, status: 'Cancelled' },
      { id: 2, order_id: 9, status: 'Processing' },
    ];
    expect(toOrder(order({ shipments: mixed })).isCanceled).toBe(false);
    expect(toOrder(order({ shipments: [mixed[0], { ...mixed[0], id: 2 }] })).isCanceled).toBe(true);
  });
});

describe('products', () => {
  it('maps variants with their inventory item and seller SKUs', () => {
    const product = toProduct(
      productSchema.parse({
        id: 5,
        name: 'Mug',
        type: 'Regular',
        variants: [
          {
            id: 50,
            sku: 'MUG-1',
            name: 'Mug, blue',
            status: 'Active',
            is_digital: true,
            inventory: { inventory_id: 500 },
            channel_metadata: [{ seller_sku: 'shop-mug' }, { seller_sku: '' }, { channel_id: 1 }],
          },
          { id: 51, status: 'Inactive' },
          { id: 52, inventory: {} },
        ],
      }),
    );
    expect(product).toEqual({
      id: 5,
      name: 'Mug',
      variants: [
        {
          id: 50,
          sku: 'MUG-1',
          name: 'Mug, blue',
          isActive: true,
          isDigital: true,
          isBundle: false,
          inventoryId: 500,
          sellerSkus: ['shop-mug'],
        },
        {
          id: 51,
          sku: '',
          name: '',
          isActive: false,
          isDigital: false,
          isBundle: false,
          inventoryId: null,
          sellerSkus: [],
        },
        {
          id: 52,
          sku: '',
          name: '',
          isActive: true,
          isDigital: false,
          isBundle: false,
          inventoryId: null,
          sellerSkus: [],
        },
      ],
    });
  });

  it('reads a product without name or variants as empty', () => {
    expect(toProduct(productSchema.parse({ id: 6 }))).toEqual({ id: 6, name: '', variants: [] });
  });
});

describe('inventory levels', () => {
  const level = (over: Record<string, unknown> = {}) =>
    inventoryLevelSchema.parse({
      inventory_id: 500,
      sku: 'MUG-1',
      name: 'Mug',
      total_fulfillable_quantity: 10,
      total_on_hand_quantity: 14,
      total_committed_quantity: 4,
      total_exception_quantity: 3,
      ...over,
    });

  it('computes sellable as fulfillable minus exception when ShipBob does not report it', () => {
    expect(toInventoryLevel(level(), undefined, undefined).sellable).toBe(7);
    expect(
      toInventoryLevel(level({ total_sellable_quantity: null }), undefined, undefined).sellable,
    ).toBe(7);
  });

  it('reads a total ShipBob leaves out or sends as null as 0', () => {
    const read = toInventoryLevel(
      inventoryLevelSchema.parse({
        inventory_id: 501,
        sku: 'MUG-2',
        total_fulfillable_quantity: 5,
        total_on_hand_quantity: null,
        total_exception_quantity: null,
      }),
      undefined,
      undefined,
    );
    expect(read).toMatchObject({ fulfillable: 5, onHand: 0, committed: 0, exception: 0 });
    expect(read.sellable).toBe(5);
  });

  it('refuses a total that is not a number', () => {
    expect(() => level({ total_committed_quantity: '4' })).toThrow();
  });

  it('takes the reported sellable quantity as is, even 0', () => {
    expect(
      toInventoryLevel(level({ total_sellable_quantity: 9 }), undefined, undefined).sellable,
    ).toBe(9);
    expect(
      toInventoryLevel(level({ total_sellable_quantity: 0 }), undefined, undefined).sellable,
    ).toBe(0);
  });

  it('maps totals, catalog flags and per-center quantities', () => {
    expect(
      toInventoryLevel(
        level(),
        inventoryLocationsSchema.parse({
          inventory_id: 500,
          locations: [
            {
              location_id: 1,
              name: 'Cicero',
              fulfillable_quantity: 6,
              on_hand_quantity: 8,
              committed_quantity: 2,
            },
            { location_id: 2 },
          ],
        }),
        catalogFlagsOf(
          inventoryCatalogSchema.parse({
            inventory_id: 500,
            variant: { is_active: false, is_digital: true },
          }),
        ),
      ),
    ).toEqual({
      inventoryId: 500,
      sku: 'MUG-1',
      name: 'Mug',
      fulfillable: 10,
      onHand: 14,
      committed: 4,
      exception: 3,
      sellable: 7,
      isActive: false,
      isDigital: true,
      byFulfillmentCenter: [
        { fulfillmentCenterId: 1, name: 'Cicero', fulfillable: 6, onHand: 8, committed: 2 },
        { fulfillmentCenterId: 2, name: null, fulfillable: 0, onHand: 0, committed: 0 },
      ],
    });
  });

  it('leaves catalog flags and names unknown when ShipBob did not report them', () => {
    expect(
      toInventoryLevel(
        level({ sku: null, name: undefined }),
        inventoryLocationsSchema.parse({ inventory_id: 500 }),
        catalogFlagsOf(inventoryCatalogSchema.parse({ inventory_id: 500 })),
      ),
    ).toMatchObject({
      sku: null,
      name: null,
      isActive: null,
      isDigital: null,
      byFulfillmentCenter: [],
    });
    expect(
      toInventoryLevel(
        level(),
        undefined,
        catalogFlagsOf(inventoryCatalogSchema.parse({ inventory_id: 500, variant: {} })),
      ),
    ).toMatchObject({ isActive: null, isDigital: null, byFulfillmentCenter: [] });
  });
});

describe('returns', () => {
  it('maps a processed return with its items and actions', () => {
    expect(
      toReturn(
        returnSchema.parse({
          id: 3,
          reference_id: 'RMA-3',
          status: 'Completed',
          store_order_id: 'mk-1',
          tracking_number: 'RT1',
          fulfillment_center: { id: 8, name: 'Cicero' },
          inventory: [
            {
              id: 500,
              name: 'Mug',
              sku: 'MUG-1',
              quantity: 2,
              action_requested: { action: 'Restock' },
              action_taken: [
                { action: 'Restock', action_reason: 'Good', quantity_processed: 1 },
                { quantity_processed: 1 },
              ],
            },
          ],
          insert_date: '2026-01-02T00:00:00Z',
          completed_date: '2026-01-04T00:00:00Z',
          arrived_date: '2026-01-03T00:00:00Z',
          status_history: [
            { status: 'Awaiting Arrival', timestamp: '2026-01-02T00:00:00Z' },
            { status: 'Completed', timestamp: '2026-01-04T00:00:05Z' },
          ],
        }),
      ),
    ).toEqual({
      id: 3,
      referenceId: 'RMA-3',
      status: 'Completed',
      storeOrderId: 'mk-1',
      fulfillmentCenter: { id: 8, name: 'Cicero' },
      items: [
        {
          inventoryId: 500,
          name: 'Mug',
          sku: 'MUG-1',
          quantity: 2,
          actionRequested: 'Restock',
          actionTaken: [
            { action: 'Restock', reason: 'Good', quantityProcessed: 1 },
            { action: null, reason: null, quantityProcessed: 1 },
          ],
        },
      ],
      trackingNumber: 'RT1',
      insertedAt: new Date('2026-01-02T00:00:00Z'),
      completedAt: new Date('2026-01-04T00:00:00Z'),
      changedAt: new Date('2026-01-04T00:00:05Z'),
    });
  });

  it('reads a bare return with unknown status and empty or null fields', () => {
    expect(toReturn(returnSchema.parse({ id: 4 }))).toEqual({
      id: 4,
      referenceId: '',
      status: 'Unknown',
      storeOrderId: null,
      fulfillmentCenter: { id: 0, name: null },
      items: [],
      trackingNumber: null,
      insertedAt: null,
      completedAt: null,
      changedAt: null,
    });
    expect(
      toReturn(returnSchema.parse({ id: 4, inventory: [{ id: 1, action_requested: {} }] })).items,
    ).toEqual([
      {
        inventoryId: 1,
        name: null,
        sku: null,
        quantity: 0,
        actionRequested: null,
        actionTaken: [],
      },
    ]);
  });

  it('removes every space from a return status', () => {
    expect(normaliseReturnStatus('Awaiting  Arrival ')).toBe('AwaitingArrival');
    expect(normaliseReturnStatus(null)).toBe('Unknown');
  });
});

describe('dates', () => {
  it('reads ISO dates and takes a missing or unreadable one as null', () => {
    expect(toDate('2026-01-02T03:04:05Z')).toEqual(new Date('2026-01-02T03:04:05Z'));
    expect(toDate('')).toBeNull();
    expect(toDate(null)).toBeNull();
    expect(toDate(undefined)).toBeNull();
    expect(toDate('2026-13-45')).toBeNull();
  });
});

describe('bundles', () => {
  it('reads a product of type Bundle as a bundle in each of its variants', () => {
    const product = toProduct(
      productSchema.parse({ id: 6, name: 'Set', type: 'Bundle', variants: [{ id: 60 }] }),
    );
    expect(product.variants.map((v) => v.isBundle)).toEqual([true]);
  });
});
