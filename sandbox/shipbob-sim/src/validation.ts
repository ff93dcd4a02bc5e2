import type { FieldErrors } from './errors.js';
import type { ApiVersion } from './model.js';

// Request checks ShipBob's OpenAPI documents state (required fields, enums, lengths), per
// version. Keys are wire paths (`products[0].name`); an empty result means the request is valid.

const ORDER_TYPES = ['DTC', 'DropShip', 'B2B'];
/** 2026-01 `Orders.SalesChannel`; 2025-07 takes any string of up to 100 characters. */
export const SALES_CHANNELS_2026_01 = [
  'amazon',
  'bigcommerce',
  'ebay',
  'faire',
  'macy',
  'magento',
  'shein',
  'shopify',
  'squarespace',
  'targetplus',
  'temu',
  'tiktok',
  'unleashed',
  'walmart',
  'woocommerce',
];
export const RETURN_ACTIONS = ['Default', 'Restock', 'Quarantine', 'Dispose'];
const TOPICS_2025_07 = [
  'order.shipped',
  'order.shipment.delivered',
  'order.shipment.exception',
  'order.shipment.on_hold',
  'order.shipment.cancelled',
  'return.created',
  'return.updated',
  'return.completed',
];
export const WEBHOOK_TOPICS: Record<ApiVersion, string[]> = {
  '2025-07': TOPICS_2025_07,
  '2026-01': [
    ...TOPICS_2025_07,
    'billing.charge.created',
    'billing.refund.created',
    'billing.credit.created',
  ],
};
export const WEBHOOK_SECRET_PATTERN = /^whsec_[a-zA-Z0-9+/]{32}$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

class Checker {
  readonly errors: FieldErrors = {};

  add(field: string, message: string): void {
    (this.errors[field] ??= []).push(message);
  }

  required(body: Json, field: string, path = field): boolean {
    if (body[field] === undefined || body[field] === null) {
      this.add(path, `The ${field} field is required.`);
      return false;
    }
    return true;
  }

  string(body: Json, field: string, min: number, max: number, path = field): void {
    const value = body[field];
    if (value === undefined || value === null) return;
    if (typeof value !== 'string' || value.length < min || value.length > max)
      this.add(path, `The field ${field} must be a string of ${min} to ${max} characters.`);
  }

  integer(body: Json, field: string, path = field): void {
    const value = body[field];
    if (value !== undefined && value !== null && !Number.isInteger(value))
      this.add(path, `The field ${field} must be an integer.`);
  }

  oneOf(body: Json, field: string, allowed: string[], path = field): void {
    const value = body[field];
    if (value === undefined || value === null) return;
    if (typeof value !== 'string' || !allowed.includes(value))
      this.add(path, `The value ${JSON.stringify(value)} is not valid for ${field}.`);
  }
}

function notAnObject(): FieldErrors {
  return { '': ['A non-empty request body is required.'] };
}

/** `POST /order` (`Orders.CreateOrderModel`). */
export function orderRequestErrors(body: unknown, version: ApiVersion): FieldErrors {
  if (!isObject(body)) return notAnObject();
  const c = new Checker();
  if (c.required(body, 'reference_id')) c.string(body, 'reference_id', 1, 300);
  if (c.required(body, 'shipping_method')) c.string(body, 'shipping_method', 1, 10_000);
  if (version === '2026-01') c.required(body, 'type');
  c.oneOf(body, 'type', ORDER_TYPES);
  if (version === '2026-01') c.oneOf(body, 'sales_channel', SALES_CHANNELS_2026_01);
  else c.string(body, 'sales_channel', 0, 100);

  if (c.required(body, 'recipient')) {
    const recipient = isObject(body['recipient']) ? body['recipient'] : {};
    if (c.required(recipient, 'name', 'recipient.name'))
      c.string(recipient, 'name', 1, 300, 'recipient.name');
    if (c.required(recipient, 'address', 'recipient.address')) {
      const address = isObject(recipient['address']) ? recipient['address'] : {};
      for (const field of ['address1', 'city', 'country'])
        if (c.required(address, field, `recipient.address.${field}`))
          c.string(address, field, 1, 10_000, `recipient.address.${field}`);
    }
  }

  const products = body['products'];
  if (!Array.isArray(products) || products.length === 0) {
    c.add('products', 'The products field must hold at least one product.');
  } else {
    products.forEach((raw, i) => {
      const line = isObject(raw) ? raw : {};
      const at = `products[${i}]`;
      if (c.required(line, 'quantity', `${at}.quantity`))
        c.integer(line, 'quantity', `${at}.quantity`);
      if (line['id'] !== undefined && line['id'] !== null) {
        c.integer(line, 'id', `${at}.id`);
        return;
      }
      if (c.required(line, 'reference_id', `${at}.reference_id`))
        c.string(line, 'reference_id', 1, 10_000, `${at}.reference_id`);
      // 2026-01 lists `name` as required (nullable): the key must be there, even when a product
      // with that reference already exists.
      if (version === '2026-01' && !('name' in line))
        c.add(`${at}.name`, 'The name field is required.');
    });
  }
  return c.errors;
}

