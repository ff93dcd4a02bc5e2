import { nextAutopilotStep, carrierTracking, type AutopilotSettings } from './autopilot.js';
import { problem, vendorError } from './errors.js';
import { WorldEvents, type WorldEvent } from './events.js';
import type {
  Channel,
  FulfillmentCenter,
  InventoryItem,
  Merchant,
  Order,
  OrderLine,
  OrderStatus,
  Product,
  Recipient,
  Shipment,
  ShippingMethod,
  StatusDetail,
  TrackingEvent,
  Variant,
} from './model.js';
import { Returns } from './returns.js';
import { WebhookSubscriptions } from './webhook-subscriptions.js';

export type { WorldEvent } from './events.js';
export type { CreateReturnInput } from './returns.js';

const DEFAULT_SHIPPING_METHODS = [
  { name: 'Standard', serviceLevel: { id: 1, name: 'Standard' }, isDefault: true },
  { name: 'Expedited', serviceLevel: { id: 2, name: 'Expedited' }, isDefault: false },
  { name: '2-Day', serviceLevel: { id: 3, name: '2-Day' }, isDefault: false },
  { name: 'Overnight', serviceLevel: { id: 4, name: 'Overnight' }, isDefault: false },
];

export const WRITE_SCOPES = [
  'channels_read',
  'inventory_read',
  'inventory_write',
  'orders_read',
  'orders_write',
  'products_read',
  'products_write',
  'receiving_read',
  'receiving_write',
  'returns_read',
  'returns_write',
  'webhooks_read',
  'webhooks_write',
  'locations_read',
  'tracking_read',
];

const DEFAULT_CENTERS: FulfillmentCenter[] = [
  {
    id: 1,
    name: 'Cicero (IL)',
    timezone: 'Central Standard Time',
    city: 'Cicero',
    state: 'IL',
    country: 'US',
  },
  {
    id: 2,
    name: 'Moreno Valley (CA)',
    timezone: 'Pacific Standard Time',
    city: 'Moreno Valley',
    state: 'CA',
    country: 'US',
  },
];

export interface SeedMerchantInput {
  name?: string;
  /** PATs that act as this merchant's single-merchant-application channel. */
  pats: string[];
  /** Adds a read-only channel (e.g. a Shopify store) to exercise channel discovery. */
  withOtherChannel?: boolean;
}

export interface SeedProductInput {
  sku: string;
  name?: string;
  isDigital?: boolean;
  isActive?: boolean;
  /** Units on hand per fulfillment center id. */
  stock?: Record<number, number>;
  /** Channel products of other channels carrying this SKU as seller SKU. */
  sellerSkus?: { channelId: number; sellerSku: string }[];
}

export interface CreateOrderInput {
  reference_id: string;
  order_number?: string | null;
  type?: string;
  shipping_method: string;
  recipient: Recipient;
  products: {
    id?: number;
    reference_id?: string;
    name?: string | null;
    quantity: number;
    unit_price?: number | null;
    sku?: string | null;
  }[];
  purchase_date?: string | null;
  location_id?: number | null;
  sales_channel?: string | null;
  tags?: { name: string; value: string }[] | null;
}

/** Where each kind of id starts (ShipBob's ids are plain increasing numbers). */
const FIRST_IDS = {
  merchant: 1,
  channel: 100,
  inventory: 5000,
  product: 7000,
  variant: 9000,
  order: 200000,
  shipment: 300000,
  return: 40000,
  shippingMethod: 600,
  webhook: 8000,
};

const LABELED: StatusDetail = { id: 102, name: 'Labeled', description: 'Label Generated' };
const OUT_OF_STOCK = (inventoryId: number): StatusDetail => ({
  id: 303,
  name: 'OutOfStock',
  description: 'Out of stock',
  inventoryId,
});

/** How often `POST /order` was answered for one reference id, over every channel. */
export interface OrderCreateCount {
  /** Orders created (201). */
  created: number;
  /** Attempts refused because the channel already had the reference id (422). */
  duplicates: number;
}

