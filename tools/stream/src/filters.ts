/** What `tail` keeps: events about this order, or carrying this SKU. */
export interface EventFilter {
  orderId?: string;
  sku?: string;
}

const ORDER_FIELDS = new Set(['orderid', 'referenceid', 'miraklorderid', 'commercialid']);

/**
 * Whether a decoded event matches: some field named like an order id (`orderId`,
 * `referenceId`, `miraklOrderId`, `commercialId`) equals the order, and some field whose name
 * ends in `sku` (`offerSku`, `sku`, `shopSku`) equals the SKU, at any depth (lines included).
 */
export function matchesFilter(value: unknown, filter: EventFilter): boolean {
  const wanted: [(name: string) => boolean, string][] = [];
  if (filter.orderId !== undefined) wanted.push([(name) => ORDER_FIELDS.has(name), filter.orderId]);
  if (filter.sku !== undefined) wanted.push([(name) => name.endsWith('sku'), filter.sku]);
  return wanted.every(([isField, expected]) => someField(value, isField, expected));
}

function someField(value: unknown, isField: (name: string) => boolean, expected: string): boolean {
  if (Array.isArray(value)) return value.some((item) => someField(item, isField, expected));
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(
    ([name, field]) =>
      (isField(name.toLowerCase()) && String(field) === expected) ||
      someField(field, isField, expected),
  );
}
