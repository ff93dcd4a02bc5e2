import type {
  FulfillmentCenter,
  InventoryItem,
  Merchant,
  Order,
  Product,
  ReturnOrder,
  Shipment,
  ShippingMethod,
  WebhookSubscription,
} from './model.js';
import type { WorldEvent } from './events.js';
import { orderStatus, type SimWorld } from './world.js';

/** Units free to allocate. On hand can fall below committed (a recount); fulfillable stays ≥ 0. */
function fulfillable(onHand: number, committed: number): number {
  return Math.max(0, onHand - committed);
}

/** Renders entities as the JSON shapes of ShipBob's dated API versions (2025-07 / 2026-01). */
export class Views {
  constructor(private readonly world: SimWorld) {}

  channel(merchant: Merchant, channelId: number): { id: number; name: string } {
    const channel = merchant.channels.find((c) => c.id === channelId);
    return { id: channelId, name: channel?.name ?? 'Unknown' };
  }

  center(center: FulfillmentCenter): Record<string, unknown> {
    return {
      id: center.id,
      name: center.name,
      timezone: center.timezone,
      address1: '1 Warehouse Way',
      address2: null,
      city: center.city,
      state: center.state,
      country: center.country,
      zip_code: '60804',
      phone_number: '555-0100',
      email: 'warehouse@example.com',
    };
  }

  private centerName(id: number): string {
    return this.world.centers.find((c) => c.id === id)?.name ?? `FC ${id}`;
  }

  product(product: Product): Record<string, unknown> {
    return {
      id: product.id,
      name: product.name,
      type: 'Regular',
      user_id: product.merchantId,
      created_on: product.createdOn,
      updated_on: product.updatedOn,
      taxonomy: { id: null, name: null, parent_id: null, parent_name: null, path: null },
      variants: product.variants.map((v) => ({
        id: v.id,
        name: v.name,
        sku: v.sku,
        status: v.isActive ? 'Active' : 'Inactive',
        is_digital: v.isDigital,
        inventory: {
          inventory_id: v.inventoryId,
          on_hand_qty: this.totals(this.world.inventoryItem(v.inventoryId)).onHand,
        },
        barcodes: [],
        channel_metadata: v.channelMetadata.map((m, index) => ({
          id: v.id * 10 + index,
          channel_id: m.channelId,
          channel_name: m.channelName,
          seller_sku: m.sellerSku,
          is_inventory_sync_enabled: true,
          price: 0,
          currency: 'USD',
          platform: null,
          platform_identifier: null,
          platform_inventory_item_id: null,
          legacy_product_id: null,
        })),
      })),
    };
  }

  totals(item: InventoryItem): {
    onHand: number;
    committed: number;
    fulfillable: number;
    exception: number;
    sellable: number;
  } {
    let onHand = 0;
    let committed = 0;
    for (const stock of item.stock.values()) {
      onHand += stock.onHand;
      committed += stock.committed;
    }
    const free = fulfillable(onHand, committed);
    return {
      onHand,
      committed,
      fulfillable: free,
      exception: item.exception,
      sellable: free - item.exception,
    };
  }

  inventoryLevel(item: InventoryItem): Record<string, unknown> {
    const t = this.totals(item);
    return {
      inventory_id: item.id,
      name: item.name,
      sku: item.sku,
      total_fulfillable_quantity: t.fulfillable,
      total_on_hand_quantity: t.onHand,
      total_committed_quantity: t.committed,
      total_exception_quantity: t.exception,
      total_sellable_quantity: t.sellable,
      total_awaiting_quantity: 0,
      total_backordered_quantity: Math.max(0, t.exception - t.fulfillable),
      total_internal_transfer_quantity: 0,
    };
  }

  inventoryLocations(item: InventoryItem): Record<string, unknown> {
    return {
      inventory_id: item.id,
      name: item.name,
      sku: item.sku,
      locations: [...item.stock.entries()].map(([centerId, stock]) => ({
        location_id: centerId,
        name: this.centerName(centerId),
        fulfillable_quantity: fulfillable(stock.onHand, stock.committed),
        on_hand_quantity: stock.onHand,
        committed_quantity: stock.committed,
        awaiting_quantity: 0,
        internal_transfer_quantity: 0,
      })),
    };
  }

  inventoryCatalog(item: InventoryItem): Record<string, unknown> {
    return {
      inventory_id: item.id,
      name: item.name,
      sku: item.sku,
      barcode: null,
      is_case: false,
      is_lot: false,
      user_id: item.merchantId,
      dimensions: {
        height: 1,
        length: 1,
        width: 1,
        unit: 'in',
        is_locked: false,
        validated: false,
      },
      weight: { unit: 'oz', value: 1 },
      variant: { is_active: item.isActive, is_bundle: false, is_digital: item.isDigital },
    };
  }

