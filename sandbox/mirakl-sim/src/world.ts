import { parseCsv } from '@msync/platform';
import { SimHttpError, type SimClock } from '@msync/sim-kit';
import { applyImport } from './import-run.js';
import { renderExportItem } from './render.js';
import { setGlobalQuantity } from './stock.js';
import type {
  Address,
  LineState,
  OrderState,
  PaymentWorkflow,
  SimExport,
  SimImport,
  SimOffer,
  SimOrder,
  SimOrderLine,
  SimShop,
} from './model.js';
import { PAYMENT_WORKFLOWS } from './model.js';

export interface WorldOptions {
  now: SimClock;
  /** Time an import spends WAITING then RUNNING before it completes. */
  importDelayMs: number;
  /** Time an offer export stays PENDING. */
  exportDelayMs: number;
  /** Time from acceptance to the payment confirmation that moves an order to SHIPPING; null = only via the control API. */
  paymentDelayMs: number | null;
  /** Safety delta Mirakl subtracts from `start_update_date`. */
  updateOverlapMs: number;
}

export interface ShopSeed {
  shopId?: number;
  name?: string;
  apiKey: string;
  currency?: string;
  stockImportsEnabled?: boolean;
  partialAcceptance?: boolean;
  trackingRequiredToShip?: boolean;
  offers?: OfferSeed[];
}

export interface OfferSeed {
  sku: string;
  quantity?: number;
  price?: number;
  title?: string;
  productSku?: string;
  active?: boolean;
}

export interface OrderSeed {
  orderId?: string;
  commercialId?: string;
  state?: OrderState;
  lines: { sku: string; quantity?: number; unitPrice?: number }[];
  shippingAddress?: Address;
  customer?: { firstname: string; lastname: string };
  shippingTypeCode?: string;
  /** Default `PAY_ON_ACCEPTANCE`: debited at the payment confirmation (→ `SHIPPING`). */
  paymentWorkflow?: PaymentWorkflow;
}

const DEFAULT_ADDRESS: Address = {
  firstname: 'Jane',
  lastname: 'Doe',
  street_1: '151 West 34th Street',
  city: 'New York',
  state: 'NY',
  zip_code: '10001',
  country: 'United States',
  country_iso_code: 'USA',
  phone: '212-555-0100',
};

/** The simulated instance's state and its rules (state machine, imports, exports). */
export class SimWorld {
  readonly shops = new Map<number, SimShop>();
  /** Shops a key may reach through `shop_id` besides its own (a user with several shops). */
  private readonly grants = new Map<string, Set<number>>();
  private nextShopId = 2001;
  private nextOfferId = 10_001;
  private nextOrderNumber = 1;
  private nextImportId = 1;
  private nextExportId = 1;

  constructor(readonly options: WorldOptions) {}

  now(): Date {
    return this.options.now();
  }

  addShop(seed: ShopSeed): SimShop {
    for (const s of this.shops.values()) {
      if (s.apiKey === seed.apiKey) throw new SimHttpError(409, 'A shop already uses this API key');
    }
    const shopId = seed.shopId ?? this.nextShopId++;
    const shop: SimShop = {
      shopId,
      name: seed.name ?? `Shop ${shopId}`,
      apiKey: seed.apiKey,
      currency: seed.currency ?? 'USD',
      stockImportsEnabled: seed.stockImportsEnabled ?? true,
      importsHeld: false,
      exportsHeld: false,
      partialAcceptance: seed.partialAcceptance ?? false,
      trackingRequiredToShip: seed.trackingRequiredToShip ?? true,
      offers: new Map(),
      orders: new Map(),
      imports: new Map(),
      exports: new Map(),
      stockHistory: [],
    };
    this.shops.set(shopId, shop);
    for (const offer of seed.offers ?? []) this.upsertOffer(shop, offer);
    return shop;
  }

  shopByKey(apiKey: string | undefined): SimShop | undefined {
    if (!apiKey) return undefined;
    for (const shop of this.shops.values()) if (shop.apiKey === apiKey) return shop;
    return undefined;
  }

