// Generated from libs/events/schemas/*.avsc by `npm run gen`. Do not edit.

/** An order line entered INCIDENT_OPEN; may become one ShipBob return. */
export interface MiraklIncidentOpened {
  envelope: EventEnvelope;
  orderId: string;
  orderLineId: string;
  offerSku: string;
  quantity: number;
  reasonCode: null | string;
  reasonLabel: null | string;
}

/** Common header of every event. Key of every record is the storeId. */
export interface EventEnvelope {
  /** Unique per emission (UUID). */
  eventId: string;
  /** Deterministic, derived from the source facts, e.g. mirakl:<storeId>:order:<orderId>:<state>:<lastUpdated>. */
  idempotencyKey: string;
  storeId: string;
  /** When the fact happened at the source. */
  occurredAt: number; // epoch milliseconds
  /** When this product saw it. */
  observedAt: number; // epoch milliseconds
  /** Shared by every event of one poll, run or request. */
  correlationId: string;
  /** eventId of the event that caused this one, if any. */
  causationId: null | string;
  /** Emitting service, e.g. mirakl-poller. */
  source: string;
}

/** Offers of the store as seen in OF21/OF52 (the fact's own and those in `more`), emitted when new or changed. */
export interface MiraklOfferObserved {
  envelope: EventEnvelope;
  offerId: string;
  shopSku: string;
  productSku: null | string;
  productTitle: null | string;
  quantity: number;
  active: boolean;
  deleted: boolean;
  lastUpdated: number; // epoch milliseconds
  /** Revision 2: further offers of the same read and store, after the fact's own: one fact carries up to a hundred offers (ADR 0168). Each is decided and applied as a fact of its own would be. A reader older than revision 2 sees only the first offer, so the applier is upgraded before the poller. */
  more: Array<MiraklOfferItem>;
}

/** One more offer of the fact's read and store: its own idempotency key, then the same fields as the fact's own offer. */
export interface MiraklOfferItem {
  /** The key the offer has as a fact of its own: mirakl:<storeId>:offer:<sku>:<lastUpdated>:<fingerprint>. */
  idempotencyKey: string;
  offerId: string;
  shopSku: string;
  productSku: null | string;
  productTitle: null | string;
  quantity: number;
  active: boolean;
  deleted: boolean;
  lastUpdated: number; // epoch milliseconds
}

/** An order in WAITING_ACCEPTANCE; the applier accepts every line in one OR21 call. */
export interface MiraklOrderAwaitingAcceptance {
  envelope: EventEnvelope;
  orderId: string;
  commercialId: null | string;
  createdAt: number; // epoch milliseconds
  acceptanceDeadline: null | number; // epoch milliseconds
  lines: Array<AwaitingOrderLine>;
}

export interface AwaitingOrderLine {
  orderLineId: string;
  offerSku: string;
  quantity: number;
  state: string;
}

/** An order was canceled (or refused) on the marketplace side. */
export interface MiraklOrderCanceled {
  envelope: EventEnvelope;
  orderId: string;
  /** CANCELED | REFUSED. */
  state: string;
  reason: null | string;
}

/** An order reached SHIPPING: the address is visible and exactly one ShipBob order must exist for it. */
export interface MiraklOrderReadyToShip {
  envelope: EventEnvelope;
  orderId: string;
  commercialId: null | string;
  shippingMethod: null | string;
  currency: null | string;
  lines: Array<ShippableOrderLine>;
  shippingAddress: PostalAddress;
  customerEmail: null | string;
}

export interface ShippableOrderLine {
  orderLineId: string;
  offerSku: string;
  productTitle: null | string;
  quantity: number;
  /** Decimal as text, no float rounding. */
  unitPrice: null | string;
}

export interface PostalAddress {
  firstName: null | string;
  lastName: null | string;
  company: null | string;
  street1: string;
  street2: null | string;
  city: string;
  state: null | string;
  zipCode: null | string;
  /** ISO 3166 alpha-2 or alpha-3 as given by the marketplace. */
  country: string;
  phone: null | string;
}