/** The simulator's state and the rules that change it, independent of HTTP. */
export class SimWorld {
  readonly merchants: Merchant[] = [];
  readonly centers: FulfillmentCenter[] = DEFAULT_CENTERS.map((c) => ({ ...c }));
  readonly inventory: InventoryItem[] = [];
  readonly products: Product[] = [];
  readonly orders: Order[] = [];
  readonly shippingMethods: ShippingMethod[] = [];
  /** Return orders and their rules (`returns.ts`). */
  readonly returns: Returns;
  /** Webhook subscriptions (`webhook-subscriptions.ts`); delivery listens to {@link onEvent}. */
  readonly webhooks: WebhookSubscriptions;
  /** Indexes of `inventory` and `products`: a catalog of a million SKUs is seeded and read. */
  private readonly itemsById = new Map<number, InventoryItem>();
  private readonly itemsBySku = new Map<string, InventoryItem>();
  private readonly itemsByMerchant = new Map<number, InventoryItem[]>();
  private readonly productsByMerchant = new Map<number, Product[]>();
  private readonly events = new WorldEvents();
  private readonly creates = new Map<string, OrderCreateCount>();
  private nextId = { ...FIRST_IDS };

  constructor(
    private readonly now: () => Date = () => new Date(),
    /** Read-after-write lag of `GET /order`. */
    readonly orderListLagMs = 0,
  ) {
    this.returns = new Returns({
      now,
      nextId: () => this.id('return'),
      emit: (event) => this.emit(event),
      centers: this.centers,
      inventory: this.inventory,
      orders: this.orders,
    });
    this.webhooks = new WebhookSubscriptions({ now, nextId: () => this.id('webhook') });
  }

  /** Forgets everything created (ids start over); listeners stay. */
  clear(): void {
    for (const list of [
      this.merchants,
      this.inventory,
      this.products,
      this.orders,
      this.shippingMethods,
    ])
      list.length = 0;
    for (const index of [
      this.itemsById,
      this.itemsBySku,
      this.itemsByMerchant,
      this.productsByMerchant,
    ])
      index.clear();
    this.centers.splice(0, this.centers.length, ...DEFAULT_CENTERS.map((c) => ({ ...c })));
    this.returns.clear();
    this.webhooks.clear();
    this.creates.clear();
    this.nextId = { ...FIRST_IDS };
  }

  private iso(): string {
    return this.now().toISOString();
  }

  private id(kind: keyof typeof FIRST_IDS): number {
    return this.nextId[kind]++;
  }

  /** Calls `listener` after every change a webhook topic reports. */
  onEvent(listener: (event: WorldEvent) => void): void {
    this.events.on(listener);
  }

  private emit(event: WorldEvent): void {
    this.events.emit(event);
  }

  seedMerchant(input: SeedMerchantInput): Merchant {
    const patChannel: Channel = {
      id: this.id('channel'),
      name: 'SMA',
      applicationName: 'SMA',
      scopes: WRITE_SCOPES,
    };
    const channels = [patChannel];
    if (input.withOtherChannel) {
      channels.unshift({
        id: this.id('channel'),
        name: 'Shopify Store',
        applicationName: 'Shopify',
        scopes: ['orders_read', 'products_read'],
      });
    }
    const merchant: Merchant = {
      id: this.id('merchant'),
      name: input.name ?? 'Merchant',
      patChannelId: patChannel.id,
      channels,
      pats: [...input.pats],
    };
    this.merchants.push(merchant);
    for (const method of DEFAULT_SHIPPING_METHODS)
      this.shippingMethods.push({
        id: this.id('shippingMethod'),
        merchantId: merchant.id,
        active: true,
        ...method,
      });
    return merchant;
  }

  /**
   * An order's `shipping_method` that matches no Ship Option Mapping entry creates one that
   * defaults to Standard (ShipBob's create-order docs).
   */
  private ensureShippingMethod(merchantId: number, name: string): void {
    const known = this.shippingMethods.some((m) => m.merchantId === merchantId && m.name === name);
    if (known) return;
    this.shippingMethods.push({
      id: this.id('shippingMethod'),
      merchantId,
      name,
      active: true,
      isDefault: false,
      serviceLevel: { id: 1, name: 'Standard' },
    });
  }

  merchantByPat(pat: string): Merchant | undefined {
    return this.merchants.find((m) => m.pats.includes(pat));
  }

  merchant(id: number): Merchant {
    const merchant = this.merchants.find((m) => m.id === id);
    if (!merchant) throw vendorError(404, { message: `unknown merchant ${id}` });
    return merchant;
  }

