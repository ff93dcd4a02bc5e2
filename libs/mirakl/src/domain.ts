/** The Mirakl seller API in the product's terms. Vendor DTOs never leave this library. */

/** Order states Mirakl documents; new values are passed through as plain strings. */
export type OrderState =
  | 'STAGING'
  | 'WAITING_ACCEPTANCE'
  | 'WAITING_DEBIT'
  | 'WAITING_DEBIT_PAYMENT'
  | 'SHIPPING'
  | 'SHIPPED'
  | 'TO_COLLECT'
  | 'RECEIVED'
  | 'CLOSED'
  | 'REFUSED'
  | 'CANCELED'
  | (string & {});

/** Line states: the order states plus `INCIDENT_OPEN` and `REFUNDED`, open to new values. */
export type OrderLineState = OrderState | 'INCIDENT_OPEN' | 'REFUNDED';

export interface MiraklShop {
  shopId: number;
  name: string;
  state: string;
  currency: string;
  channels: string[];
}

export interface MiraklOffer {
  offerId: number;
  shopSku: string;
  productSku: string;
  title?: string;
  quantity: number;
  active: boolean;
  price?: number;
  stateCode?: string;
  /** When Mirakl last changed the offer (exports and OF21 when given). */
  lastUpdated?: Date;
}

export interface OfferChanges {
  /** Offers created or updated since the last export (all active offers for a full export). */
  offers: MiraklOffer[];
  /** SKUs of offers deleted since the last export (differential exports only). */
  deletedSkus: string[];
  /** The deleted offers themselves, as the export describes them (same order as `deletedSkus`). */
  deleted: MiraklOffer[];
  /** Pass as `since` to the next differential export. */
  exportedAt: Date;
}

export interface StockUpdate {
  sku: string;
  quantity: number;
}

export interface StockFailure {
  sku: string;
  message: string;
  /** Line in the uploaded file, when the error report gives it. */
  line?: number;
}

/** A stock import Mirakl accepted: what following it needs. */
export interface StockImportStarted {
  importId: string;
  /** STO01 stock import, or the OF01 offer import fallback. */
  via: 'STO01' | 'OF01';
}

export interface StockPushResult {
  importId: string;
  /** STO01 stock import, or the OF01 offer import fallback. */
  via: 'STO01' | 'OF01';
  status: 'COMPLETE' | 'FAILED';
  linesInSuccess: number;
  linesInError: number;
  failures: StockFailure[];
  /** Why the whole import failed, when it did. */
  reason?: string;
}

export interface Address {
  firstName?: string;
  lastName: string;
  company?: string;
  street1: string;
  street2?: string;
  city: string;
  state?: string;
  zipCode?: string;
  country: string;
  /** ISO 3166-1 alpha-3, as Mirakl sends it. */
  countryIso3: string;
  phone?: string;
}

export interface MiraklOrderLine {
  lineId: string;
  index: number;
  state: OrderLineState;
  stateReasonCode?: string;
  stateReasonLabel?: string;
  /** The seller's SKU (`offer_sku`). */
  sku: string;
  offerId: number;
  productSku: string;
  title: string;
  quantity: number;
  unitPrice: number;
  price: number;
  shippingPrice: number;
  totalPrice: number;
}

export interface MiraklTracking {
  carrierCode?: string;
  carrierName?: string;
  trackingNumber?: string;
  trackingUrl?: string;
}

export interface MiraklOrder {
  orderId: string;
  commercialId: string;
  state: OrderState;
  createdAt: Date;
  lastUpdatedAt: Date;
  shippingDeadline?: Date;
  canCancel: boolean;
  canShopShip: boolean;
  hasIncident: boolean;
  currency: string;
  totalPrice: number;
  shippingTypeCode: string;
  customer: { customerId: string; firstName: string; lastName: string };
  /** Null until Mirakl reveals it (after payment, in `SHIPPING`). */
  shippingAddress: Address | null;
  lines: MiraklOrderLine[];
  tracking?: MiraklTracking;
}

export interface ListOrdersQuery {
  /** Cursor: orders whose `last_updated_date` is at or after this (Mirakl widens it by a safety delta). */
  updatedSince?: Date;
  updatedUntil?: Date;
  states?: readonly string[];
  hasIncident?: boolean;
  orderIds?: readonly string[];
}

export interface ShipmentTracking {
  /** Carrier name as the 3PL knows it (e.g. "UPS"); matched against the store's registered carriers. */
  carrierName: string;
  /** A registered Mirakl carrier code, when the caller already knows it. */
  carrierCode?: string;
  trackingNumber: string;
  /** Full tracking link, sent for carriers Mirakl does not know. */
  trackingUrl?: string;
}

export interface Carrier {
  code: string;
  label: string;
  standardCode?: string;
  trackingUrl?: string;
}

/** The reason of the error `exportOffers` throws when the store has no asynchronous exports. */
export const OFFER_EXPORTS_UNAVAILABLE = 'offer-exports-unavailable';

/** The operations the product performs on one Mirakl store. */
export interface MiraklStore {
  /** V01: resolves when the platform answers. */
  checkHealth(): Promise<void>;
  /** A01: proves the key works and reads the shop. */
  verifyCredentials(): Promise<MiraklShop>;
  /** OF21, every page. Interactive-sized catalogs; use {@link MiraklStore.exportOffers} for bulk. */
  listOffers(options?: { sku?: string }): Promise<MiraklOffer[]>;
  /**
   * OF52/OF53/OF54: full export, or the changes (including deletions) since `since`. A store
   * without asynchronous exports (OF52 answers 404, 405 or 501) throws a `PermanentError` with
   * reason {@link OFFER_EXPORTS_UNAVAILABLE}: read the catalog with OF21 instead.
   */
  exportOffers(options?: {
    since?: Date;
    signal?: AbortSignal;
    /** Awaited once the export is ready, before its files are downloaded (ADR 0112). */
    beforeDownload?: () => Promise<void>;
  }): Promise<OfferChanges>;
  /**
   * STO01 (or OF01 `NORMAL` when refused) as one import, followed to completion with its error
   * report. `onStarted` runs once Mirakl accepted the file, before the import is followed: a
   * caller keeps the import id there, so that an interrupted follow resumes with
   * {@link MiraklStore.followStockImport} instead of sending the file again.
   */
  pushStock(
    updates: readonly StockUpdate[],
    options?: { signal?: AbortSignal; onStarted?: (started: StockImportStarted) => Promise<void> },
  ): Promise<StockPushResult>;
  /** Follows an import {@link MiraklStore.pushStock} started (STO02/OF02, then its error report). */
  followStockImport(
    started: StockImportStarted,
    updates: readonly StockUpdate[],
    options?: { signal?: AbortSignal },
  ): Promise<StockPushResult>;
  /** OR11 over `start_update_date`, every page; an order appears once even if pages shift. */
  listOrdersUpdatedSince(query: ListOrdersQuery): Promise<MiraklOrder[]>;
  /** OR21 accepting every line. A wrong-state answer throws {@link MiraklWrongStateError}. */
  acceptOrder(order: { orderId: string; lineIds?: readonly string[] }): Promise<void>;
  /** OR23, with a registered carrier code when SH21 knows the carrier, else name and URL. */
  setTracking(orderId: string, tracking: ShipmentTracking): Promise<void>;
  /** OR24. */
  confirmShipment(orderId: string): Promise<void>;
  /** OR29. */
  cancelOrder(orderId: string): Promise<void>;
  /** SH21, cached for a day. */
  listCarriers(): Promise<Carrier[]>;
}