/**
 * `POST /return` and 2026-01 `PUT /return/{id}` (`Returns.CreateReturnRequest`, every item needs
 * `requested_action`); 2025-07 `PUT /return/{id}` (`CreateReturnViewModel`) makes it optional.
 */
export function returnRequestErrors(
  body: unknown,
  options: { actionRequired: boolean },
): FieldErrors {
  if (!isObject(body)) return notAnObject();
  const c = new Checker();
  if (c.required(body, 'reference_id')) c.string(body, 'reference_id', 1, 50);
  c.string(body, 'tracking_number', 0, 500);
  c.integer(body, 'original_shipment_id');
  if (c.required(body, 'fulfillment_center')) {
    const center = isObject(body['fulfillment_center']) ? body['fulfillment_center'] : {};
    if (c.required(center, 'id', 'fulfillment_center.id'))
      c.integer(center, 'id', 'fulfillment_center.id');
  }
  const inventory = body['inventory'];
  if (!Array.isArray(inventory) || inventory.length === 0) {
    c.add('inventory', 'The inventory field must hold at least one item.');
  } else {
    inventory.forEach((raw, i) => {
      const item = isObject(raw) ? raw : {};
      const at = `inventory[${i}]`;
      if (c.required(item, 'id', `${at}.id`)) c.integer(item, 'id', `${at}.id`);
      if (c.required(item, 'quantity', `${at}.quantity`))
        c.integer(item, 'quantity', `${at}.quantity`);
      if (options.actionRequired) c.required(item, 'requested_action', `${at}.requested_action`);
      c.oneOf(item, 'requested_action', RETURN_ACTIONS, `${at}.requested_action`);
    });
  }
  return c.errors;
}

/** `POST /webhook` (`Webhooks.V2.CreateSubscriptionRequest`); topics differ by version. */
export function webhookRequestErrors(body: unknown, version: ApiVersion): FieldErrors {
  if (!isObject(body)) return notAnObject();
  const c = new Checker();
  const topics = body['topics'];
  if (!Array.isArray(topics) || topics.length === 0) {
    c.add('topics', 'At least one topic is required.');
  } else {
    topics.forEach((topic, i) => {
      if (typeof topic !== 'string' || !WEBHOOK_TOPICS[version].includes(topic))
        c.add(`topics[${i}]`, `${JSON.stringify(topic)} is not a topic of the ${version} API.`);
    });
  }
  if (c.required(body, 'url') && !isHttpUrl(body['url']))
    c.add('url', 'The url must be an absolute http(s) URL that accepts POST requests.');
  const secret = body['secret'];
  if (secret !== undefined && secret !== null) {
    if (typeof secret !== 'string' || !WEBHOOK_SECRET_PATTERN.test(secret))
      c.add('secret', 'The secret must match ^whsec_[a-zA-Z0-9+/]{32}$.');
  }
  c.string(body, 'description', 0, 10_000);
  return c.errors;
}

// ShipBob requires HTTPS; the simulator also takes plain http so local receivers work.
function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

export function hasErrors(errors: FieldErrors): boolean {
  return Object.keys(errors).length > 0;
}