  /** Seeds a product with its inventory item and stock (as if created in ShipBob's UI). */
  seedProduct(merchantId: number, input: SeedProductInput): Product {
    const merchant = this.merchant(merchantId);
    const product = this.addProduct(merchant, input.sku, input.name ?? input.sku, []);
    const variant = product.variants[0]!;
    variant.isDigital = input.isDigital ?? false;
    variant.isActive = input.isActive ?? true;
    const item = this.inventoryItem(variant.inventoryId);
    item.isDigital = variant.isDigital;
    item.isActive = variant.isActive;
    for (const [center, qty] of Object.entries(input.stock ?? {}))
      this.setStock(item.id, Number(center), qty);
    for (const alias of input.sellerSkus ?? []) {
      const channel = merchant.channels.find((c) => c.id === alias.channelId);
      variant.channelMetadata.push({
        channelId: alias.channelId,
        channelName: channel?.name ?? 'Other',
        sellerSku: alias.sellerSku,
      });
    }
    return product;
  }

  private addProduct(
    merchant: Merchant,
    sku: string,
    name: string,
    metadata: Variant['channelMetadata'],
  ): Product {
    const existing = this.itemsBySku.get(`${merchant.id}\n${sku}`);
    const item =
      existing ??
      ({
        id: this.id('inventory'),
        merchantId: merchant.id,
        name,
        sku,
        isActive: true,
        isDigital: false,
        stock: new Map(),
        exception: 0,
      } satisfies InventoryItem);
    if (!existing) {
      this.inventory.push(item);
      this.itemsById.set(item.id, item);
      this.itemsBySku.set(`${merchant.id}\n${sku}`, item);
      const items = this.itemsByMerchant.get(merchant.id) ?? [];
      items.push(item);
      this.itemsByMerchant.set(merchant.id, items);
    }
    const at = this.iso();
    const product: Product = {
      id: this.id('product'),
      merchantId: merchant.id,
      name,
      createdOn: at,
      updatedOn: at,
      variants: [
        {
          id: this.id('variant'),
          sku,
          name,
          isActive: true,
          isDigital: false,
          inventoryId: item.id,
          channelMetadata: metadata,
        },
      ],
    };
    this.products.push(product);
    const own = this.productsByMerchant.get(merchant.id) ?? [];
    own.push(product);
    this.productsByMerchant.set(merchant.id, own);
    return product;
  }

  /** A merchant's inventory items, oldest first. */
  inventoryOf(merchantId: number): readonly InventoryItem[] {
    return this.itemsByMerchant.get(merchantId) ?? [];
  }

  findInventoryItem(id: number): InventoryItem | undefined {
    return this.itemsById.get(id);
  }

  inventoryItem(id: number): InventoryItem {
    const item = this.itemsById.get(id);
    if (!item) throw vendorError(404, { message: `unknown inventory item ${id}` });
    return item;
  }

  /** Sets on-hand units of an item at a center, then retries allocation of waiting shipments. */
  setStock(inventoryId: number, centerId: number, onHand: number): void {
    const item = this.inventoryItem(inventoryId);
    if (!this.centers.some((c) => c.id === centerId))
      throw vendorError(400, { message: `unknown center ${centerId}` });
    const stock = item.stock.get(centerId) ?? { onHand: 0, committed: 0 };
    stock.onHand = Math.max(0, onHand);
    item.stock.set(centerId, stock);
    this.reallocateExceptions(item.merchantId);
  }

  /**
   * The seller renames a variant's SKU in ShipBob's app: its inventory item is listed under it. A
   * SKU another variant of the merchant holds is refused, as on creation.
   */
  renameSku(inventoryId: number, sku: string): void {
    const item = this.inventoryItem(inventoryId);
    if (typeof sku !== 'string' || sku.trim() === '')
      throw vendorError(400, problem(400, 'sku is required'));
    this.refuseTakenSku(item.merchantId, sku, inventoryId);
    for (const product of this.productsByMerchant.get(item.merchantId) ?? [])
      for (const variant of product.variants)
        if (variant.inventoryId === inventoryId) variant.sku = sku;
    item.sku = sku;
  }

  /** ShipBob's 422 for a variant SKU the merchant already holds (on another item than `except`). */
  private refuseTakenSku(merchantId: number, sku: string, except?: number): void {
    const taken = (this.productsByMerchant.get(merchantId) ?? []).some((p) =>
      p.variants.some((v) => v.sku === sku && v.inventoryId !== except),
    );
    if (taken) throw vendorError(422, problem(422, `Variant sku ${sku} already exists`));
  }

