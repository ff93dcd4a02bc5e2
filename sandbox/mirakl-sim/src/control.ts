import type { Fault, FaultBook, FaultInput } from './faults.js';
import type { SimShop } from './model.js';
import { renderOrder } from './render.js';
import type { Exchange } from './server.js';
import { ApiError, type OfferSeed, type OrderSeed, type ShopSeed, type World } from './world.js';

/** What the product did to a shop, as the control API reports it. */
export interface ShopSnapshot {
  shopId: number;
  name: string;
  offers: {
    sku: string;
    offerId: number;
    quantity: number;
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

interface HttpReply {
  status: number;
  json?: unknown;
}

/** Test and demo hooks: seed data, drive the operator side, switch faults, read back effects. */
export class Control {
  constructor(
    private readonly world: World,
    private readonly faultBook: FaultBook,
    private readonly journal: Exchange[],
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
    if (!offer) throw new ApiError(404, `Offer ${sku} not found`);
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

  setStockImportsEnabled(shopId: number, enabled: boolean): void {
    this.world.shop(shopId).stockImportsEnabled = enabled;
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

  /** Every seller-API request answered so far, in order. */
  exchanges(): readonly Exchange[] {
    return this.journal;
  }

  clearExchanges(): void {
    this.journal.length = 0;
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

  reset(): void {
    this.world.shops.clear();
    this.faultBook.clear();
    this.journal.length = 0;
  }

  /** The same hooks over HTTP, under `/_control`. */
  async handleHttp(method: string, url: URL, body: unknown): Promise<HttpReply> {
    try {
      return await Promise.resolve(
        this.route(method, url.pathname.replace(/^\/_control/, ''), body),
      );
    } catch (error) {
      if (error instanceof ApiError)
        return { status: error.status, json: { status: error.status, message: error.message } };
      throw error;
    }
  }

  private route(method: string, path: string, body: unknown): HttpReply {
    const b = (body ?? {}) as Record<string, unknown>;
    const ok = (json?: unknown): HttpReply => ({ status: json === undefined ? 204 : 200, json });
    const m = (re: RegExp): string[] | undefined => re.exec(path)?.slice(1).map(decodeURIComponent);
    let p: string[] | undefined;
    if (method === 'GET' && path === '/health') return ok({ status: 'ok' });
    if (method === 'POST' && path === '/reset') return (this.reset(), ok());
    if (method === 'POST' && path === '/shops') return ok(this.addShop(b as unknown as ShopSeed));
    if (method === 'GET' && (p = m(/^\/shops\/(\d+)$/))) return ok(this.snapshot(Number(p[0])));
    if (method === 'POST' && (p = m(/^\/shops\/(\d+)\/offers$/))) {
      return (
        this.upsertOffers(Number(p[0]), (Array.isArray(body) ? body : b['offers']) as OfferSeed[]),
        ok()
      );
    }
    if (method === 'DELETE' && (p = m(/^\/shops\/(\d+)\/offers\/([^/]+)$/))) {
      return (this.deleteOffer(Number(p[0]), p[1] ?? ''), ok());
    }
    if (method === 'POST' && (p = m(/^\/shops\/(\d+)\/stock-imports-enabled$/))) {
      return (this.setStockImportsEnabled(Number(p[0]), b['enabled'] === true), ok());
    }
    if (method === 'POST' && (p = m(/^\/shops\/(\d+)\/orders$/)))
      return ok(this.createOrder(Number(p[0]), b as unknown as OrderSeed));
    if (method === 'POST' && (p = m(/^\/shops\/(\d+)\/orders\/([^/]+)\/confirm-payment$/))) {
      return (this.confirmPayment(Number(p[0]), p[1] ?? ''), ok());
    }
    if (method === 'POST' && (p = m(/^\/shops\/(\d+)\/orders\/([^/]+)\/expire-acceptance$/))) {
      return (this.expireAcceptance(Number(p[0]), p[1] ?? ''), ok());
    }
    if (method === 'POST' && (p = m(/^\/shops\/(\d+)\/orders\/([^/]+)\/cancel$/))) {
      return (this.cancelByOperator(Number(p[0]), p[1] ?? ''), ok());
    }
    if (method === 'POST' && (p = m(/^\/shops\/(\d+)\/orders\/([^/]+)\/incidents$/))) {
      return (this.openIncident(Number(p[0]), p[1] ?? '', b), ok());
    }
    if (
      method === 'POST' &&
      (p = m(/^\/shops\/(\d+)\/orders\/([^/]+)\/lines\/([^/]+)\/close-incident$/))
    ) {
      return (this.closeIncident(Number(p[0]), p[1] ?? '', p[2] ?? ''), ok());
    }
    if (method === 'GET' && path === '/faults') return ok(this.faults());
    if (method === 'POST' && path === '/faults')
      return ok(this.addFault(b as unknown as FaultInput));
    if (method === 'DELETE' && path === '/faults') return (this.clearFaults(), ok());
    if (method === 'GET' && path === '/exchanges') return ok(this.exchanges());
    if (method === 'DELETE' && path === '/exchanges') return (this.clearExchanges(), ok());
    return { status: 404, json: { status: 404, message: `No control route ${method} ${path}` } };
  }
}
