import type { SkuLevel } from '../domain/inventory-facts.js';

/** A SKU's level as the poller keeps it: on hand as fulfillable, nothing committed or in exception, active. */
export const skuLevel = (
  sku: string,
  fulfillable: number,
  extra: Partial<SkuLevel> = {},
): SkuLevel => ({
  sku,
  inventoryId: `inv-${sku}`,
  fulfillable,
  onHand: fulfillable,
  committed: 0,
  exception: 0,
  active: true,
  digital: false,
  ...extra,
});