  /** Lets the user holding `apiKey` reach `shopId` with `shop_id` (its own shop stays the default). */
  grantAccess(shopId: number, apiKey: string): void {
    this.shop(shopId);
    if (!this.shopByKey(apiKey)) throw new SimHttpError(404, 'No shop uses this API key');
    let shops = this.grants.get(apiKey);
    if (!shops) this.grants.set(apiKey, (shops = new Set()));
    shops.add(shopId);
  }

  /**
   * The shop a request acts on: the key's own shop, or the one `shop_id` names when the key's
   * user may reach it (undefined otherwise).
   */
  shopFor(own: SimShop, requestedShopId: number | undefined): SimShop | undefined {
    if (requestedShopId === undefined || requestedShopId === own.shopId) return own;
    if (!this.grants.get(own.apiKey)?.has(requestedShopId)) return undefined;
    return this.shops.get(requestedShopId);
  }

  /** Forgets every shop and grant. */
  clear(): void {
    this.shops.clear();
    this.grants.clear();
  }

  shop(shopId: number): SimShop {
    const shop = this.shops.get(shopId);
    if (!shop) throw new SimHttpError(404, `Shop ${shopId} not found`);
    return shop;
  }

  upsertOffer(shop: SimShop, seed: OfferSeed): SimOffer {
    const existing = shop.offers.get(seed.sku);
    const offer: SimOffer = existing ?? {
      offerId: this.nextOfferId++,
      shopSku: seed.sku,
      productSku: seed.productSku ?? `MKP${seed.sku}`,
      productTitle: seed.title ?? `Product ${seed.sku}`,
      quantity: 0,
      warehouses: new Map(),
      price: 10,
      stateCode: '11',
      description: `Offer for ${seed.sku}`,
      active: true,
      deleted: false,
      lastUpdated: this.now(),
    };
    if (seed.quantity !== undefined) setGlobalQuantity(offer, seed.quantity);
    if (seed.price !== undefined) offer.price = seed.price;
    if (seed.title !== undefined) offer.productTitle = seed.title;
    if (seed.active !== undefined) offer.active = seed.active;
    offer.deleted = false;
    offer.lastUpdated = this.now();
    shop.offers.set(seed.sku, offer);
    return offer;
  }

  // ---- orders -------------------------------------------------------------------------------

  createOrder(shop: SimShop, seed: OrderSeed): SimOrder {
    const now = this.now();
    const number = this.nextOrderNumber++;
    const commercialId = seed.commercialId ?? `C${String(100000 + number)}`;
    const orderId = seed.orderId ?? `${commercialId}-A`;
    if (shop.orders.has(orderId)) throw new SimHttpError(409, `Order ${orderId} already exists`);
    if (seed.lines.length === 0) throw new SimHttpError(400, 'An order needs at least one line');
    const state = seed.state ?? 'WAITING_ACCEPTANCE';
    const lines: SimOrderLine[] = seed.lines.map((l, i) => {
      const offer = shop.offers.get(l.sku) ?? this.upsertOffer(shop, { sku: l.sku, quantity: 0 });
      return {
        lineId: `${orderId}-${i + 1}`,
        index: i + 1,
        state,
        offerSku: l.sku,
        offerId: offer.offerId,
        productSku: offer.productSku,
        productTitle: offer.productTitle,
        quantity: l.quantity ?? 1,
        unitPrice: l.unitPrice ?? offer.price,
        shippingPrice: 0,
        createdAt: now,
        lastUpdated: now,
      };
    });
    const address = seed.shippingAddress ?? DEFAULT_ADDRESS;
    const addressesReleased = PAID_STATES.has(state);
    const paymentWorkflow = seed.paymentWorkflow ?? 'PAY_ON_ACCEPTANCE';
    if (!PAYMENT_WORKFLOWS.includes(paymentWorkflow))
      throw new SimHttpError(400, `Unknown payment workflow ${String(paymentWorkflow)}`);
    const order: SimOrder = {
      orderId,
      commercialId,
      state,
      createdAt: now,
      lastUpdated: now,
      shippingDeadline: new Date(now.getTime() + 2 * 24 * 3600_000),
      customer: {
        customerId: `CUST-${number}`,
        firstname: seed.customer?.firstname ?? address.firstname ?? 'Jane',
        lastname: seed.customer?.lastname ?? address.lastname,
      },
      shippingAddress: address,
      billingAddress: address,
      addressesReleased,
      shippingTypeCode: seed.shippingTypeCode ?? 'STD',
      lines,
      history: [{ at: now, action: 'created' }],
      paymentWorkflow,
      ...(addressesReleased && paymentWorkflow === 'PAY_ON_ACCEPTANCE'
        ? { customerDebitedAt: now }
        : {}),
    };
    shop.orders.set(orderId, order);
    return order;
  }

