import type { MiraklOfferObserved } from '@msync/events';
import type { NewProduct } from '@msync/shipbob';
import {
  doneDecision,
  gateDecision,
  outcomeOf,
  type Decision,
  type LedgerEntry,
  type OutcomeBase,
} from './decision.js';
import type { StoreConfig } from './store-config.js';

/** One ShipBob product for a `shop_sku` that has none. */
export interface ProductCommand {
  kind: 'shipbob-create-product';
  product: NewProduct;
}

/** Which ShipBob products already carry these SKUs (variant SKU or a channel's seller SKU). */
export interface ProductQuery {
  kind: 'shipbob-products-by-sku';
  skus: string[];
}

/** A ShipBob product that carries the SKU, and how it carries it. */
export interface ProductMatch {
  productId: string;
  /** `sku`: the variant's SKU; `seller-sku`: a sales channel maps its seller SKU to the variant. */
  matchedBy: 'sku' | 'seller-sku';
  /** The sales channel whose mapping carries the SKU, when matched by seller SKU. */
  channelName?: string;
}

export interface OfferState {
  effect: LedgerEntry | null;
  /** The ShipBob product carrying the SKU (`null`: none), once asked. */
  product?: ProductMatch | null;
}

export type OfferDecision = Decision<ProductQuery, ProductCommand>;

export const productEffectKey = (shopSku: string) => `product:${shopSku}`;

/** What every outcome of this action for the SKU shares: the subject is the SKU, not an order. */
export function productBase(shopSku: string): OutcomeBase {
  return {
    flow: 'offers',
    action: 'product',
    effectKey: productEffectKey(shopSku),
    target: 'SHIPBOB',
    miraklOrderId: '',
    subjectId: shopSku,
  };
}

/** The longest product name ShipBob takes. */
export const MAX_PRODUCT_NAME_LENGTH = 2000;

/**
 * The new product's name: the Mirakl product title when the fact carries one (OF21), else the
 * SKU itself — OF52 exports carry no title (ADR 0074); the seller renames it in ShipBob.
 */
export function productNameOf(fact: MiraklOfferObserved): string {
  const title = fact.productTitle?.trim();
  return title ? title.slice(0, MAX_PRODUCT_NAME_LENGTH) : fact.shopSku.trim();
}

/**
 * Sync Offers (flow `offers`): a Mirakl offer whose `shop_sku` no ShipBob product carries becomes
 * exactly one ShipBob product. A product that carries the SKU — as its variant SKU, or as the
 * seller SKU of any sales channel's mapping — is reused, never duplicated. Deleted offers change
 * nothing in ShipBob (products are never deleted).
 */
export function decideOffer(
  fact: MiraklOfferObserved,
  config: StoreConfig | undefined,
  state: OfferState,
): OfferDecision {
  const sku = fact.shopSku.trim();
  const base = productBase(sku || fact.shopSku);
  const gate = gateDecision(fact.envelope.storeId, config, base);
  if (gate.type !== 'open') return gate;
  const { effect } = state;
  if (effect?.status === 'done') return doneDecision(base, effect);
  if (!sku) {
    return {
      type: 'reject',
      reason: 'bad-payload',
      outcome: outcomeOf(base, 'FAILED', {
        reason: 'bad-payload',
        detail: `offer ${fact.offerId} has no shop SKU`,
      }),
    };
  }
  if (fact.deleted) {
    return {
      type: 'record',
      outcome: outcomeOf(base, 'SKIPPED', {
        reason: 'offer-deleted',
        detail: `offer ${sku} was deleted in Mirakl: its ShipBob product, if any, is left as it is`,
      }),
      markRecorded: false,
    };
  }
  if (state.product === undefined) {
    return { type: 'ask', query: { kind: 'shipbob-products-by-sku', skus: [sku] } };
  }
  const resumed = effect?.status === 'claimed';
  if (state.product !== null) {
    const externalIds = { shipbobProductId: state.product.productId, sku };
    if (resumed) {
      // Our unfinished run (or a concurrent one) created it: the effect is done.
      return {
        type: 'complete',
        externalIds,
        outcome: outcomeOf(base, 'APPLIED', {
          detail: `resumed: ShipBob already had product ${state.product.productId} for SKU ${sku}`,
          externalIds,
        }),
      };
    }
    return {
      type: 'record',
      outcome: outcomeOf(base, 'DUPLICATE', {
        reason: 'product-exists',
        detail: reuseDetail(sku, state.product),
        externalIds,
      }),
      markRecorded: false,
    };
  }
  return {
    type: 'apply',
    resumed,
    base,
    command: { kind: 'shipbob-create-product', product: { sku, name: productNameOf(fact) } },
  };
}

function reuseDetail(sku: string, match: ProductMatch): string {
  const how =
    match.matchedBy === 'sku'
      ? 'as its SKU'
      : `as the seller SKU of its ${match.channelName ?? 'other'} sales channel mapping`;
  return `SKU ${sku} is already carried by ShipBob product ${match.productId} (${how}): reused, no new product`;
}