/** One chunk of the quantities a full OF52 export found for the store's offers, read to reconcile the store's stock (ADR 0088). */
export interface MiraklStockObserved {
  envelope: EventEnvelope;
  /** The export the chunk belongs to, the same for every chunk of one reconciliation. */
  reconciliationId: string;
  /** When the export was requested: imports recorded after it may not be in it. */
  exportedAt: number; // epoch milliseconds
  /** 0-based index of this chunk. */
  chunk: number;
  /** How many chunks the reconciliation has (at least 1). */
  chunkCount: number;
  offers: Array<MiraklOfferStock>;
}

export interface MiraklOfferStock {
  shopSku: string;
  quantity: number;
}

/** Command from the scheduler: poll one stream of one store now. */
export interface PollRequested {
  envelope: EventEnvelope;
  system: ExternalSystem;
  /** offers | orders | inventory | shipments | returns (new streams may be added). */
  stream: string;
  /** schedule | store-connected | manual | backfill | resync (re-read what is still actionable, ADR 0055). */
  reason: string;
  /** Backfill: poll from this instant instead of the stored cursor. */
  since: null | number; // epoch milliseconds
  /** Revision 2: the store configuration version the request was made under; a poller whose view of the store is older waits for it (null: no wait). */
  configVersion: null | number;
}

export type ExternalSystem = 'MIRAKL' | 'SHIPBOB';

/** Command from the scheduler: send the daily returns report of one store. */
export interface ReportRequested {
  envelope: EventEnvelope;
  /** Calendar day (YYYY-MM-DD) in timeZone that the report covers. */
  reportDate: string;
  /** IANA zone, America/New_York. */
  timeZone: string;
}

/** Inventory of SKUs of one ShipBob read and store (the fact's own and those in `more`), emitted when any quantity changed. */
export interface ShipBobInventoryObserved {
  envelope: EventEnvelope;
  sku: string;
  inventoryId: string;
  fulfillable: number;
  onHand: number;
  committed: number;
  exception: number;
  active: boolean;
  digital: boolean;
  /** Revision 2: the account read this fact comes from; every fact of one read and store shares it. */
  cycleId: null | string;
  /** Revision 2: the store's last fact of the read (the store's import may be computed now). */
  endOfCycle: boolean;
  /** Revision 2: this read gives the store every SKU (its first read, or a resync): every quantity is pushed again. */
  fullCycle: boolean;
  /** Revision 3: nothing of the store changed in this read: the fact only closes its cycle, and its level is the one the store was last given. */
  nothingChanged: boolean;
  /** Revision 4: further SKUs of the same read and store, after the fact's own in SKU order: one fact carries up to a page of levels (ADR 0166). A reader older than revision 4 sees only the first SKU, so the applier is upgraded before the poller. */
  more: Array<ShipBobSkuLevel>;
}

/** One more SKU of the fact's read and store, with the same fields as the fact's own. */
export interface ShipBobSkuLevel {
  sku: string;
  inventoryId: string;
  fulfillable: number;
  onHand: number;
  committed: number;
  exception: number;
  active: boolean;
  digital: boolean;
}

/** A ShipBob order was canceled in ShipBob: the whole order, or (partial) one of its shipments while others still ship. */
export interface ShipBobOrderCanceled {
  envelope: EventEnvelope;
  shipbobOrderId: string;
  /** The marketplace order id. */
  referenceId: string;
  /** Revision 2: only the shipment `shipmentId` was canceled; other shipments of the order still ship (or shipped). */
  partial: boolean;
  /** Revision 2: the canceled shipment of a partial cancellation. */
  shipmentId: null | string;
  /** Revision 2: what the canceled shipment held, by SKU (partial cancellations). */
  canceledItems: Array<CanceledItem>;
}

export interface CanceledItem {
  sku: string;
  quantity: number;
}

/** A ShipBob return order changed status. */
export interface ShipBobReturnUpdated {
  envelope: EventEnvelope;
  returnId: string;
  /** Our idempotent return reference. */
  referenceId: string;
  /** The marketplace order id. */
  storeOrderId: null | string;
  /** AwaitingArrival | Arrived | Processing | Completed | Cancelled. */
  status: string;
  fulfillmentCenterName: null | string;
  actionRequested: null | string;
  actionTaken: null | string;
  completedAt: null | number; // epoch milliseconds
}

