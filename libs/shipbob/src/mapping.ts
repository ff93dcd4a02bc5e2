import type {
  InventoryAtCenter,
  InventoryFlags,
  InventoryLevel,
  ProductVariant,
  Shipment,
  ShipBobOrder,
  ShipBobProduct,
  ShipBobReturn,
  ShipmentItem,
} from './domain.js';
import type { WireOrder, WireProduct, WireReturn, WireShipment } from './wire.js';
import type { z } from 'zod';
import type {
  inventoryCatalogSchema,
  inventoryLevelSchema,
  inventoryLocationsSchema,
} from './wire.js';

const SHIPPED_STATUSES = new Set(['LabeledCreated', 'Completed']);

/**
 * A shipment is labeled once it has a tracking number and is `LabeledCreated`, `Completed`, or
 * `Processing` with the `Labeled` status detail (ShipBob's tracking guide and status reference).
 */
export function isLabeled(
  status: string,
  details: string[],
  trackingNumber: string | null | undefined,
): boolean {
  if (!trackingNumber) return false;
  if (SHIPPED_STATUSES.has(status)) return true;
  return status === 'Processing' && details.includes('Labeled');
}

export function toShipment(wire: WireShipment): Shipment {
  const status = wire.status ?? 'None';
  // Stryker disable next-line ArrayDeclaration: any element of a default list has no name and is filtered out
  const details = (wire.status_details ?? []).map((d) => d.name ?? '').filter((n) => n.length > 0);
  const trackingNumber = wire.tracking?.tracking_number?.trim() || null;
  return {
    id: wire.id,
    orderId: wire.order_id,
    status,
    statusDetails: details,
    isLabeled: isLabeled(status, details, trackingNumber),
    isCanceled: status === 'Cancelled',
    fulfillmentCenterId: wire.location?.id ?? null,
    tracking: trackingNumber
      ? {
          // Stryker disable next-line OptionalChaining: a tracking number implies a tracking object
          carrier: wire.tracking?.carrier ?? null,
          trackingNumber,
          // Stryker disable next-line OptionalChaining: a tracking number implies a tracking object
          trackingUrl: wire.tracking?.tracking_url ?? null,
        }
      : null,
    items: (wire.products ?? []).flatMap((p) =>
      (p.inventory_items ?? []).map((i) => ({ inventoryId: i.id, quantity: i.quantity })),
    ),
    lastUpdateAt: toDate(wire.last_update_at) ?? toDate(wire.created_date),
    skuItems: shipmentItems(wire.products ?? []),
  };
}

/** Units per SKU; a SKU listed twice (several products or inventory items) is added up. */
function shipmentItems(products: NonNullable<WireShipment['products']>): ShipmentItem[] {
  const bySku = new Map<string, number>();
  for (const product of products) {
    const sku = product.sku?.trim();
    if (!sku) continue;
    const units = (product.inventory_items ?? []).reduce((sum, item) => sum + item.quantity, 0);
    bySku.set(sku, (bySku.get(sku) ?? 0) + units);
  }
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}

export function toOrder(wire: WireOrder): ShipBobOrder {
  const shipments = (wire.shipments ?? []).map(toShipment);
  const createdAt = toDate(wire.created_date) ?? new Date(0);
  const updatedAt = shipments.reduce(
    // Stryker disable next-line EqualityOperator: on a tie both dates are the same instant
    (latest, s) => (s.lastUpdateAt && s.lastUpdateAt > latest ? s.lastUpdateAt : latest),
    createdAt,
  );
  const status = wire.status ?? 'Processing';
  return {
    id: wire.id,
    referenceId: wire.reference_id ?? '',
    orderNumber: wire.order_number ?? null,
    status,
    isCanceled:
      status === 'Cancelled' || (shipments.length > 0 && shipments.every((s) => s.isCanceled)),
    channelId: wire.channel?.id ?? null,
    createdAt,
    updatedAt,
    shipments,
  };
}