  order(shop: SimShop, orderId: string): SimOrder {
    const order = shop.orders.get(orderId);
    if (!order)
      throw new SimHttpError(404, `Order with id ${orderId} not found`, {
        code: 'ORDER_NOT_FOUND',
      });
    return order;
  }

  private touch(order: SimOrder, action: string, detail?: unknown): void {
    const now = this.now();
    // Two changes in the same millisecond must still be told apart by `last_updated_date`.
    order.lastUpdated =
      now.getTime() > order.lastUpdated.getTime() ? now : new Date(order.lastUpdated.getTime() + 1);
    order.history.push({ at: order.lastUpdated, action, detail });
  }

  private setLines(order: SimOrder, from: (s: LineState) => boolean, to: LineState): void {
    for (const line of order.lines) {
      if (from(line.state)) {
        line.state = to;
        line.lastUpdated = this.now();
      } else if (
        line.state === 'INCIDENT_OPEN' &&
        line.stateBeforeIncident &&
        from(line.stateBeforeIncident)
      ) {
        line.stateBeforeIncident = to;
      }
    }
  }

  private wrongState(order: SimOrder, expected: string): SimHttpError {
    return new SimHttpError(
      400,
      `Order ${order.orderId} is not in state ${expected}. Current status is ${order.state}`,
      { code: 'ORDER_INVALID_STATE' },
    );
  }

  /** OR21. */
  accept(shop: SimShop, orderId: string, decisions: { id: string; accepted: boolean }[]): void {
    const order = this.order(shop, orderId);
    if (order.state !== 'WAITING_ACCEPTANCE') throw this.wrongState(order, 'WAITING_ACCEPTANCE');
    const seen = new Set<string>();
    for (const d of decisions) {
      if (seen.has(d.id))
        throw new SimHttpError(400, `Duplicate order line id ${d.id}`, {
          code: 'ORDER_LINE_DUPLICATE_ID',
        });
      seen.add(d.id);
      if (!order.lines.some((l) => l.lineId === d.id)) {
        throw new SimHttpError(400, `Order line ${d.id} not found`, {
          code: 'ORDER_LINE_NOT_FOUND',
        });
      }
    }
    const missing = order.lines.filter((l) => !seen.has(l.lineId));
    if (missing.length > 0) {
      throw new SimHttpError(
        400,
        `Acceptance decision missing for order lines ${missing.map((l) => l.lineId).join(', ')}`,
        { code: 'ORDER_LINE_ACCEPTANCE_DECISION_MISSING' },
      );
    }
    const accepted = decisions.filter((d) => d.accepted).length;
    if (accepted > 0 && accepted < decisions.length && !shop.partialAcceptance) {
      throw new SimHttpError(400, 'Partial acceptance is disabled for this shop', {
        code: 'ORDER_PARTIAL_ACCEPTANCE_DISABLED',
      });
    }
    const now = this.now();
    for (const line of order.lines) {
      const decision = decisions.find((d) => d.id === line.lineId);
      line.state = decision?.accepted ? 'WAITING_DEBIT_PAYMENT' : 'REFUSED';
      if (!decision?.accepted) {
        line.reasonCode = 'SHOP_REFUSED';
        line.reasonLabel = 'Refused by the shop';
      }
      line.lastUpdated = now;
    }
    order.acceptanceDecisionDate = now;
    if (accepted === 0) {
      order.state = 'REFUSED';
    } else {
      order.state = 'WAITING_DEBIT_PAYMENT';
      if (this.options.paymentDelayMs !== null) {
        order.paymentDueAt = new Date(now.getTime() + this.options.paymentDelayMs);
      }
    }
    this.touch(order, 'accepted', decisions);
  }

