/** ShipBob as the product sees it: types in our terms, free of vendor DTOs. */

export type ApiVersion = '2025-07' | '2026-01';

export interface ShipBobChannel {
  id: number;
  name: string;
  applicationName: string | null;
  /** True when the channel's scopes include the `*_write` scopes: the one the token writes as. */
  writable: boolean;
}

export interface TokenVerification {
  /** The channel the token writes as; sent as `shipbob_channel_id`. */
  channelId: number;
  channelName: string;
  channels: ShipBobChannel[];
}

export interface FulfillmentCenter {
  id: number;
  name: string;
  timezone: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
}

export interface ProductVariant {
  id: number;
  sku: string;
  name: string;
  isActive: boolean;
  isDigital: boolean;
  /** The variant's product is a ShipBob bundle (several inventory items). */
  isBundle: boolean;
  /** The inventory item the variant resolves to (inventory levels and returns use it). */
  inventoryId: number | null;
  /** Seller SKUs the variant carries in sales channels (channel products). */
  sellerSkus: string[];
}

export interface ShipBobProduct {
  id: number;
  name: string;
  variants: ProductVariant[];
}

export interface NewProduct {
  /** The marketplace `shop_sku`; becomes the variant SKU. */
  sku: string;
  name: string;
  barcode?: string | null;
}

export interface EnsuredProduct {
  product: ShipBobProduct;
  variant: ProductVariant;
  /** False when an existing product already carried the SKU. */
  created: boolean;
}

export interface InventoryAtCenter {
  fulfillmentCenterId: number;
  name: string | null;
  fulfillable: number;
  onHand: number;
  committed: number;
}

/** An inventory item's catalog flags; null when ShipBob did not report them. */
export interface InventoryFlags {
  isActive: boolean | null;
  isDigital: boolean | null;
}

/** Items' catalog flags by inventory id, as a read is given them (a `Map` is one). */
export type FlagsById = Pick<ReadonlyMap<number, InventoryFlags>, 'get' | 'has'>;

export interface InventoryLevel {
  inventoryId: number;
  sku: string | null;
  name: string | null;
  fulfillable: number;
  onHand: number;
  committed: number;
  exception: number;
  /** ShipBob's network-wide sellable (`fulfillable − exception`), as reported. */
  sellable: number;
  /** Null when ShipBob did not report the item's catalog flags. */
  isActive: boolean | null;
  isDigital: boolean | null;
  byFulfillmentCenter: readonly InventoryAtCenter[];
}

export interface Address {
  address1: string;
  address2?: string | null;
  companyName?: string | null;
  city: string;
  state?: string | null;
  country: string;
  zipCode?: string | null;
}

export interface NewOrder {
  /** The marketplace order id: ShipBob's idempotency key within our channel. */
  referenceId: string;
  orderNumber?: string | null;
  shippingMethod: string;
  recipient: { name: string; address: Address; email?: string | null; phoneNumber?: string | null };
  lines: {
    sku: string;
    name: string;
    quantity: number;
    unitPrice?: number | null;
    externalLineId?: number | null;
  }[];
  purchaseDate?: Date | null;
  salesChannel?: string | null;
  tags?: { name: string; value: string }[];
}

export interface Tracking {
  carrier: string | null;
  trackingNumber: string;
  trackingUrl: string | null;
}

export interface Shipment {
  id: number;
  orderId: number;
  /** ShipBob's status as sent (unknown values are kept, never rejected). */
  status: string;
  statusDetails: string[];
  /** Reached the labeled state with a tracking number (see README for the rule). */
  isLabeled: boolean;
  isCanceled: boolean;
  fulfillmentCenterId: number | null;
  tracking: Tracking | null;
  /** The inventory items the shipment carries and how many of each. */
  items: { inventoryId: number; quantity: number }[];
  lastUpdateAt: Date | null;
  /** What the shipment holds, by SKU (units of its inventory items). */
  skuItems: ShipmentItem[];
}

export interface ShipmentItem {
  sku: string;
  quantity: number;
}

export interface ShipBobOrder {
  id: number;
  referenceId: string;
  orderNumber: string | null;
  status: string;
  /** The order, or every one of its shipments, was canceled in ShipBob. */
  isCanceled: boolean;
  channelId: number | null;
  createdAt: Date;
  /** Latest change seen on the order or its shipments. */
  updatedAt: Date;
  shipments: Shipment[];
}

export interface CreatedOrder {
  order: ShipBobOrder;
  /** False when the order already existed (a duplicate `reference_id`). */
  created: boolean;
}

export interface OrdersSince {
  orders: ShipBobOrder[];
  /** Pass to the next call; never later than the newest change returned. */
  nextCursor: Date;
}

export interface CancelOutcome {
  status: string;
  /** Every shipment of the order is canceled. */
  canceled: boolean;
  order: ShipBobOrder | null;
  /** ShipBob's answer per shipment (a refused one says why, e.g. already labeled). */
  shipments: { shipmentId: number | null; canceled: boolean; reason: string | null }[];
}

export type ReturnAction = 'Default' | 'Restock' | 'Quarantine' | 'Dispose';

export interface NewReturn {
  /** Our unique return id (RMA); makes creation idempotent. */
  referenceId: string;
  fulfillmentCenterId: number;
  items: { inventoryId: number; quantity: number; requestedAction?: ReturnAction }[];
  trackingNumber?: string | null;
  originalShipmentId?: number | null;
}