export function toProduct(wire: WireProduct): ShipBobProduct {
  return {
    id: wire.id,
    name: wire.name ?? '',
    variants: (wire.variants ?? []).map((v): ProductVariant => ({
      id: v.id,
      sku: v.sku ?? '',
      name: v.name ?? '',
      // Stryker disable next-line StringLiteral: any default other than 'Inactive' reads as active
      isActive: (v.status ?? 'Active') !== 'Inactive',
      isDigital: v.is_digital ?? false,
      isBundle: wire.type === 'Bundle',
      inventoryId: v.inventory?.inventory_id ?? null,
      // Stryker disable next-line ArrayDeclaration: any element of a default list has no seller SKU and is filtered out
      sellerSkus: (v.channel_metadata ?? [])
        .map((m) => m.seller_sku ?? '')
        .filter((s) => s.length > 0),
    })),
  };
}

/** An inventory item's active and digital flags, as the catalog (`GET /inventory`) reports them. */
export function catalogFlagsOf(item: z.infer<typeof inventoryCatalogSchema>): InventoryFlags {
  return { isActive: item.variant?.is_active ?? null, isDigital: item.variant?.is_digital ?? null };
}

/** The centers of a level read without them: one list for all (an account's read holds 10,000 levels). */
const NO_CENTERS: readonly InventoryAtCenter[] = Object.freeze([]);

export function toInventoryLevel(
  level: z.infer<typeof inventoryLevelSchema>,
  locations: z.infer<typeof inventoryLocationsSchema> | undefined,
  flags: InventoryFlags | undefined,
): InventoryLevel {
  const fulfillable = level.total_fulfillable_quantity ?? 0;
  const exception = level.total_exception_quantity ?? 0;
  return {
    inventoryId: level.inventory_id,
    sku: level.sku ?? null,
    name: level.name ?? null,
    fulfillable,
    onHand: level.total_on_hand_quantity ?? 0,
    committed: level.total_committed_quantity ?? 0,
    exception,
    sellable: level.total_sellable_quantity ?? fulfillable - exception,
    isActive: flags?.isActive ?? null,
    isDigital: flags?.isDigital ?? null,
    byFulfillmentCenter: !locations?.locations?.length
      ? NO_CENTERS
      : locations.locations.map((l) => ({
          fulfillmentCenterId: l.location_id,
          name: l.name ?? null,
          fulfillable: l.fulfillable_quantity,
          onHand: l.on_hand_quantity,
          committed: l.committed_quantity,
        })),
  };
}

/** 2025-07 documents "Awaiting Arrival" with a space while 1.0 sends `AwaitingArrival`: accept both. */
export function normaliseReturnStatus(status: string | null | undefined): string {
  return (status ?? 'Unknown').replaceAll(' ', '');
}

export function toReturn(wire: WireReturn): ShipBobReturn {
  return {
    id: wire.id,
    referenceId: wire.reference_id ?? '',
    status: normaliseReturnStatus(wire.status),
    storeOrderId: wire.store_order_id ?? null,
    fulfillmentCenter: {
      id: wire.fulfillment_center?.id ?? 0,
      name: wire.fulfillment_center?.name ?? null,
    },
    items: (wire.inventory ?? []).map((item) => ({
      inventoryId: item.id,
      name: item.name ?? null,
      sku: item.sku ?? null,
      quantity: item.quantity,
      actionRequested: item.action_requested?.action ?? null,
      actionTaken: (item.action_taken ?? []).map((a) => ({
        action: a.action ?? null,
        reason: a.action_reason ?? null,
        quantityProcessed: a.quantity_processed,
      })),
    })),
    trackingNumber: wire.tracking_number ?? null,
    insertedAt: toDate(wire.insert_date),
    completedAt: toDate(wire.completed_date),
    changedAt: latest([
      wire.insert_date,
      wire.completed_date,
      wire.awaiting_arrival_date,
      wire.arrived_date,
      wire.processing_date,
      wire.cancelled_date,
      ...(wire.status_history ?? []).map((entry) => entry.timestamp),
    ]),
  };
}

function latest(values: readonly (string | null | undefined)[]): Date | null {
  let newest: Date | null = null;
  for (const value of values) {
    const date = toDate(value);
    if (date && (!newest || date > newest)) newest = date;
  }
  return newest;
}

export function toDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
