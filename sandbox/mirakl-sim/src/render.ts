import type { SimImport, SimOffer, SimOrder, SimOrderLine, SimShop } from './model.js';

/** JSON shapes of the seller API, with every field the published schema marks as required. */

export function renderAccount(shop: SimShop, now: Date): Record<string, unknown> {
  const address = { city: 'New York', country_iso_code: 'USA', street_1: '30 Prince Street' };
  return {
    shop_id: shop.shopId,
    shop_name: shop.name,
    shop_state: 'OPEN',
    currency_iso_code: shop.currency,
    channels: ['US'],
    domains: ['PRODUCT'],
    date_created: new Date(now.getTime() - 365 * 24 * 3600_000).toISOString(),
    last_updated_date: now.toISOString(),
    evaluations_count: 0,
    free_shipping: false,
    is_professional: true,
    offers_count: [...shop.offers.values()].filter((o) => !o.deleted).length,
    orders_count: shop.orders.size,
    payment_method_mandatory: false,
    premium: false,
    shipping_country: 'USA',
    billing_info: {},
    contact_informations: {
      city: 'New York',
      country: 'USA',
      email: `shop-${shop.shopId}@example.com`,
      lastname: 'Doe',
      street1: '30 Prince Street',
    },
    default_billing_information: {
      default_language: 'en_US',
      id: `billing-${shop.shopId}`,
      registration_address: address,
    },
    payment_details: { paid_balance: 0, payable_balance: 0, pending_balance: 0 },
    pro_details: {},
    shipping: {},
    shipping_types: [],
    shipping_zones: [],
    shop_additional_fields: [],
  };
}

export function renderOffer(shop: SimShop, o: SimOffer): Record<string, unknown> {
  const price = { price: o.price, unit_origin_price: o.price, volume_prices: [] };
  return {
    offer_id: o.offerId,
    shop_sku: o.shopSku,
    product_sku: o.productSku,
    product_title: o.productTitle,
    product_references: [{ reference: o.productSku, reference_type: 'SHOP_SKU' }],
    quantity: o.quantity,
    price: o.price,
    total_price: o.price,
    applicable_pricing: price,
    all_prices: [price],
    state_code: o.stateCode,
    active: o.active,
    category_code: 'DEFAULT',
    category_label: 'Default',
    channels: [],
    currency_iso_code: shop.currency,
    description: o.description,
    leadtime_to_ship: 2,
    logistic_class: { code: 'STD', label: 'Standard' },
    min_order_quantity: 1,
    max_order_quantity: 100,
    min_quantity_alert: 0,
    package_quantity: 1,
    min_shipping_price: 0,
    min_shipping_price_additional: 0,
    min_shipping_type: 'STD',
    min_shipping_zone: 'US',
    shipping_deadline: new Date(o.lastUpdated.getTime() + 2 * 24 * 3600_000).toISOString(),
    fulfillment: { center: { code: 'DEFAULT' } },
    ...warehousesOf(o),
  };
}

/** `warehouses: [{code, quantity}]`, present only when the offer has per-warehouse stock. */
function warehousesOf(o: SimOffer): { warehouses?: { code: string; quantity: number }[] } {
  if (o.warehouses.size === 0) return {};
  return { warehouses: [...o.warehouses].map(([code, quantity]) => ({ code, quantity })) };
}

/**
 * One offer of an OF54 JSON export file. `prices` follows the file structure of the document:
 * `origin_price` and `volume_prices` from a quantity of one; `context` is left out because it
 * "is not returned for the default price", the only price the simulator knows.
 */
export function renderExportItem(shop: SimShop, o: SimOffer): Record<string, unknown> {
  return {
    offer_id: o.offerId,
    shop_id: shop.shopId,
    shop_name: shop.name,
    shop_sku: o.shopSku,
    product_sku: o.productSku,
    quantity: o.quantity,
    ...warehousesOf(o),
    active: o.active,
    deleted: o.deleted,
    state_code: o.stateCode,
    currency_iso_code: shop.currency,
    description: o.description,
    last_updated: o.lastUpdated.toISOString(),
    prices: [
      {
        origin_price: o.price,
        volume_prices: [{ quantity_threshold: 1, unit_origin_price: o.price }],
      },
    ],
  };
}

const round = (n: number): number => Math.round(n * 100) / 100;