export interface ReturnItem {
  inventoryId: number;
  name: string | null;
  sku: string | null;
  quantity: number;
  actionRequested: string | null;
  actionTaken: { action: string | null; reason: string | null; quantityProcessed: number }[];
}

export interface ShipBobReturn {
  id: number;
  referenceId: string;
  /** Normalised without spaces (`AwaitingArrival`, `Arrived`, `Processing`, `Completed`, `Cancelled`, or new values). */
  status: string;
  storeOrderId: string | null;
  fulfillmentCenter: { id: number; name: string | null };
  items: ReturnItem[];
  trackingNumber: string | null;
  insertedAt: Date | null;
  completedAt: Date | null;
  /**
   * When the return last changed status: the latest of its status history and status dates
   * (the list has no "updated since" filter; pollers compare this with their cursor).
   */
  changedAt: Date | null;
}

export interface CreatedReturn {
  returnOrder: ShipBobReturn;
  created: boolean;
}

export interface ReturnFilter {
  referenceIds?: string[];
  statuses?: string[];
  /** Returns completed at or after this time. */
  completedSince?: Date;
  /** Returns created at or after this time. */
  createdSince?: Date;
  pageSize?: number;
}

/** A dated webhook subscription of the account, as listed (ShipBob never lists the secret). */
export interface WebhookSubscription {
  id: string;
  url: string;
  topics: string[];
  /** ShipBob disables a subscription whose deliveries keep failing. */
  enabled: boolean;
  description: string | null;
}

export interface NewWebhookSubscription {
  url: string;
  topics: string[];
  /** The Standard Webhooks signing secret: `whsec_` and 32 base64 characters. */
  secret: string;
  description?: string | null;
}

/** The ShipBob port: everything the product does with a seller's ShipBob account. */
export interface ShipBobPort {
  /** Checks the PAT and discovers the channel it writes as. */
  verifyToken(): Promise<TokenVerification>;
  listFulfillmentCenters(): Promise<FulfillmentCenter[]>;
  /** Products whose variant SKU or channel seller SKU is one of `skus`, keyed by that SKU. */
  findProductsBySku(
    skus: string[],
    options?: { everyListed?: boolean },
  ): Promise<Map<string, EnsuredProduct>>;
  /** Returns the product carrying `sku`, creating it when none does; never creates a duplicate. */
  ensureProduct(input: NewProduct): Promise<EnsuredProduct>;
  /** `ensureProduct` for many SKUs: one lookup for all of them, then a create per missing SKU. */
  ensureProducts(inputs: NewProduct[]): Promise<Map<string, EnsuredProduct>>;
  /**
   * Creates the product of a SKU the caller found missing (after {@link findProductsBySku}); a
   * rejection after which the SKU exists (a concurrent create) resolves to that product.
   */
  createProduct(input: NewProduct): Promise<EnsuredProduct>;
  /** Inventory levels (totals, per center, flags) for many inventory items in few calls. */
  getInventoryLevels(inventoryIds: number[]): Promise<InventoryLevel[]>;
  /**
   * Every inventory item of the account, all pages: totals and flags (no per-center split), in
   * paged reads whatever the number of items: `GET /inventory-level`, then the catalog's lists of
   * inactive and of digital items (`GET /inventory?IsActive=false`, `?IsDigital=true`, ADR 0160).
   */
  listInventoryLevels(): Promise<InventoryLevel[]>;
  /**
   * The same, with `knownFlags` (by inventory id, from an earlier read): the catalog
   * (`GET /inventory`) is read only when a level with a SKU has an item not among them, and
   * `catalogRead` says whether it was (ADR 0109).
   */
  readInventoryLevels(options?: {
    knownFlags?: FlagsById;
  }): Promise<{ levels: InventoryLevel[]; catalogRead: boolean }>;
  /** Every item's totals (`GET /inventory-level`, all pages), flags unknown (null). */
  readInventoryTotals(): Promise<InventoryLevel[]>;
  /**
   * Sets the levels' flags in place: from `knownFlags` when every level with a SKU is among
   * them, else from the catalog (`GET /inventory`); `catalogRead` says which (ADR 0109).
   */
  withInventoryFlags(
    levels: InventoryLevel[],
    options?: { knownFlags?: FlagsById },
  ): Promise<{ levels: InventoryLevel[]; catalogRead: boolean }>;
  /** Creates the order once; a duplicate `reference_id` resolves to the existing order. */
  createOrder(order: NewOrder): Promise<CreatedOrder>;
  findOrderByReferenceId(referenceId: string): Promise<ShipBobOrder | null>;
  getOrder(orderId: number): Promise<ShipBobOrder | null>;
  /** Our channel's orders (with shipments) changed at or after `cursor`, every page. */
  listOrdersUpdatedSince(cursor: Date, options?: { pageSize?: number }): Promise<OrdersSince>;
  cancelOrder(orderId: number): Promise<CancelOutcome>;
  /** Creates the return once per `referenceId`. */
  createReturn(input: NewReturn): Promise<CreatedReturn>;
  listReturns(filter?: ReturnFilter): Promise<ShipBobReturn[]>;
  /** Every dated webhook subscription of the account, all pages. */
  listWebhookSubscriptions(): Promise<WebhookSubscription[]>;
  /** Subscribes `url` to `topics`, signed with the given secret (not idempotent: look first). */
  createWebhookSubscription(input: NewWebhookSubscription): Promise<WebhookSubscription>;
  /** Removes a subscription; false when ShipBob no longer had it. */
  deleteWebhookSubscription(id: string): Promise<boolean>;
}