  /** `POST /product` (dated versions): one product, variant SKUs unique per merchant. */
  createProduct(
    merchant: Merchant,
    body: {
      name?: string;
      variants?:
        | {
            sku?: string;
            name?: string;
            channel_metadata?: { channel_id?: number | null; seller_sku?: string | null }[] | null;
          }[]
        | null;
    },
  ): Product {
    const variants = body.variants ?? [];
    const first = variants[0];
    if (!body.name || !first?.sku)
      throw vendorError(400, problem(400, 'name and one variant with a sku are required'));
    const sku = first.sku;
    this.refuseTakenSku(merchant.id, sku);
    const metadata = (first.channel_metadata ?? []).map((m) => {
      const channel =
        merchant.channels.find((c) => c.id === m.channel_id) ??
        merchant.channels.find((c) => c.id === merchant.patChannelId)!;
      return { channelId: channel.id, channelName: channel.name, sellerSku: m.seller_sku ?? sku };
    });
    return this.addProduct(merchant, sku, first.name ?? body.name, metadata);
  }

  /** Products of a merchant whose variant SKU, or a channel's seller SKU, is one of `skus`. */
  findProducts(merchantId: number, filter: { skus?: string[]; sellerSkus?: string[] }): Product[] {
    return (this.productsByMerchant.get(merchantId) ?? []).filter((p) => {
      if (filter.skus && !p.variants.some((v) => filter.skus!.includes(v.sku))) return false;
      if (
        filter.sellerSkus &&
        !p.variants.some((v) =>
          v.channelMetadata.some((m) => filter.sellerSkus!.includes(m.sellerSku)),
        )
      )
        return false;
      return true;
    });
  }

  /**
   * Orders created and duplicate attempts per reference id, counted by the world (not the
   * journal, which drops its oldest entries): what an exactly-once check reads.
   */
  orderCreates(referenceId: string): OrderCreateCount {
    return { ...(this.creates.get(referenceId) ?? { created: 0, duplicates: 0 }) };
  }

  /** Every reference id `POST /order` was answered for, with its counts. */
  allOrderCreates(): Map<string, OrderCreateCount> {
    return new Map([...this.creates].map(([id, count]) => [id, { ...count }]));
  }

  private countCreate(referenceId: string, kind: keyof OrderCreateCount): void {
    const count = this.creates.get(referenceId) ?? { created: 0, duplicates: 0 };
    count[kind]++;
    this.creates.set(referenceId, count);
  }

  /** `POST /order`: reference ids are unique per channel; allocation happens at once. */
  createOrder(merchant: Merchant, channelId: number, body: CreateOrderInput): Order {
    const existing = this.orders.find(
      (o) => o.channelId === channelId && o.referenceId === body.reference_id,
    );
    if (existing) {
      this.countCreate(body.reference_id, 'duplicates');
      throw vendorError(422, { '': ['Cannot insert order with existing ReferenceId'] });
    }
    const lines: OrderLine[] = body.products.map((line) =>
      this.resolveLine(merchant, channelId, line),
    );
    this.ensureShippingMethod(merchant.id, body.shipping_method);
    const at = this.iso();
    const order: Order = {
      id: this.id('order'),
      merchantId: merchant.id,
      channelId,
      referenceId: body.reference_id,
      orderNumber: body.order_number ?? body.reference_id,
      type: body.type ?? 'DTC',
      shippingMethod: body.shipping_method,
      recipient: body.recipient,
      lines,
      createdDate: at,
      purchaseDate: body.purchase_date ?? null,
      updatedAt: at,
      visibleFrom: this.now().getTime() + this.orderListLagMs,
      shipments: [],
      salesChannel: body.sales_channel ?? null,
      tags: body.tags ?? [],
    };
    const shipment: Shipment = {
      id: this.id('shipment'),
      orderId: order.id,
      status: 'Processing',
      statusDetails: [],
      locationId: null,
      tracking: null,
      createdDate: at,
      lastUpdateAt: at,
      lastTrackingUpdateAt: null,
      isTrackingUploaded: false,
      actualFulfillmentDate: null,
      deliveryDate: null,
      trackingHistory: [],
    };
    order.shipments.push(shipment);
    this.orders.push(order);
    this.countCreate(order.referenceId, 'created');
    this.allocate(order, shipment, body.location_id ?? null);
    if (shipment.status === 'Exception')
      this.emit({ topic: 'order.shipment.exception', merchantId: merchant.id, order, shipment });
    return order;
  }

