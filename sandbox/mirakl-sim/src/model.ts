/** In-memory state of the simulated Mirakl instance: shops, offers, orders, imports, exports. */

export const ORDER_STATES = [
  'STAGING',
  'WAITING_ACCEPTANCE',
  'WAITING_DEBIT',
  'WAITING_DEBIT_PAYMENT',
  'SHIPPING',
  'SHIPPED',
  'TO_COLLECT',
  'RECEIVED',
  'CLOSED',
  'REFUSED',
  'CANCELED',
] as const;
export type OrderState = (typeof ORDER_STATES)[number];
export type LineState = OrderState | 'INCIDENT_OPEN' | 'REFUNDED';

export const PAYMENT_WORKFLOWS = [
  'PAY_ON_ACCEPTANCE',
  'PAY_ON_DELIVERY',
  'PAY_ON_DUE_DATE',
  'PAY_ON_SHIPMENT',
  'NO_CUSTOMER_PAYMENT_CONFIRMATION',
] as const;
export type PaymentWorkflow = (typeof PAYMENT_WORKFLOWS)[number];

export interface Address {
  firstname?: string;
  lastname: string;
  company?: string;
  street_1: string;
  street_2?: string;
  city: string;
  state?: string;
  zip_code?: string;
  country: string;
  country_iso_code: string;
  phone?: string;
}

export interface SimOffer {
  offerId: number;
  shopSku: string;
  productSku: string;
  productTitle: string;
  /** Available stock: the global quantity, or the sum of `warehouses` when it has entries. */
  quantity: number;
  /** Per-warehouse quantities (STO01 `warehouse-code`); empty when stock is global. */
  warehouses: Map<string, number>;
  price: number;
  stateCode: string;
  description: string;
  active: boolean;
  deleted: boolean;
  lastUpdated: Date;
}

export interface SimOrderLine {
  lineId: string;
  index: number;
  state: LineState;
  /** The state an incident froze; restored when the incident closes. */
  stateBeforeIncident?: LineState;
  reasonCode?: string;
  reasonLabel?: string;
  offerSku: string;
  offerId: number;
  productSku: string;
  productTitle: string;
  quantity: number;
  unitPrice: number;
  shippingPrice: number;
  createdAt: Date;
  lastUpdated: Date;
  debitedAt?: Date;
  shippedAt?: Date;
  canceledAt?: Date;
}

export interface SimTracking {
  carrierCode?: string;
  carrierStandardCode?: string;
  carrierName?: string;
  trackingNumber?: string;
  trackingUrl?: string;
}

export interface SimOrder {
  orderId: string;
  commercialId: string;
  state: OrderState;
  createdAt: Date;
  lastUpdated: Date;
  acceptanceDecisionDate?: Date | null;
  shippingDeadline: Date;
  customer: { customerId: string; firstname: string; lastname: string };
  shippingAddress: Address;
  billingAddress: Address;
  /**
   * Whether the customer's addresses have been shown to the shop: they are from the payment
   * confirmation (SHIPPING) on, and never before, whatever the order becomes afterwards.
   */
  addressesReleased: boolean;
  shippingTypeCode: string;
  lines: SimOrderLine[];
  tracking?: SimTracking;
  /** When the simulated payment confirmation moves the order to SHIPPING (undefined = manual). */
  paymentDueAt?: Date;
  /** Every workflow call the shop made on this order, for the control API's read-back. */
  history: { at: Date; action: string; detail?: unknown }[];
  /** How the customer pays (OR11 `payment_workflow`); decides when OR29 is allowed. */
  paymentWorkflow: PaymentWorkflow;
  /** When the customer was debited (OR11 `customer_debited_date`); unset until then. */
  customerDebitedAt?: Date;
}

export type ImportStatus = 'WAITING' | 'RUNNING' | 'COMPLETE' | 'FAILED';

export interface ImportLineError {
  line: number;
  message: string;
  cells: string[];
}

export interface SimImport {
  kind: 'stock' | 'offer';
  id: string;
  mode: 'NORMAL' | 'REPLACE' | 'STOCK';
  createdAt: Date;
  header: string[];
  rows: string[][];
  status: ImportStatus;
  reasonStatus?: string;
  linesRead: number;
  linesInSuccess: number;
  linesInError: number;
  inserted: number;
  updated: number;
  deleted: number;
  errors: ImportLineError[];
  applied: boolean;
}

export interface SimExport {
  trackingId: string;
  createdAt: Date;
  lastRequestDate?: Date;
  includeInactive: boolean;
  itemsPerChunk: number;
  chunks?: unknown[][];
  status: 'PENDING' | 'COMPLETED' | 'FAILED';
  error?: { code: string; detail: string };
}

export interface StockChange {
  at: Date;
  sku: string;
  from: number;
  to: number;
  importId: string;
  via: 'STO01' | 'OF01';
  /** Set when the change was to one warehouse's quantity. */
  warehouse?: string;
}

export interface SimShop {
  shopId: number;
  name: string;
  apiKey: string;
  currency: string;
  /** Operators may not enable STO01; when false the endpoint answers 404. */
  stockImportsEnabled: boolean;
  /**
   * The platform is slow to process this shop's imports: they stay RUNNING (never applied) until
   * released, then run as usual. How an import looks while a client crashes or gives up on it.
   */
  importsHeld: boolean;
  /**
   * The platform is slow to prepare this shop's offer exports: they stay PENDING until released,
   * then complete as usual. How an export looks while a client stops or gives up on it.
   */
  exportsHeld: boolean;
  partialAcceptance: boolean;
  trackingRequiredToShip: boolean;
  offers: Map<string, SimOffer>;
  orders: Map<string, SimOrder>;
  imports: Map<string, SimImport>;
  exports: Map<string, SimExport>;
  stockHistory: StockChange[];
}

export interface Carrier {
  code: string;
  label: string;
  standard_code?: string;
  tracking_url?: string;
}

export const DEFAULT_CARRIERS: Carrier[] = [
  {
    code: 'DHL',
    label: 'DHL',
    standard_code: 'DHL',
    tracking_url: 'https://www.dhl.com/track?AWB={trackingId}',
  },
  {
    code: 'FEDEX',
    label: 'FedEx',
    standard_code: 'FEDEX',
    tracking_url: 'https://www.fedex.com/fedextrack/?trknbr={trackingId}',
  },
  {
    code: 'UPS',
    label: 'UPS',
    standard_code: 'UPS',
    tracking_url: 'https://www.ups.com/track?tracknum={trackingId}',
  },
  {
    code: 'USPS',
    label: 'USPS',
    standard_code: 'USPS',
    tracking_url: 'https://tools.usps.com/go/TrackConfirmAction?tLabels={trackingId}',
  },
];