  order(order: Order): Record<string, unknown> {
    const merchant = this.world.merchant(order.merchantId);
    return {
      id: order.id,
      created_date: order.createdDate,
      purchase_date: order.purchaseDate,
      reference_id: order.referenceId,
      order_number: order.orderNumber,
      status: orderStatus(order),
      type: order.type,
      channel: this.channel(merchant, order.channelId),
      shipping_method: order.shippingMethod,
      recipient: order.recipient,
      products: order.lines.map((line) => ({
        id: line.productId,
        reference_id: line.referenceId,
        quantity: line.quantity,
        sku: line.sku,
        unit_price: line.unitPrice,
        gtin: null,
        upc: null,
        external_line_id: null,
        quantity_unit_of_measure_code: null,
      })),
      tags: order.tags,
      shipments: order.shipments.map((s) => this.shipment(order, s)),
      gift_message: null,
    };
  }

  shipment(order: Order, shipment: Shipment): Record<string, unknown> {
    const view: Record<string, unknown> = {
      id: shipment.id,
      order_id: order.id,
      reference_id: order.referenceId,
      recipient: {
        name: order.recipient.name,
        full_name: order.recipient.name,
        address: order.recipient.address,
        email: order.recipient.email ?? null,
        phone_number: order.recipient.phone_number ?? null,
      },
      created_date: shipment.createdDate,
      last_update_at: shipment.lastUpdateAt,
      last_tracking_update_at: shipment.lastTrackingUpdateAt,
      status: shipment.status,
      status_details: shipment.statusDetails.map((d) => ({
        id: d.id,
        name: d.name,
        description: d.description,
        inventory_id: d.inventoryId ?? null,
        exception_fulfillment_center_id: null,
      })),
      ship_option: order.shippingMethod,
      is_tracking_uploaded: shipment.isTrackingUploaded,
      require_signature: false,
      estimated_fulfillment_date: null,
      estimated_fulfillment_date_status:
        shipment.status === 'Completed' ? 'FulfilledOnTime' : 'PendingOnTime',
      actual_fulfillment_date: shipment.actualFulfillmentDate,
      gift_message: null,
      delivery_date: shipment.deliveryDate,
      products: order.lines.map((line) => ({
        id: line.productId,
        reference_id: line.referenceId,
        name: line.name,
        sku: line.sku,
        inventory_items: [
          {
            id: line.inventoryId,
            name: line.name,
            quantity: line.quantity,
            quantity_committed: shipment.locationId === null ? 0 : line.quantity,
            lot: null,
            expiration_date: null,
            serial_numbers: [],
            is_dangerous_goods: false,
          },
        ],
      })),
    };
    // The assigned center is left out until known; tracking is null until labeled, as ShipBob
    // sends it (ADR 0026: OpenAPI 3.0 cannot mark a `$ref` nullable).
    if (shipment.locationId !== null)
      view['location'] = { id: shipment.locationId, name: this.centerName(shipment.locationId) };
    view['tracking'] = shipment.tracking
      ? {
          carrier: shipment.tracking.carrier,
          carrier_service: shipment.tracking.carrierService,
          tracking_number: shipment.tracking.trackingNumber,
          tracking_url: shipment.tracking.trackingUrl,
          shipping_date: shipment.tracking.shippingDate,
          bol: null,
          pro_number: null,
          scac: null,
        }
      : null;
    return view;
  }

  /** `Tracking.ShipmentTrackingResponse` (2026-01 `GET /shipments-tracking`); labeled shipments only. */
  shipmentTracking(shipment: Shipment): Record<string, unknown> {
    const tracking = shipment.tracking!;
    const last = shipment.trackingHistory.at(-1);
    return {
      shipment_id: shipment.id,
      tracking_id: `trk_${shipment.id}`,
      carrier: tracking.carrier,
      carrier_tracking_number: tracking.trackingNumber,
      service: tracking.carrierService,
      status: last?.status ?? 'PreTransit',
      substatus: last?.substatus ?? null,
      eta: null,
      location: null,
      message: last?.message ?? null,
      carrier_message: last?.message ?? null,
      public_tracking_url: tracking.trackingUrl,
      last_updated: shipment.lastTrackingUpdateAt ?? shipment.lastUpdateAt,
      history: shipment.trackingHistory.map((h) => ({
        status: h.status,
        substatus: h.substatus,
        message: h.message,
        carrier_message: h.message,
        location: null,
        timestamp: h.timestamp,
      })),
    };
  }

