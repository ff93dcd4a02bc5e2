import { describe, expect, it } from '@jest/globals';
import { asIsGuardOf, safeParseAsIs } from '@msync/platform';
import { toInventoryLevel, toProduct } from './mapping.js';
import { cursorPage, inventoryCatalogSchema, inventoryLevelSchema, productSchema } from './wire.js';

// Items as ShipBob sends them, with fields the product does not read.
const level = {
  inventory_id: 70,
  name: 'Mug',
  sku: 'MUG-1',
  total_fulfillable_quantity: 12,
  total_on_hand_quantity: 15,
  total_committed_quantity: 3,
  total_exception_quantity: null,
  total_sellable_quantity: 12,
  total_backordered_quantity: 0,
  fulfillable_quantity_by_fulfillment_center: [{ id: 1, name: 'Cicero', fulfillable_quantity: 12 }],
};
const product = {
  id: 7,
  name: 'Mug',
  type: 'Regular',
  created_on: '2026-01-01T00:00:00Z',
  variants: [
    {
      id: 71,
      sku: 'MUG-1',
      name: 'Mug',
      status: 'Active',
      is_digital: false,
      inventory: { inventory_id: 70, on_hand_qty: 15 },
      channel_metadata: [{ channel_id: 3, seller_sku: 'MKP-MUG-1', platform_id: 'x' }],
      barcodes: [],
    },
  ],
};

describe('list pages taken as they came (ADR 0175)', () => {
  it.each([
    ['inventory levels', inventoryLevelSchema],
    ['products', productSchema],
    ['the catalog flags', inventoryCatalogSchema],
  ])('given the pages of %s, when a guard is asked for, then there is one', (_, item) => {
    expect(asIsGuardOf(cursorPage(item))).not.toBeNull();
  });

  it('given a page schema asked for twice, when compared, then it is the same schema', () => {
    expect(cursorPage(productSchema)).toBe(cursorPage(productSchema));
  });

  it('given pages as sent, when taken as they came, then they map as the parsed ones do', () => {
    const levels = { items: [level], next: null };
    const products = { items: [product], next: 'next-page' };
    const levelsAsIs = safeParseAsIs(cursorPage(inventoryLevelSchema), levels);
    const productsAsIs = safeParseAsIs(cursorPage(productSchema), products);
    expect(levelsAsIs.data).toBe(levels);
    expect(productsAsIs.data).toBe(products);

    const parsedLevel = cursorPage(inventoryLevelSchema).parse(levels).items![0]!;
    const parsedProduct = cursorPage(productSchema).parse(products).items![0]!;
    expect(toInventoryLevel(levelsAsIs.data!.items![0]!, undefined, undefined)).toEqual(
      toInventoryLevel(parsedLevel, undefined, undefined),
    );
    expect(toProduct(productsAsIs.data!.items![0]!)).toEqual(toProduct(parsedProduct));
  });
});