function renderLine(line: SimOrderLine): Record<string, unknown> {
  const price = round(line.unitPrice * line.quantity);
  const out: Record<string, unknown> = {
    order_line_id: line.lineId,
    order_line_index: line.index,
    order_line_state: line.state,
    offer_id: line.offerId,
    offer_sku: line.offerSku,
    offer_state_code: '11',
    product_sku: line.productSku,
    product_title: line.productTitle,
    product_medias: [],
    category_code: 'DEFAULT',
    category_label: 'Default',
    description: line.productTitle,
    quantity: line.quantity,
    price_unit: line.unitPrice,
    price,
    shipping_price: line.shippingPrice,
    total_price: round(price + line.shippingPrice),
    commission_fee: round(price * 0.15),
    commission_rate_vat: 0,
    commission_vat: 0,
    total_commission: round(price * 0.15),
    cancelations: [],
    refunds: [],
    can_refund: line.state === 'SHIPPED' || line.state === 'RECEIVED',
    order_line_additional_fields: [],
    created_date: line.createdAt.toISOString(),
    last_updated_date: line.lastUpdated.toISOString(),
  };
  if (line.reasonCode) out['order_line_state_reason_code'] = line.reasonCode;
  if (line.reasonLabel) out['order_line_state_reason_label'] = line.reasonLabel;
  if (line.debitedAt) out['debited_date'] = line.debitedAt.toISOString();
  if (line.shippedAt) out['shipped_date'] = line.shippedAt.toISOString();
  return out;
}

export function renderOrder(
  shop: SimShop,
  order: SimOrder,
  canCancel: boolean,
): Record<string, unknown> {
  const lines = order.lines.map(renderLine);
  const sum = (key: string): number => round(lines.reduce((acc, l) => acc + (l[key] as number), 0));
  // Hidden until the payment confirmation, and for orders that never got there (canceled or
  // refused before SHIPPING): the shop never had a reason to see where the goods would go.
  const visible = order.addressesReleased;
  const out: Record<string, unknown> = {
    order_id: order.orderId,
    commercial_id: order.commercialId,
    order_state: order.state,
    created_date: order.createdAt.toISOString(),
    last_updated_date: order.lastUpdated.toISOString(),
    shipping_deadline: order.shippingDeadline.toISOString(),
    ...(order.customerDebitedAt
      ? { customer_debited_date: order.customerDebitedAt.toISOString() }
      : {}),
    currency_iso_code: shop.currency,
    price: sum('price'),
    shipping_price: sum('shipping_price'),
    total_price: sum('total_price'),
    total_commission: sum('total_commission'),
    can_cancel: canCancel,
    can_shop_ship: order.state === 'SHIPPING',
    has_incident: order.lines.some((l) => l.state === 'INCIDENT_OPEN'),
    has_customer_message: false,
    has_invoice: false,
    fully_refunded: false,
    paymentType: 'CREDIT_CARD',
    payment_type: 'CREDIT_CARD',
    payment_workflow: order.paymentWorkflow,
    fulfillment: { center: { code: 'DEFAULT' } },
    leadtime_to_ship: 2,
    order_tax_mode: 'TAX_INCLUDED',
    shipping_type_code: order.shippingTypeCode,
    shipping_type_label: order.shippingTypeCode === 'STD' ? 'Standard' : order.shippingTypeCode,
    shipping_zone_code: 'US',
    shipping_zone_label: 'United States',
    channel: { code: 'US', label: 'United States' },
    customer: {
      customer_id: order.customer.customerId,
      firstname: order.customer.firstname,
      lastname: order.customer.lastname,
      shipping_address: visible ? order.shippingAddress : null,
      billing_address: visible ? order.billingAddress : null,
    },
    order_lines: lines,
  };
  if (order.acceptanceDecisionDate !== undefined) {
    out['acceptance_decision_date'] = order.acceptanceDecisionDate?.toISOString() ?? null;
  }
  const t = order.tracking;
  if (t) {
    if (t.carrierCode) out['shipping_carrier_code'] = t.carrierCode;
    if (t.carrierStandardCode) out['shipping_carrier_standard_code'] = t.carrierStandardCode;
    if (t.carrierName) out['shipping_company'] = t.carrierName;
    if (t.trackingNumber) out['shipping_tracking'] = t.trackingNumber;
    if (t.trackingUrl) out['shipping_tracking_url'] = t.trackingUrl;
  }
  return out;
}

export function renderOfferImport(imp: SimImport): Record<string, unknown> {
  return {
    import_id: Number(imp.id),
    date_created: imp.createdAt.toISOString(),
    mode: imp.mode,
    type: 'API',
    status: imp.status,
    reason_status: imp.reasonStatus ?? '',
    has_error_report: imp.errors.length > 0,
    lines_read: imp.linesRead,
    lines_in_success: imp.linesInSuccess,
    lines_in_error: imp.linesInError,
    lines_in_pending: imp.applied ? 0 : imp.rows.length,
    offer_inserted: imp.inserted,
    offer_updated: imp.updated,
    offer_deleted: imp.deleted,
  };
}

export function renderStockImport(shop: SimShop, imp: SimImport): Record<string, unknown> {
  return {
    import_id: imp.id,
    shop_id: shop.shopId,
    status: imp.status,
    date_created: imp.createdAt.toISOString(),
    has_error_report: imp.errors.length > 0,
    lines_in_success: imp.linesInSuccess,
    lines_in_error: imp.linesInError,
  };
}