  private resolveLine(
    merchant: Merchant,
    channelId: number,
    line: CreateOrderInput['products'][number],
  ): OrderLine {
    if (line.quantity < 1) throw vendorError(422, { Quantity: ['Quantity must be at least 1'] });
    let product: Product | undefined;
    let variant: Variant | undefined;
    if (line.id !== undefined) {
      product = this.products.find((p) => p.merchantId === merchant.id && p.id === line.id);
      variant = product?.variants[0];
    } else if (line.reference_id) {
      const ref = line.reference_id;
      for (const p of this.products.filter((x) => x.merchantId === merchant.id)) {
        const v = p.variants.find(
          (x) =>
            x.sku === ref ||
            x.channelMetadata.some((m) => m.channelId === channelId && m.sellerSku === ref),
        );
        if (v) {
          product = p;
          variant = v;
          break;
        }
      }
      if (!product && line.name) {
        const channel = merchant.channels.find((c) => c.id === channelId)!;
        product = this.addProduct(merchant, ref, line.name, [
          { channelId, channelName: channel.name, sellerSku: ref },
        ]);
        variant = product.variants[0];
      }
    }
    if (!product || !variant) {
      throw vendorError(422, {
        Products: [
          `Product ${line.reference_id ?? line.id} not found; provide a name to create it`,
        ],
      });
    }
    return {
      productId: product.id,
      referenceId: line.reference_id ?? variant.sku,
      sku: variant.sku,
      quantity: line.quantity,
      unitPrice: line.unit_price ?? null,
      inventoryId: variant.inventoryId,
      name: variant.name,
    };
  }

  /** Commits stock at one center able to serve every line, or puts the shipment in exception. */
  private allocate(order: Order, shipment: Shipment, forcedCenter: number | null): void {
    const candidates = forcedCenter === null ? this.centers.map((c) => c.id) : [forcedCenter];
    const center = candidates.find((centerId) =>
      order.lines.every((line) => {
        const stock = this.inventoryItem(line.inventoryId).stock.get(centerId);
        return stock !== undefined && stock.onHand - stock.committed >= line.quantity;
      }),
    );
    if (center === undefined) {
      shipment.status = 'Exception';
      shipment.statusDetails = order.lines.map((l) => OUT_OF_STOCK(l.inventoryId));
      for (const line of order.lines)
        this.inventoryItem(line.inventoryId).exception += line.quantity;
      return;
    }
    for (const line of order.lines)
      this.inventoryItem(line.inventoryId).stock.get(center)!.committed += line.quantity;
    shipment.locationId = center;
    shipment.status = 'Processing';
    shipment.statusDetails = [];
  }

  private reallocateExceptions(merchantId: number): void {
    for (const order of this.orders.filter((o) => o.merchantId === merchantId)) {
      for (const shipment of order.shipments.filter((s) => s.status === 'Exception')) {
        for (const line of order.lines)
          this.inventoryItem(line.inventoryId).exception -= line.quantity;
        this.allocate(order, shipment, null);
        if (shipment.status !== 'Exception') this.touch(order, shipment);
        else shipment.statusDetails = order.lines.map((l) => OUT_OF_STOCK(l.inventoryId));
      }
    }
  }

  private touch(order: Order, shipment?: Shipment): void {
    const at = this.iso();
    order.updatedAt = at;
    if (shipment) shipment.lastUpdateAt = at;
  }

  order(id: number): Order {
    const order = this.orders.find((o) => o.id === id);
    if (!order) throw vendorError(404);
    return order;
  }

  shipment(id: number): { order: Order; shipment: Shipment } {
    for (const order of this.orders) {
      const shipment = order.shipments.find((s) => s.id === id);
      if (shipment) return { order, shipment };
    }
    throw vendorError(404, { message: `unknown shipment ${id}` });
  }

