import { z } from 'zod';

// ShipBob response shapes (2025-07 and 2026-01). Objects strip unknown keys; enums are read as
// strings so a new value never breaks parsing; optional or null fields are `nullish`.

const str = z.string().nullish();
const int = z.number().int();
const count = z
  .number()
  .nullish()
  .transform((v) => v ?? 0);
/**
 * A quantity as sent (absent or null for none), for the lists read page by page: a transform
 * costs about 200 KB of allocation per 250-item page, and the mapping reads a missing one as 0.
 */
const quantity = z.number().nullish();

export const channelSchema = z.object({
  id: int,
  name: str,
  application_name: str,
  scopes: z.array(z.string()).nullish(),
});

export const channelPageSchema = z.object({
  items: z.array(channelSchema).nullish(),
  next: str,
});

export const fulfillmentCenterSchema = z.object({
  id: int,
  name: str,
  timezone: str,
  city: str,
  state: str,
  country: str,
});

export const variantSchema = z.object({
  id: int,
  sku: str,
  name: str,
  status: str,
  is_digital: z.boolean().nullish(),
  inventory: z.object({ inventory_id: int.nullish() }).nullish(),
  channel_metadata: z.array(z.object({ channel_id: int.nullish(), seller_sku: str })).nullish(),
});

export const productSchema = z.object({
  id: int,
  name: str,
  /** `Regular` or `Bundle` (2025-07+). */
  type: str,
  variants: z.array(variantSchema).nullish(),
});

const cursorPages = new WeakMap<z.ZodType, z.ZodType>();

/**
 * `{items, next}` envelope of the dated versions' cursor-paged lists, one per item schema: zod
 * compiles an object's parser the first time it parses, and a list read page by page made its
 * envelope anew at every read.
 */
export function cursorPage<T extends z.ZodType>(item: T) {
  const page = () => z.object({ items: z.array(item).nullish(), next: str });
  const known = cursorPages.get(item) as ReturnType<typeof page> | undefined;
  if (known) return known;
  const made = page();
  cursorPages.set(item, made);
  return made;
}

export const inventoryLevelSchema = z.object({
  inventory_id: int,
  name: str,
  sku: str,
  total_fulfillable_quantity: quantity,
  total_on_hand_quantity: quantity,
  total_committed_quantity: quantity,
  total_exception_quantity: quantity,
  total_sellable_quantity: quantity,
});

export const inventoryLocationsSchema = z.object({
  inventory_id: int,
  locations: z
    .array(
      z.object({
        location_id: int,
        name: str,
        fulfillable_quantity: count,
        on_hand_quantity: count,
        committed_quantity: count,
      }),
    )
    .nullish(),
});

export const inventoryCatalogSchema = z.object({
  inventory_id: int,
  variant: z
    .object({ is_active: z.boolean().nullish(), is_digital: z.boolean().nullish() })
    .nullish(),
});

export const shipmentSchema = z.object({
  id: int,
  order_id: int,
  /** The order's `reference_id` (sent on shipment resources, e.g. `order.shipment.*` webhooks). */
  reference_id: str,
  status: str,
  status_details: z.array(z.object({ name: str })).nullish(),
  location: z.object({ id: int.nullish() }).nullish(),
  tracking: z.object({ carrier: str, tracking_number: str, tracking_url: str }).nullish(),
  products: z
    .array(
      z.object({
        sku: str,
        inventory_items: z.array(z.object({ id: int, quantity: count })).nullish(),
      }),
    )
    .nullish(),
  last_update_at: str,
  created_date: str,
});

export const orderSchema = z.object({
  id: int,
  reference_id: str,
  order_number: str,
  status: str,
  created_date: z.string(),
  channel: z.object({ id: int.nullish() }).nullish(),
  shipments: z.array(shipmentSchema).nullish(),
});

export const cancelOrderSchema = z.object({
  order_id: int.nullish(),
  status: str,
  order: orderSchema.nullish(),
  canceled_shipment_results: z
    .array(
      z.object({
        shipment_id: z.number().nullish(),
        is_success: z.boolean().nullish(),
        reason: str,
      }),
    )
    .nullish(),
});

const returnItemSchema = z.object({
  id: int,
  name: str,
  sku: str,
  quantity: count,
  action_requested: z.object({ action: str }).nullish(),
  action_taken: z
    .array(z.object({ action: str, action_reason: str, quantity_processed: count }))
    .nullish(),
});

export const returnSchema = z.object({
  id: int,
  reference_id: str,
  status: str,
  store_order_id: str,
  tracking_number: str,
  fulfillment_center: z.object({ id: int, name: str }).nullish(),
  inventory: z.array(returnItemSchema).nullish(),
  insert_date: str,
  completed_date: str,
  // 2025-07 list items (PublicReturnDto): when each status was reached.
  awaiting_arrival_date: str,
  arrived_date: str,
  processing_date: str,
  cancelled_date: str,
  status_history: z.array(z.object({ status: str, timestamp: str })).nullish(),
});

export const returnPageSchema = z.object({ items: z.array(returnSchema).nullish(), next: str });

/** `Webhooks.V2.WebhookViewModelV2` (list) and its create variant (with `secret`, without `enabled`). */
export const webhookSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  url: str,
  topics: z.array(z.string()).nullish(),
  enabled: z.boolean().nullish(),
  description: str,
});

export type WireChannel = z.infer<typeof channelSchema>;
export type WireProduct = z.infer<typeof productSchema>;
export type WireOrder = z.infer<typeof orderSchema>;
export type WireShipment = z.infer<typeof shipmentSchema>;
export type WireReturn = z.infer<typeof returnSchema>;
export type WireWebhook = z.infer<typeof webhookSchema>;