  shippingMethod(method: ShippingMethod): Record<string, unknown> {
    return {
      id: method.id,
      name: method.name,
      active: method.active,
      default: method.isDefault,
      service_level: { id: method.serviceLevel.id, name: method.serviceLevel.name },
    };
  }

  /** `Webhooks.V2.WebhookViewModelV2` (lists never show the secret). */
  webhook(subscription: WebhookSubscription): Record<string, unknown> {
    return {
      id: subscription.id,
      created_at: subscription.createdAt,
      description: subscription.description,
      enabled: subscription.enabled,
      topics: subscription.topics,
      url: subscription.url,
    };
  }

  /** `Webhooks.V2.Create.WebhookViewModelV2`: the create answer carries the signing secret. */
  createdWebhook(subscription: WebhookSubscription): Record<string, unknown> {
    const { enabled: _enabled, ...view } = this.webhook(subscription);
    return { ...view, secret: subscription.secret };
  }

  /**
   * A webhook body: the resource as its GET returns it — the order for `order.shipped`, the
   * shipment for `order.shipment.*`, the return for `return.*` (reference §12.2).
   */
  webhookPayload(event: WorldEvent): unknown {
    if ('ret' in event) return this.returnDto(event.ret);
    if ('shipment' in event) return this.shipment(event.order, event.shipment);
    return this.order(event.order);
  }

  /** `PublicReturnV1Dto` (create response). */
  returnV1(ret: ReturnOrder): Record<string, unknown> {
    const merchant = this.world.merchant(ret.merchantId);
    return {
      id: ret.id,
      reference_id: ret.referenceId,
      status: this.world.returns.wireStatus(ret.status),
      return_type: 'Regular',
      insert_date: ret.insertDate,
      completed_date: ret.completedDate,
      channel: this.channel(merchant, ret.channelId),
      fulfillment_center: {
        id: ret.fulfillmentCenterId,
        name: this.centerName(ret.fulfillmentCenterId),
      },
      tracking_number: ret.trackingNumber,
      original_shipment_id: ret.originalShipmentId,
      store_order_id: ret.storeOrderId,
      customer_name: null,
      invoice_amount: null,
      transactions: [],
      inventory: ret.items.map((item) => this.returnItem(item)),
    };
  }

  /** 2025-07 `PUT /return/{id}` answer (`Returns.ReturnOrderViewModel`, the 1.0 shape). */
  returnOrderViewModel(ret: ReturnOrder): Record<string, unknown> {
    const base = this.returnV1(ret);
    return {
      ...base,
      inventory: ret.items.map((item) => ({
        id: item.inventoryId,
        name: this.world.inventoryItem(item.inventoryId).name,
        quantity: item.quantity,
        action_requested: {
          action: item.requestedAction,
          action_type: item.requestedAction === 'Default' ? 'InventoryDefault' : 'Override',
          instructions: null,
        },
        action_taken: item.actionTaken.map((a) => ({
          action: a.action,
          action_reason: a.reason,
          quantity_processed: a.quantityProcessed,
        })),
      })),
    };
  }

  /** `PublicReturnDto` (list and get). */
  returnDto(ret: ReturnOrder): Record<string, unknown> {
    const dateOf = (status: ReturnOrder['status']): string | null =>
      ret.history.find((h) => h.status === status)?.timestamp ?? null;
    const base = this.returnV1(ret);
    delete base['invoice_amount'];
    return {
      ...base,
      inventory: ret.items.map((item) => ({
        ...this.returnItem(item),
        sku: this.world.inventoryItem(item.inventoryId).sku,
        barcodes: [],
      })),
      awaiting_arrival_date: dateOf('AwaitingArrival'),
      arrived_date: dateOf('Arrived'),
      processing_date: dateOf('Processing'),
      cancelled_date: dateOf('Cancelled'),
      status_history: ret.history.map((h) => ({
        status: this.world.returns.wireStatus(h.status),
        timestamp: h.timestamp,
      })),
      invoice: { amount: null, currency_code: null },
      shipment_tracking_number: null,
    };
  }

  private returnItem(item: ReturnOrder['items'][number]): Record<string, unknown> {
    return {
      id: item.inventoryId,
      name: this.world.inventoryItem(item.inventoryId).name,
      quantity: item.quantity,
      bundle_parent_sku: null,
      action_requested: {
        action: item.requestedAction,
        action_type: item.requestedAction === 'Default' ? 'InventoryDefault' : 'Override',
        instructions: null,
      },
      action_taken: item.actionTaken.map((a) => ({
        action: a.action,
        action_reason: a.reason,
        quantity_processed: a.quantityProcessed,
        image_url: null,
      })),
    };
  }
}