  /** Warehouse prints a label: tracking is set; `LabeledCreated`, or `Processing` + detail `Labeled`. */
  labelShipment(
    shipmentId: number,
    input: {
      carrier?: string;
      trackingNumber?: string;
      trackingUrl?: string;
      as?: 'LabeledCreated' | 'Processing';
    } = {},
  ): Shipment {
    const { order, shipment } = this.shipment(shipmentId);
    if (shipment.status !== 'Processing' && shipment.status !== 'None') {
      throw vendorError(409, {
        message: `shipment ${shipmentId} is ${shipment.status}, cannot be labeled`,
      });
    }
    const generated = carrierTracking(input.carrier ?? 'UPS', shipment.id);
    const trackingNumber = input.trackingNumber ?? generated.trackingNumber;
    shipment.tracking = {
      carrier: generated.carrier,
      carrierService: 'Ground',
      trackingNumber,
      trackingUrl: input.trackingUrl ?? generated.urlFor(trackingNumber),
      shippingDate: null,
    };
    shipment.status = input.as ?? 'LabeledCreated';
    shipment.statusDetails = input.as === 'Processing' ? [LABELED] : [];
    shipment.lastTrackingUpdateAt = this.iso();
    this.track(shipment, 'PreTransit', 'Label created', 'Shipping label created');
    this.touch(order, shipment);
    // `order.shipped` fires once every shipment of the order has its label (reference §12.2).
    const live = order.shipments.filter((s) => s.status !== 'Cancelled');
    if (live.every((s) => s.tracking !== null))
      this.emit({ topic: 'order.shipped', merchantId: order.merchantId, order });
    return shipment;
  }

  private track(
    shipment: Shipment,
    status: TrackingEvent['status'],
    substatus: string,
    message: string,
  ): void {
    shipment.trackingHistory.push({ status, substatus, message, timestamp: this.iso() });
  }

  /** The shipment leaves the warehouse: stock leaves on-hand and committed. */
  shipShipment(shipmentId: number): Shipment {
    const { order, shipment } = this.shipment(shipmentId);
    if (!shipment.tracking) this.labelShipment(shipmentId);
    if (shipment.status === 'Completed' || shipment.status === 'Cancelled') {
      throw vendorError(409, { message: `shipment ${shipmentId} is ${shipment.status}` });
    }
    for (const line of order.lines) {
      const stock = this.inventoryItem(line.inventoryId).stock.get(shipment.locationId ?? -1);
      if (stock) {
        stock.onHand -= line.quantity;
        stock.committed -= line.quantity;
      }
    }
    const at = this.iso();
    shipment.status = 'Completed';
    shipment.statusDetails = [{ id: 201, name: 'InTransit', description: 'In Transit' }];
    shipment.actualFulfillmentDate = at;
    shipment.tracking!.shippingDate = at;
    this.track(shipment, 'InTransit', 'In Transit', 'Picked up by the carrier');
    this.touch(order, shipment);
    return shipment;
  }

  /** The carrier delivers a shipped shipment: `Completed` with detail `Delivered`. */
  deliverShipment(shipmentId: number): Shipment {
    const { order, shipment } = this.shipment(shipmentId);
    if (shipment.status !== 'Completed' || shipment.deliveryDate !== null)
      throw vendorError(409, {
        message: `shipment ${shipmentId} is ${shipment.status}; only a shipped shipment can be delivered`,
      });
    shipment.statusDetails = [{ id: 203, name: 'Delivered', description: 'Delivered' }];
    shipment.deliveryDate = this.iso();
    this.track(shipment, 'Delivered', 'Delivered', 'Delivered');
    this.touch(order, shipment);
    this.emit({ topic: 'order.shipment.delivered', merchantId: order.merchantId, order, shipment });
    return shipment;
  }

  /** `shipment:batchUpdateTrackingUpload`: unknown or foreign shipments fail one by one. */
  setTrackingUploaded(
    merchantId: number,
    shipmentIds: number[],
    uploaded: boolean,
  ): { shipmentId: number; isSuccess: boolean; error: string | null }[] {
    return shipmentIds.map((shipmentId) => {
      const order = this.orders.find(
        (o) => o.merchantId === merchantId && o.shipments.some((s) => s.id === shipmentId),
      );
      const shipment = order?.shipments.find((s) => s.id === shipmentId);
      if (!shipment)
        return { shipmentId, isSuccess: false, error: `Shipment ${shipmentId} not found` };
      shipment.isTrackingUploaded = uploaded;
      return { shipmentId, isSuccess: true, error: null };
    });
  }

