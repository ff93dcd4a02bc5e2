import {
  SimHttpError,
  type FaultBook,
  type MinIntervalLimiter,
  type RequestJournal,
} from '@msync/sim-kit';
import type { Exchange, Fault, FaultInput } from './faults.js';
import type { SimShop } from './model.js';
import { DOCUMENTED_CALL_FREQUENCY, type CallFrequency, type Operation } from './operations.js';
import { renderOrder } from './render.js';
import type { OfferSeed, OrderSeed, ShopSeed, SimWorld } from './world.js';

/** What the product did to a shop, as the control API reports it. */
export interface ShopSnapshot {
  shopId: number;
  name: string;
  offers: {
    sku: string;
    offerId: number;
    quantity: number;
    /** Per-warehouse quantities; empty when the stock is global. */
    warehouses: Record<string, number>;
    price: number;
    active: boolean;
    deleted: boolean;
  }[];
  orders: {
    orderId: string;
    state: string;
    lines: { lineId: string; sku: string; quantity: number; state: string }[];
    acceptedLines: string[];
    refusedLines: string[];
    tracking?: {
      carrierCode?: string;
      carrierName?: string;
      trackingNumber?: string;
      trackingUrl?: string;
    };
    shipped: boolean;
    canceled: boolean;
    hasIncident: boolean;
    history: { at: string; action: string }[];
  }[];
  stockHistory: {
    at: string;
    sku: string;
    from: number;
    to: number;
    importId: string;
    via: string;
    warehouse?: string;
  }[];
  imports: {
    importId: string;
    kind: string;
    mode: string;
    status: string;
    lines: number;
    linesInError: number;
    createdAt: string;
  }[];
}

/** Test and demo hooks: seed data, drive the operator side, switch faults, read back effects. */
export class Control {
  constructor(
    private readonly world: SimWorld,
    private readonly faultBook: FaultBook<Operation>,
    private readonly journal: RequestJournal<Operation>,
    private readonly callLimiter: MinIntervalLimiter<Operation>,
  ) {}

  addShop(seed: ShopSeed): { shopId: number; apiKey: string } {
    const shop = this.world.addShop(seed);
    return { shopId: shop.shopId, apiKey: shop.apiKey };
  }

  upsertOffers(shopId: number, offers: OfferSeed[]): void {
    const shop = this.world.shop(shopId);
    for (const o of offers) this.world.upsertOffer(shop, o);
  }

  /** Deletes an offer (as the seller would in the back office); exports report it as deleted. */
  deleteOffer(shopId: number, sku: string): void {
    const shop = this.world.shop(shopId);
    const offer = shop.offers.get(sku);
    if (!offer) throw new SimHttpError(404, `Offer ${sku} not found`);
    offer.deleted = true;
    offer.active = false;
    offer.lastUpdated = this.world.now();
  }

  /** Creates an order (default state WAITING_ACCEPTANCE) and returns it as OR11 would, addresses shown. */
  createOrder(shopId: number, seed: OrderSeed): Record<string, unknown> {
    const shop = this.world.shop(shopId);
    const order = this.world.createOrder(shop, seed);
    return renderOrder(shop, order, this.world.canCancel(order));
  }

  confirmPayment(shopId: number, orderId: string): void {
    this.world.confirmPayment(this.world.shop(shopId), orderId);
  }

  expireAcceptance(shopId: number, orderId: string): void {
    this.world.expireAcceptance(this.world.shop(shopId), orderId);
  }

  cancelByOperator(shopId: number, orderId: string): void {
    this.world.cancel(this.world.shop(shopId), orderId, 'operator');
  }

  /** The operator debits the customer (PAY_ON_DUE_DATE, PAY_ON_DELIVERY): the shop can no longer cancel. */
  debitCustomer(shopId: number, orderId: string): void {
    this.world.debitCustomer(this.world.shop(shopId), orderId);
  }

  openIncident(
    shopId: number,
    orderId: string,
    options: { lineId?: string; reasonCode?: string; reasonLabel?: string } = {},
  ): void {
    this.world.openIncident(
      this.world.shop(shopId),
      orderId,
      options.lineId,
      options.reasonCode ?? 'DAMAGED',
      options.reasonLabel ?? 'Item arrived damaged',
    );
  }

  closeIncident(shopId: number, orderId: string, lineId: string): void {
    this.world.closeIncident(this.world.shop(shopId), orderId, lineId);
  }

