/** Entities the simulator keeps in memory, in ShipBob's terms (one world per simulator). */

export interface Channel {
  id: number;
  name: string;
  applicationName: string;
  scopes: string[];
}

export interface Merchant {
  id: number;
  name: string;
  /** The channel every PAT of the merchant writes as ("SMA"). */
  patChannelId: number;
  channels: Channel[];
  pats: string[];
}

export interface FulfillmentCenter {
  id: number;
  name: string;
  timezone: string;
  city: string;
  state: string;
  country: string;
}

export interface StockAtCenter {
  onHand: number;
  committed: number;
}

export interface InventoryItem {
  id: number;
  merchantId: number;
  name: string;
  sku: string;
  isActive: boolean;
  isDigital: boolean;
  /** Keyed by fulfillment center id. */
  stock: Map<number, StockAtCenter>;
  /** Units on orders in exception (no center could allocate them). */
  exception: number;
}

export interface ChannelMetadata {
  channelId: number;
  channelName: string;
  sellerSku: string;
}

export interface Variant {
  id: number;
  sku: string;
  name: string;
  isActive: boolean;
  isDigital: boolean;
  inventoryId: number;
  channelMetadata: ChannelMetadata[];
}

export interface Product {
  id: number;
  merchantId: number;
  name: string;
  createdOn: string;
  updatedOn: string;
  variants: Variant[];
}

export interface Address {
  address1: string;
  address2?: string | null;
  company_name?: string | null;
  city: string;
  state?: string | null;
  country: string;
  zip_code?: string | null;
}

export interface Recipient {
  name: string;
  address: Address;
  email?: string | null;
  phone_number?: string | null;
}

export interface OrderLine {
  productId: number;
  referenceId: string;
  sku: string;
  quantity: number;
  unitPrice: number | null;
  inventoryId: number;
  name: string;
}

export type ShipmentStatus =
  'None' | 'Processing' | 'Completed' | 'Exception' | 'OnHold' | 'Cancelled' | 'LabeledCreated';

export interface StatusDetail {
  id: number;
  name: string;
  description: string;
  inventoryId?: number;
}

export interface Tracking {
  carrier: string;
  carrierService: string;
  trackingNumber: string;
  trackingUrl: string;
  shippingDate: string | null;
}

/** One carrier scan, as `GET /2026-01/shipments-tracking` reports it. */
export interface TrackingEvent {
  status: 'PreTransit' | 'InTransit' | 'Delivered' | 'Cancelled';
  substatus: string;
  message: string;
  timestamp: string;
}

export interface Shipment {
  id: number;
  orderId: number;
  status: ShipmentStatus;
  statusDetails: StatusDetail[];
  locationId: number | null;
  tracking: Tracking | null;
  createdDate: string;
  lastUpdateAt: string;
  lastTrackingUpdateAt: string | null;
  isTrackingUploaded: boolean;
  actualFulfillmentDate: string | null;
  deliveryDate: string | null;
  trackingHistory: TrackingEvent[];
}

export type OrderStatus =
  'Processing' | 'Exception' | 'PartiallyFulfilled' | 'Fulfilled' | 'Cancelled';

export interface Order {
  id: number;
  merchantId: number;
  channelId: number;
  referenceId: string;
  orderNumber: string;
  type: string;
  shippingMethod: string;
  recipient: Recipient;
  lines: OrderLine[];
  createdDate: string;
  purchaseDate: string | null;
  updatedAt: string;
  /** Hidden from `GET /order` lists until this time (read-after-write lag). */
  visibleFrom: number;
  shipments: Shipment[];
  salesChannel: string | null;
  tags: { name: string; value: string }[];
}

export type ReturnStatus = 'AwaitingArrival' | 'Arrived' | 'Processing' | 'Completed' | 'Cancelled';
export type ReturnAction = 'Default' | 'Restock' | 'Quarantine' | 'Dispose';

export interface ReturnItem {
  inventoryId: number;
  quantity: number;
  requestedAction: ReturnAction;
  actionTaken: { action: string; reason: string | null; quantityProcessed: number }[];
}

export interface ReturnOrder {
  id: number;
  merchantId: number;
  channelId: number;
  referenceId: string;
  status: ReturnStatus;
  fulfillmentCenterId: number;
  items: ReturnItem[];
  trackingNumber: string | null;
  originalShipmentId: number | null;
  storeOrderId: string | null;
  insertDate: string;
  completedDate: string | null;
  history: { status: ReturnStatus; timestamp: string }[];
}

/** An entry of the merchant's Ship Option Mapping (`GET /shipping-method`). */
export interface ShippingMethod {
  id: number;
  merchantId: number;
  name: string;
  active: boolean;
  isDefault: boolean;
  serviceLevel: { id: number; name: string };
}

export type ApiVersion = '2025-07' | '2026-01';

/** A dated-API webhook subscription (Standard Webhooks signing with `secret`). */
export interface WebhookSubscription {
  id: string;
  merchantId: number;
  url: string;
  topics: string[];
  description: string | null;
  secret: string;
  enabled: boolean;
  createdAt: string;
}