  /** Cancels one shipment regardless of its state (a merchant action in the dashboard). */
  cancelShipment(shipmentId: number): Shipment {
    const { order, shipment } = this.shipment(shipmentId);
    if (shipment.status === 'Completed')
      throw vendorError(409, { message: 'shipment already shipped' });
    this.release(order, shipment);
    shipment.status = 'Cancelled';
    shipment.statusDetails = [];
    this.touch(order, shipment);
    return shipment;
  }

  private release(order: Order, shipment: Shipment): void {
    for (const line of order.lines) {
      const item = this.inventoryItem(line.inventoryId);
      if (shipment.status === 'Exception') item.exception -= line.quantity;
      const stock = item.stock.get(shipment.locationId ?? -1);
      if (stock && shipment.status !== 'Cancelled') stock.committed -= line.quantity;
    }
  }

  /** `POST /order/{id}:cancel`: only shipments not yet labeled or shipped can be cancelled. */
  cancelOrderByApi(order: Order): {
    status: 'Success' | 'Failure' | 'PartialSuccess';
    results: { shipmentId: number; isSuccess: boolean; reason: string }[];
  } {
    const cancelled: Shipment[] = [];
    const results = order.shipments.map((shipment) => {
      const cancellable =
        shipment.status === 'None' ||
        shipment.status === 'Exception' ||
        shipment.status === 'OnHold' ||
        (shipment.status === 'Processing' && shipment.statusDetails.length === 0);
      if (shipment.status === 'Cancelled')
        return { shipmentId: shipment.id, isSuccess: true, reason: 'Order cancelled' };
      if (!cancellable)
        return {
          shipmentId: shipment.id,
          isSuccess: false,
          reason: `Shipment is ${shipment.status} and can no longer be cancelled`,
        };
      this.release(order, shipment);
      shipment.status = 'Cancelled';
      shipment.statusDetails = [];
      this.touch(order, shipment);
      cancelled.push(shipment);
      return { shipmentId: shipment.id, isSuccess: true, reason: 'Order cancelled' };
    });
    // Only API cancellations fire the webhook: ShipBob sends none for dashboard cancellations.
    for (const shipment of cancelled)
      this.emit({
        topic: 'order.shipment.cancelled',
        merchantId: order.merchantId,
        order,
        shipment,
      });
    const ok = results.filter((r) => r.isSuccess).length;
    const status = ok === results.length ? 'Success' : ok === 0 ? 'Failure' : 'PartialSuccess';
    return { status, results };
  }

  /** Moves every shipment whose next step is due (see {@link nextAutopilotStep}); returns how many moved. */
  advanceAutopilot(settings: AutopilotSettings): number {
    const now = this.now().getTime();
    let moved = 0;
    for (const order of this.orders) {
      for (const shipment of order.shipments) {
        const step = nextAutopilotStep(shipment, settings, now);
        if (step === 'label') this.labelShipment(shipment.id, { carrier: settings.carrier });
        else if (step === 'ship') this.shipShipment(shipment.id);
        else if (step === 'deliver') this.deliverShipment(shipment.id);
        if (step) moved += 1;
      }
    }
    if (settings.restock) moved += this.restock(settings.restock);
    return moved;
  }

  /**
   * A receiving at every center an item is stocked at whose fulfillable units fell below `below`:
   * back up to `upTo`, then orders waiting in exception are allocated again. Returns how many
   * centers received.
   */
  private restock({ below, upTo }: { below: number; upTo: number }): number {
    let received = 0;
    for (const item of this.itemsById.values()) {
      if (item.isDigital || !item.isActive) continue;
      for (const [centerId, stock] of item.stock) {
        const fulfillable = stock.onHand - stock.committed;
        if (fulfillable >= below) continue;
        this.setStock(item.id, centerId, stock.onHand + upTo - fulfillable);
        received += 1;
      }
    }
    return received;
  }
}

/** Order status derived from its shipments, as ShipBob reports it. */
export function orderStatus(order: Order): OrderStatus {
  const statuses = order.shipments.map((s) => s.status);
  if (statuses.every((s) => s === 'Cancelled')) return 'Cancelled';
  const live = statuses.filter((s) => s !== 'Cancelled');
  if (live.every((s) => s === 'Completed')) return 'Fulfilled';
  if (live.some((s) => s === 'Completed')) return 'PartiallyFulfilled';
  if (live.some((s) => s === 'Exception')) return 'Exception';
  return 'Processing';
}