  /** Control: the operator's payment service confirms the debit. */
  confirmPayment(shop: SimShop, orderId: string): SimOrder {
    const order = this.order(shop, orderId);
    if (order.state !== 'WAITING_DEBIT_PAYMENT')
      throw this.wrongState(order, 'WAITING_DEBIT_PAYMENT');
    order.state = 'SHIPPING';
    order.addressesReleased = true;
    order.paymentDueAt = undefined;
    // Only a pay-on-acceptance customer is debited now; the other workflows debit later.
    if (order.paymentWorkflow === 'PAY_ON_ACCEPTANCE') this.debit(order);
    this.setLines(order, (s) => s === 'WAITING_DEBIT_PAYMENT', 'SHIPPING');
    this.touch(order, 'payment-confirmed');
    return order;
  }

  /** Control: the operator refuses an order whose acceptance deadline passed. */
  expireAcceptance(shop: SimShop, orderId: string): SimOrder {
    const order = this.order(shop, orderId);
    if (order.state !== 'WAITING_ACCEPTANCE') throw this.wrongState(order, 'WAITING_ACCEPTANCE');
    order.state = 'REFUSED';
    order.acceptanceDecisionDate = null;
    this.setLines(order, () => true, 'REFUSED');
    this.touch(order, 'auto-refused');
    return order;
  }

  /** OR23. */
  setTracking(
    shop: SimShop,
    orderId: string,
    body: Record<string, unknown>,
    carriers: { code: string; standard_code?: string; tracking_url?: string; label: string }[],
  ): void {
    const order = this.order(shop, orderId);
    if (order.state !== 'SHIPPING') throw this.wrongState(order, 'SHIPPING');
    const str = (k: string): string | undefined =>
      typeof body[k] === 'string' && body[k] !== '' ? body[k] : undefined;
    const code = str('carrier_code');
    const trackingNumber = str('tracking_number');
    if (code) {
      const carrier = carriers.find((c) => c.code === code);
      if (!carrier) throw new SimHttpError(400, `The carrier code ${code} is unknown`);
      order.tracking = {
        carrierCode: carrier.code,
        carrierStandardCode: carrier.standard_code,
        carrierName: carrier.label,
        trackingNumber,
        trackingUrl: trackingNumber
          ? carrier.tracking_url?.replace('{trackingId}', trackingNumber)
          : undefined,
      };
    } else {
      const name = str('carrier_name');
      if (!name)
        throw new SimHttpError(400, 'carrier_name is required when carrier_code is not given');
      order.tracking = {
        carrierName: name,
        carrierStandardCode: str('carrier_standard_code'),
        trackingNumber,
        trackingUrl: str('carrier_url'),
      };
    }
    this.touch(order, 'tracking', order.tracking);
  }

  /** OR24. */
  ship(shop: SimShop, orderId: string): void {
    const order = this.order(shop, orderId);
    if (order.state !== 'SHIPPING') throw this.wrongState(order, 'SHIPPING');
    if (shop.trackingRequiredToShip && !order.tracking?.trackingNumber) {
      throw new SimHttpError(400, 'Tracking details are mandatory for this shipping method');
    }
    order.state = 'SHIPPED';
    const now = this.now();
    if (order.paymentWorkflow === 'PAY_ON_SHIPMENT') this.debit(order);
    for (const line of order.lines) if (line.state === 'SHIPPING') line.shippedAt = now;
    this.setLines(order, (s) => s === 'SHIPPING', 'SHIPPED');
    this.touch(order, 'shipped');
  }

  /** The customer is debited (the payment confirmation, OR24, or the operator for the later workflows). */
  private debit(order: SimOrder): void {
    if (order.customerDebitedAt) return;
    const now = this.now();
    order.customerDebitedAt = now;
    for (const line of order.lines)
      if (line.state !== 'REFUSED' && line.state !== 'CANCELED') line.debitedAt = now;
  }

  /** Control: the operator debits the customer (due date reached, delivery confirmed). */
  debitCustomer(shop: SimShop, orderId: string): SimOrder {
    const order = this.order(shop, orderId);
    this.debit(order);
    this.touch(order, 'customer-debited');
    return order;
  }

