import type { MiraklOrderReadyToShip } from '@msync/events';
import type { NewOrder } from '@msync/shipbob';
import { alpha2Country } from './countries.js';
import {
  doneDecision,
  gateDecision,
  outcomeOf,
  type Decision,
  type LedgerEntry,
  type OutcomeBase,
} from './decision.js';
import type { StoreConfig } from './store-config.js';

/** Exactly one ShipBob order per Mirakl order: `reference_id` = the Mirakl order id. */
export interface CreateCommand {
  kind: 'shipbob-create-order';
  order: NewOrder;
}

export type CreateQuery =
  | { kind: 'shipbob-order-by-reference'; referenceId: string }
  | { kind: 'shipbob-known-skus'; skus: string[] };

export interface CreateState {
  effect: LedgerEntry | null;
  /** The ShipBob order with this reference id (`null`: none), once asked. */
  shipbobOrder?: { id: string } | null;
  /** The order's SKUs that have a ShipBob product, once looked up. */
  knownSkus?: ReadonlySet<string>;
}

export type CreateDecision = Decision<CreateQuery, CreateCommand>;

export const createEffectKey = (orderId: string) => `create:${orderId}`;

/** What every outcome of this action for the order shares. */
export function createBase(miraklOrderId: string): OutcomeBase {
  return {
    flow: 'orders',
    action: 'create',
    effectKey: createEffectKey(miraklOrderId),
    target: 'SHIPBOB',
    miraklOrderId,
  };
}

/** Create (flow `orders`): an order ready to ship becomes exactly one ShipBob order. */
export function decideCreate(
  fact: MiraklOrderReadyToShip,
  config: StoreConfig | undefined,
  state: CreateState,
): CreateDecision {
  const base = createBase(fact.orderId);
  const gate = gateDecision(fact.envelope.storeId, config, base);
  if (gate.type !== 'open') return gate;
  const { effect } = state;
  if (effect?.status === 'done') return doneDecision(base, effect);
  if (effect?.status === 'voided') {
    // The marketplace canceled the order first (ADR 0069): it must never reach ShipBob.
    return {
      type: 'record',
      outcome: outcomeOf(base, 'SKIPPED', {
        reason: 'order-canceled',
        detail:
          'the order was canceled on the marketplace before its ShipBob order was created; none was created',
      }),
      markRecorded: false,
    };
  }

  const order = shipbobOrderOf(fact, gate.config);
  if (typeof order === 'string') {
    return {
      type: 'reject',
      reason: 'bad-payload',
      outcome: outcomeOf(base, 'FAILED', { reason: 'bad-payload', detail: order }),
    };
  }
  const resumed = effect?.status === 'claimed';
  if (resumed) {
    if (state.shipbobOrder === undefined) {
      return {
        type: 'ask',
        query: { kind: 'shipbob-order-by-reference', referenceId: fact.orderId },
      };
    }
    if (state.shipbobOrder !== null) {
      const externalIds = { shipbobOrderId: state.shipbobOrder.id };
      return {
        type: 'complete',
        externalIds,
        outcome: outcomeOf(base, 'APPLIED', {
          detail: 'resumed: ShipBob already had the order',
          externalIds,
        }),
      };
    }
  }
  const skus = order.lines.map((line) => line.sku);
  if (state.knownSkus === undefined) {
    return { type: 'ask', query: { kind: 'shipbob-known-skus', skus } };
  }
  const unknown = skus.filter((sku) => !state.knownSkus!.has(sku));
  if (unknown.length > 0) {
    const detail = `no ShipBob product for SKU ${unknown.join(', ')}; the order is created once the product exists`;
    return {
      type: 'retry',
      reason: 'unknown-sku',
      message: detail,
      wait: 'long',
      outcome: outcomeOf(base, 'FAILED', { reason: 'unknown-sku', detail }),
    };
  }
  return { type: 'apply', command: { kind: 'shipbob-create-order', order }, resumed, base };
}

/** The ShipBob order for a Mirakl order, or why it cannot be built. */
export function shipbobOrderOf(
  fact: MiraklOrderReadyToShip,
  config: Pick<StoreConfig, 'shippingMethods' | 'defaultShippingMethod'>,
): NewOrder | string {
  const address = fact.shippingAddress;
  const name = `${address.firstName ?? ''} ${address.lastName ?? ''}`.trim();
  const recipientName = name || address.company?.trim() || '';
  const country = alpha2Country(address.country);
  const problems = [
    fact.lines.length === 0 ? 'the order has no lines' : undefined,
    ...fact.lines.map((line) =>
      !line.offerSku.trim()
        ? `line ${line.orderLineId} has no SKU`
        : line.quantity < 1
          ? `line ${line.orderLineId} has quantity ${line.quantity}`
          : undefined,
    ),
    recipientName ? undefined : 'the shipping address has no recipient name',
    address.street1.trim() ? undefined : 'the shipping address has no street',
    address.city.trim() ? undefined : 'the shipping address has no city',
    country ? undefined : `unknown country "${address.country}"`,
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) return problems.join('; ');

  return {
    referenceId: fact.orderId,
    orderNumber: fact.commercialId ?? fact.orderId,
    shippingMethod: shipOptionFor(fact.shippingMethod, config),
    recipient: {
      name: recipientName,
      address: {
        address1: address.street1,
        address2: address.street2,
        companyName: address.company,
        city: address.city,
        state: address.state,
        country: country!,
        zipCode: address.zipCode,
      },
      email: fact.customerEmail,
      phoneNumber: address.phone,
    },
    lines: linesBySku(fact.lines),
  };
}

/** The ShipBob ship option of a Mirakl shipping type: the store's mapping, else its default. */
export function shipOptionFor(
  miraklShippingType: string | null,
  config: Pick<StoreConfig, 'shippingMethods' | 'defaultShippingMethod'>,
): string {
  // Own entries only: a code such as `constructor` must not find Object's prototype.
  const mapped =
    miraklShippingType !== null && Object.hasOwn(config.shippingMethods, miraklShippingType)
      ? config.shippingMethods[miraklShippingType]
      : undefined;
  return mapped ?? config.defaultShippingMethod;
}

/** One ShipBob line per SKU (Mirakl may split a SKU over lines; ShipBob wants it once). */
function linesBySku(lines: MiraklOrderReadyToShip['lines']): NewOrder['lines'] {
  const bySku = new Map<string, NewOrder['lines'][number]>();
  for (const line of lines) {
    const sku = line.offerSku.trim();
    const existing = bySku.get(sku);
    if (existing) {
      existing.quantity += line.quantity;
      continue;
    }
    const unitPrice = line.unitPrice === null ? Number.NaN : Number(line.unitPrice);
    bySku.set(sku, {
      sku,
      name: line.productTitle?.trim() || sku,
      quantity: line.quantity,
      unitPrice: Number.isFinite(unitPrice) ? unitPrice : null,
    });
  }
  return [...bySku.values()];
}
