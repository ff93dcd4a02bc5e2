import { describe, expect, it } from '@jest/globals';
import { asIsGuardOf, safeParseAsIs } from '@msync/platform';
import { exportChunkDto, exportItemToOffer } from './dto.js';

// Items of an OF54 file, with the fields Mirakl sends and the product does not read.
const items = [
  {
    offer_id: 2001,
    shop_sku: 'MUG-1',
    product_sku: 'P-1',
    quantity: 4,
    active: true,
    deleted: false,
    state_code: '11',
    last_updated: '2026-11-30T10:00:00Z',
    price: 12.5,
    offer_additional_fields: [{ code: 'color', value: 'red' }],
  },
  { offer_id: 2002, shop_sku: 'MUG-2', product_sku: 'P-2', state_code: null, last_updated: null },
];

describe('OF54 export files taken as they came (ADR 0175)', () => {
  it('given the export file schema, when a guard is asked for, then there is one', () => {
    expect(asIsGuardOf(exportChunkDto)).not.toBeNull();
  });

  it('given a file as sent, when taken as it came, then its offers are those zod parses', () => {
    const asIs = safeParseAsIs(exportChunkDto, items);
    expect(asIs.data).toBe(items);
    expect(asIs.data!.map(exportItemToOffer)).toEqual(
      exportChunkDto.parse(items).map(exportItemToOffer),
    );
    expect(asIs.data!.map(exportItemToOffer)[1]).toEqual({
      offerId: 2002,
      shopSku: 'MUG-2',
      productSku: 'P-2',
      quantity: 0,
      active: true,
      stateCode: undefined,
      lastUpdated: undefined,
    });
  });

  it('given an item without its shop SKU, when parsed, then the error names the field', () => {
    const { shop_sku: _, ...noSku } = items[0]!;
    const parsed = safeParseAsIs(exportChunkDto, [items[1], noSku]);
    expect(parsed.error?.issues[0]?.path).toEqual([1, 'shop_sku']);
  });
});