/** A ShipBob shipment reached the labeled state (or later) and has tracking. */
export interface ShipBobShipmentLabeled {
  envelope: EventEnvelope;
  shipbobOrderId: string;
  shipmentId: string;
  /** The marketplace order id. */
  referenceId: string;
  status: string;
  carrier: string;
  trackingNumber: string;
  trackingUrl: null | string;
}

/** Full, secret-free configuration of a store after a change. Compacted by storeId. */
export interface StoreConfigChanged {
  envelope: EventEnvelope;
  /** Monotonic per store; consumers ignore older versions. */
  version: number;
  /** CONNECTED | DISCONNECTED | DELETED. */
  status: string;
  tenantId: string;
  miraklBaseUrl: string;
  miraklShopId: string;
  miraklShopName: null | string;
  /** A verified PAT is stored (the PAT itself never travels). */
  shipbobConfigured: boolean;
  shipbobChannelId: null | string;
  reportEmail: null | string;
  toggles: SyncToggles;
  returnsApproved: boolean;
  inventoryBuffer: number;
  returnFulfillmentCenterId: null | string;
  pollIntervalMinutes: number;
  /** Revision 2: Mirakl shipping type code → ShipBob ship option (shipping_method) name. */
  shippingMethods: Record<string, string>;
  /** Revision 2: ShipBob ship option for a Mirakl shipping type without a mapping. */
  defaultShippingMethod: string;
  /** Revision 3: on a day without completed returns, send a "no completed returns" report instead of no e-mail. */
  reportWhenEmpty: boolean;
  /** Revision 4: with Sync Cancelations on, an order canceled or refused on the marketplace also cancels its ShipBob order (while not labeled). */
  cancelShipBobOnMarketplaceCancel: boolean;
  /** Revision 5: Mirakl incident reason code → create | ignore (a ShipBob return or none); a reason not listed creates one. */
  returnReasons: Record<string, string>;
  /** Revision 5: the action asked of the warehouse for every returned item: Default | Restock | Quarantine | Dispose. */
  returnRequestedAction: string;
}

export interface SyncToggles {
  offers: boolean;
  inventory: boolean;
  orders: boolean;
  tracking: boolean;
  cancellations: boolean;
  returns: boolean;
}

/** Audit trail: what the applier did (or would do, in a dry run) about one fact. */
export interface SyncOutcomeRecorded {
  envelope: EventEnvelope;
  /** offers | inventory | orders | tracking | cancellations | returns. */
  flow: string;
  effectKey: string;
  target: ExternalSystem;
  /** APPLIED | DUPLICATE | SKIPPED | FAILED (revision 1 records may say ALREADY_APPLIED, which means DUPLICATE). */
  outcome: string;
  /** What the effect is about: an order id, a SKU, an incident line. */
  subjectId: string;
  detail: null | string;
  /** Revision 2: the outcome was computed by a replay dry run, nothing was changed. */
  dryRun: boolean;
  /** Revision 3: the Mirakl order the effect belongs to, for the order's timeline. */
  miraklOrderId: null | string;
  /** Revision 3: machine-readable reason of a SKIPPED or FAILED outcome, e.g. unknown-sku. */
  reason: null | string;
  /** Revision 3: ids in the target system, e.g. shipbobOrderId. */
  externalIds: Record<string, string>;
  /** Revision 3: from the fact's observedAt to this outcome. */
  latencyMs: null | number;
}

/** Every event record, by schema name. */
export interface EventSchemas {
  MiraklIncidentOpened: MiraklIncidentOpened;
  MiraklOfferObserved: MiraklOfferObserved;
  MiraklOrderAwaitingAcceptance: MiraklOrderAwaitingAcceptance;
  MiraklOrderCanceled: MiraklOrderCanceled;
  MiraklOrderReadyToShip: MiraklOrderReadyToShip;
  MiraklStockObserved: MiraklStockObserved;
  PollRequested: PollRequested;
  ReportRequested: ReportRequested;
  ShipBobInventoryObserved: ShipBobInventoryObserved;
  ShipBobOrderCanceled: ShipBobOrderCanceled;
  ShipBobReturnUpdated: ShipBobReturnUpdated;
  ShipBobShipmentLabeled: ShipBobShipmentLabeled;
  StoreConfigChanged: StoreConfigChanged;
  SyncOutcomeRecorded: SyncOutcomeRecorded;
}
