import { describe, expect, it } from '@jest/globals';
import { offerObserved, storeConfig } from '../test-support/facts.js';
import { decideOffer, productBase, type OfferState } from './offers.js';

const fact = offerObserved({ sku: 'SKU-MUG' });
const on = (overrides: Parameters<typeof storeConfig>[0] = {}) =>
  storeConfig({ toggles: { ...storeConfig().toggles, offers: true }, ...overrides });
const fresh: OfferState = { effect: null };
const base = productBase('SKU-MUG');

describe('offers: a Mirakl offer new or changed since the last export', () => {
  it('given Sync Offers on, then ShipBob is asked which product carries the SKU first', () => {
    expect(decideOffer(fact, on(), fresh)).toEqual({
      type: 'ask',
      query: { kind: 'shipbob-products-by-sku', skus: ['SKU-MUG'] },
    });
  });

  it('given no product carries the SKU, then one product is created, named by the SKU when the export has no title', () => {
    expect(decideOffer(fact, on(), { ...fresh, product: null })).toEqual({
      type: 'apply',
      resumed: false,
      base,
      command: { kind: 'shipbob-create-product', product: { sku: 'SKU-MUG', name: 'SKU-MUG' } },
    });
  });

  it('given the offer has a title, then the product is named after it', () => {
    const titled = offerObserved({ sku: 'SKU-MUG', title: '  Blue mug  ' });
    const decision = decideOffer(titled, on(), { ...fresh, product: null });
    expect(decision.type === 'apply' && decision.command.product.name).toBe('Blue mug');
  });

  it('given a product carries the SKU as its SKU, then it is reused: DUPLICATE, nothing created', () => {
    const decision = decideOffer(fact, on(), {
      ...fresh,
      product: { productId: '77', matchedBy: 'sku' },
    });
    expect(decision).toMatchObject({
      type: 'record',
      markRecorded: false,
      outcome: {
        outcome: 'DUPLICATE',
        reason: 'product-exists',
        externalIds: { shipbobProductId: '77', sku: 'SKU-MUG' },
        subjectId: 'SKU-MUG',
        miraklOrderId: '',
      },
    });
  });

  it('given another sales channel maps the SKU as its seller SKU, then that product is reused', () => {
    const decision = decideOffer(fact, on(), {
      ...fresh,
      product: { productId: '78', matchedBy: 'seller-sku' },
    });
    expect(decision.type).toBe('record');
    expect(decision.type === 'record' && decision.outcome.detail).toContain('seller SKU');
  });

  it('given our earlier run claimed the effect and ShipBob has the product now, then the claim is completed as APPLIED', () => {
    expect(
      decideOffer(fact, on(), {
        effect: { status: 'claimed' },
        product: { productId: '79', matchedBy: 'sku' },
      }),
    ).toMatchObject({
      type: 'complete',
      externalIds: { shipbobProductId: '79', sku: 'SKU-MUG' },
      outcome: { outcome: 'APPLIED' },
    });
  });

  it('given our earlier run claimed the effect and ShipBob has no product, then it is created, resumed', () => {
    expect(decideOffer(fact, on(), { effect: { status: 'claimed' }, product: null })).toMatchObject(
      { type: 'apply', resumed: true },
    );
  });

  it('given the effect is done, then nothing is asked or created again (idempotent if run twice)', () => {
    const done = {
      status: 'done' as const,
      externalIds: { shipbobProductId: '80' },
      outcomeRecorded: true,
    };
    expect(decideOffer(fact, on(), { effect: done })).toMatchObject({
      type: 'record',
      outcome: { outcome: 'DUPLICATE', reason: 'already-applied' },
    });
  });

  it('given Sync Offers off, then SKIPPED and nothing is asked', () => {
    expect(decideOffer(fact, storeConfig(), fresh)).toMatchObject({
      type: 'record',
      outcome: { outcome: 'SKIPPED', reason: 'flow-disabled', flow: 'offers' },
    });
  });

  it('given ShipBob is not configured, then SKIPPED', () => {
    expect(decideOffer(fact, on({ shipbobConfigured: false }), fresh)).toMatchObject({
      outcome: { outcome: 'SKIPPED', reason: 'shipbob-not-configured' },
    });
  });

  it('given the store configuration was not seen yet, then the fact is retried', () => {
    expect(decideOffer(fact, undefined, fresh)).toMatchObject({
      type: 'retry',
      reason: 'config-not-loaded',
    });
  });

  it('given the offer was deleted in Mirakl, then SKIPPED: products are never deleted', () => {
    expect(decideOffer(offerObserved({ deleted: true }), on(), fresh)).toMatchObject({
      type: 'record',
      outcome: { outcome: 'SKIPPED', reason: 'offer-deleted' },
    });
  });

  it('given an offer without a shop SKU, then FAILED and rejected', () => {
    expect(decideOffer(offerObserved({ sku: '  ' }), on(), fresh)).toMatchObject({
      type: 'reject',
      reason: 'bad-payload',
      outcome: { outcome: 'FAILED' },
    });
  });
});