  /**
   * OR11 `can_cancel` (reference §5.7): an order the shop accepted and has not shipped; for
   * PAY_ON_DELIVERY, PAY_ON_DUE_DATE and PAY_ON_SHIPMENT only while the customer is not debited.
   */
  canCancel(order: SimOrder): boolean {
    if (order.state !== 'WAITING_DEBIT_PAYMENT' && order.state !== 'SHIPPING') return false;
    return !(PAY_LATER.has(order.paymentWorkflow) && order.customerDebitedAt);
  }

  /** OR29 (shop) or an operator/customer cancellation (control). */
  cancel(shop: SimShop, orderId: string, by: 'shop' | 'operator'): SimOrder {
    const order = this.order(shop, orderId);
    if (by === 'shop' && !this.canCancel(order)) {
      if (order.state === 'WAITING_DEBIT_PAYMENT' || order.state === 'SHIPPING') {
        throw new SimHttpError(
          400,
          `Order ${orderId} cannot be canceled: the customer was already debited (payment workflow ${order.paymentWorkflow})`,
        );
      }
      throw new SimHttpError(
        400,
        `Order ${orderId} cannot be canceled. Current status is ${order.state}`,
        { code: 'ORDER_INVALID_STATE' },
      );
    }
    if (order.state === 'CANCELED' || order.state === 'SHIPPED' || order.state === 'REFUSED') {
      throw this.wrongState(order, 'a cancelable state');
    }
    order.state = 'CANCELED';
    order.paymentDueAt = undefined;
    const now = this.now();
    for (const line of order.lines) {
      if (line.state !== 'REFUSED') {
        line.state = 'CANCELED';
        line.canceledAt = now;
        line.lastUpdated = now;
      }
    }
    this.touch(order, by === 'shop' ? 'canceled-by-shop' : 'canceled-by-operator');
    return order;
  }

  /** Control: the customer opens an incident on a line. */
  openIncident(
    shop: SimShop,
    orderId: string,
    lineId: string | undefined,
    reasonCode: string,
    reasonLabel: string,
  ): SimOrder {
    const order = this.order(shop, orderId);
    const line = lineId ? order.lines.find((l) => l.lineId === lineId) : order.lines[0];
    if (!line)
      throw new SimHttpError(404, `Order line ${lineId ?? '(first)'} not found`, {
        code: 'ORDER_LINE_NOT_FOUND',
      });
    if (line.state === 'INCIDENT_OPEN')
      throw new SimHttpError(400, `Order line ${line.lineId} already has an open incident`);
    line.stateBeforeIncident = line.state;
    line.state = 'INCIDENT_OPEN';
    line.reasonCode = reasonCode;
    line.reasonLabel = reasonLabel;
    line.lastUpdated = this.now();
    this.touch(order, 'incident-opened', { lineId: line.lineId, reasonCode });
    return order;
  }

  /** OR64 or control: the incident is closed; the line gets its frozen state back. */
  closeIncident(shop: SimShop, orderId: string, lineId: string, reasonCode?: string): SimOrder {
    const order = this.order(shop, orderId);
    const line = order.lines.find((l) => l.lineId === lineId);
    if (!line)
      throw new SimHttpError(404, `Order line ${lineId} not found`, {
        code: 'ORDER_LINE_NOT_FOUND',
      });
    if (line.state !== 'INCIDENT_OPEN')
      throw new SimHttpError(400, `Order line ${lineId} has no open incident`);
    line.state = line.stateBeforeIncident ?? order.state;
    line.stateBeforeIncident = undefined;
    line.reasonCode = undefined;
    line.reasonLabel = undefined;
    line.lastUpdated = this.now();
    this.touch(order, 'incident-closed', { lineId, reasonCode });
    return order;
  }

  hasIncident(order: SimOrder): boolean {
    return order.lines.some((l) => l.state === 'INCIDENT_OPEN');
  }

  // ---- imports ------------------------------------------------------------------------------