  /**
   * Switches Mirakl's call-frequency limits on (`'documented'` = the documented maxima, or
   * intervals in ms per operation): a shop calling an operation sooner gets 429 + `Retry-After`.
   */
  setCallFrequency(frequency: CallFrequency | 'documented'): void {
    this.callLimiter.setIntervals(
      frequency === 'documented' ? DOCUMENTED_CALL_FREQUENCY : frequency,
    );
  }

  /** The enforced intervals (ms per operation); empty when the limits are off. */
  callFrequency(): CallFrequency {
    return this.callLimiter.currentIntervals();
  }

  clearCallFrequency(): void {
    this.callLimiter.setIntervals({});
  }

  /** Lets the user holding `apiKey` (another shop's key) reach this shop through `shop_id`. */
  grantShopAccess(shopId: number, apiKey: string): void {
    this.world.grantAccess(shopId, apiKey);
  }

  setStockImportsEnabled(shopId: number, enabled: boolean): void {
    this.world.shop(shopId).stockImportsEnabled = enabled;
  }

  /**
   * Holds the shop's imports (OF01, STO01) RUNNING, not applied, until `held` is false again;
   * then each runs once its delay has passed, oldest first.
   */
  holdImports(shopId: number, held: boolean): void {
    const shop = this.world.shop(shopId);
    this.world.advance(shop);
    shop.importsHeld = held;
  }

  /**
   * Holds the shop's offer exports (OF52) PENDING until `held` is false again; then each
   * completes once its delay has passed.
   */
  holdExports(shopId: number, held: boolean): void {
    const shop = this.world.shop(shopId);
    this.world.advance(shop);
    shop.exportsHeld = held;
  }

  addFault(input: FaultInput): Fault {
    return this.faultBook.add(input);
  }

  clearFaults(): void {
    this.faultBook.clear();
  }

  faults(): readonly Fault[] {
    return this.faultBook.list();
  }

  /** Every seller-API request answered so far, in order (the live list). */
  exchanges(): readonly Exchange[] {
    return this.journal.entries();
  }

  clearExchanges(): void {
    this.journal.clear();
  }

  /** Calls `listener` after each journaled exchange (long runs count calls without keeping them). */
  onExchange(listener: (exchange: Exchange) => void): void {
    this.journal.onRecord(listener);
  }

  snapshot(shopId: number): ShopSnapshot {
    const shop: SimShop = this.world.shop(shopId);
    this.world.advance(shop);
    return {
      shopId: shop.shopId,
      name: shop.name,
      offers: [...shop.offers.values()].map((o) => ({
        sku: o.shopSku,
        offerId: o.offerId,
        quantity: o.quantity,
        warehouses: Object.fromEntries(o.warehouses),
        price: o.price,
        active: o.active,
        deleted: o.deleted,
      })),
      orders: [...shop.orders.values()].map((o) => {
        const accepted = o.history
          .filter((h) => h.action === 'accepted')
          .flatMap((h) => h.detail as { id: string; accepted: boolean }[]);
        return {
          orderId: o.orderId,
          state: o.state,
          lines: o.lines.map((l) => ({
            lineId: l.lineId,
            sku: l.offerSku,
            quantity: l.quantity,
            state: l.state,
          })),
          acceptedLines: accepted.filter((d) => d.accepted).map((d) => d.id),
          refusedLines: accepted.filter((d) => !d.accepted).map((d) => d.id),
          tracking: o.tracking && {
            carrierCode: o.tracking.carrierCode,
            carrierName: o.tracking.carrierName,
            trackingNumber: o.tracking.trackingNumber,
            trackingUrl: o.tracking.trackingUrl,
          },
          shipped: o.history.some((h) => h.action === 'shipped'),
          canceled: o.state === 'CANCELED',
          hasIncident: this.world.hasIncident(o),
          history: o.history.map((h) => ({ at: h.at.toISOString(), action: h.action })),
        };
      }),
      stockHistory: shop.stockHistory.map((s) => ({ ...s, at: s.at.toISOString() })),
      imports: [...shop.imports.values()].map((i) => ({
        importId: i.id,
        kind: i.kind,
        mode: i.mode,
        status: i.status,
        lines: i.rows.length,
        linesInError: i.linesInError,
        createdAt: i.createdAt.toISOString(),
      })),
    };
  }

  /** Drops shops, faults, the journal and past calls (the call-frequency switch stays). */
  reset(): void {
    this.world.clear();
    this.faultBook.clear();
    this.journal.clear();
    this.callLimiter.reset();
  }
}