  createImport(
    shop: SimShop,
    kind: 'stock' | 'offer',
    mode: SimImport['mode'],
    csv: string,
  ): SimImport {
    const [header = [], ...rows] = parseCsv(csv);
    const id = String(this.nextImportId++);
    const imp: SimImport = {
      kind,
      id: kind === 'stock' ? `sto-${id}` : id,
      mode,
      createdAt: this.now(),
      header: header.map((h) => h.trim().toLowerCase()),
      rows,
      status: 'WAITING',
      linesRead: 0,
      linesInSuccess: 0,
      linesInError: 0,
      inserted: 0,
      updated: 0,
      deleted: 0,
      errors: [],
      applied: false,
    };
    shop.imports.set(imp.id, imp);
    return imp;
  }

  /** Moves time-driven state forward: imports run, payments confirm. Called before every request. */
  advance(shop: SimShop): void {
    const now = this.now().getTime();
    const imports = [...shop.imports.values()].sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
    );
    for (const imp of imports) {
      if (imp.applied) continue;
      const age = now - imp.createdAt.getTime();
      if (age >= this.options.importDelayMs && !shop.importsHeld)
        applyImport(shop, imp, () => this.now());
      else if (age >= this.options.importDelayMs / 2) imp.status = 'RUNNING';
    }
    for (const order of shop.orders.values()) {
      if (
        order.paymentDueAt &&
        order.paymentDueAt.getTime() <= now &&
        order.state === 'WAITING_DEBIT_PAYMENT'
      ) {
        this.confirmPayment(shop, order.orderId);
      }
    }
    for (const exp of shop.exports.values()) {
      if (
        exp.status === 'PENDING' &&
        !shop.exportsHeld &&
        now - exp.createdAt.getTime() >= this.options.exportDelayMs
      ) {
        this.completeExport(shop, exp);
      }
    }
  }

  // ---- exports ------------------------------------------------------------------------------

  createExport(
    shop: SimShop,
    body: { lastRequestDate?: Date; includeInactive: boolean; itemsPerChunk: number },
  ): SimExport {
    // OF52: "If Mirakl detects a duplicate export request, the API will return the tracking_id
    // of the existing export": the same parameters while that export is still being prepared.
    const same = [...shop.exports.values()].find(
      (e) =>
        e.status === 'PENDING' &&
        e.lastRequestDate?.getTime() === body.lastRequestDate?.getTime() &&
        e.includeInactive === body.includeInactive &&
        e.itemsPerChunk === body.itemsPerChunk,
    );
    if (same) return same;
    const exp: SimExport = {
      trackingId: `exp-${this.nextExportId++}`,
      createdAt: this.now(),
      lastRequestDate: body.lastRequestDate,
      includeInactive: body.includeInactive,
      itemsPerChunk: body.itemsPerChunk,
      status: 'PENDING',
    };
    shop.exports.set(exp.trackingId, exp);
    return exp;
  }

  private completeExport(shop: SimShop, exp: SimExport): void {
    const since = exp.lastRequestDate?.getTime();
    const offers = [...shop.offers.values()].filter((o) =>
      since === undefined
        ? !o.deleted && (o.active || exp.includeInactive)
        : o.lastUpdated.getTime() >= since,
    );
    offers.sort((a, b) => a.offerId - b.offerId);
    const chunks: unknown[][] = [];
    for (let i = 0; i < offers.length; i += exp.itemsPerChunk) {
      chunks.push(offers.slice(i, i + exp.itemsPerChunk).map((o) => renderExportItem(shop, o)));
    }
    exp.chunks = chunks;
    exp.status = 'COMPLETED';
  }
}

/** Workflows where the shop may cancel only an order whose customer is not debited yet (OR29). */
const PAY_LATER: ReadonlySet<PaymentWorkflow> = new Set([
  'PAY_ON_DELIVERY',
  'PAY_ON_DUE_DATE',
  'PAY_ON_SHIPMENT',
]);

/** States an order only reaches after the payment confirmation, so its addresses were shown. */
const PAID_STATES: ReadonlySet<OrderState> = new Set([
  'SHIPPING',
  'SHIPPED',
  'TO_COLLECT',
  'RECEIVED',
  'CLOSED',
]);
