import { createHash } from 'node:crypto';
import type { MiraklIncidentOpened } from '@msync/events';
import type { NewReturn } from '@msync/shipbob';
import {
  doneDecision,
  gateDecision,
  outcomeOf,
  type Decision,
  type LedgerEntry,
  type OutcomeBase,
} from './decision.js';
import type { Closed, StoreConfig } from './store-config.js';

/** Exactly one ShipBob return order per Mirakl incident line: `reference_id` from order and line. */
export interface ReturnCommand {
  kind: 'shipbob-create-return';
  returnOrder: NewReturn;
}

export type ReturnQuery =
  | { kind: 'shipbob-return-by-reference'; referenceId: string }
  | {
      kind: 'shipbob-return-line';
      /** The ShipBob order of the Mirakl order has `reference_id` = the Mirakl order id. */
      miraklOrderId: string;
      sku: string;
      fulfillmentCenterId: number;
    };

/** What ShipBob knows about the SKU of the line. */
export type ReturnItemFacts =
  | { kind: 'item'; inventoryId: number }
  | { kind: 'unknown' }
  | { kind: 'digital' }
  /** Sold as a bundle: several inventory items, none of which is the line by itself. */
  | { kind: 'bundle' };

/** What ShipBob knows about the line: its item, how it was shipped, where it may come back. */
export interface ReturnLineFacts {
  item: ReturnItemFacts;
  /**
   * What ShipBob shipped of the item for the order (`null`: nothing known), and the shipment that
   * carried it (`id: null` when several did: the return then names none).
   */
  shipment: { id: number | null; shippedQuantity: number | null } | null;
  /** The store's return center is still one of the account's centers. */
  centerAcceptsReturns: boolean;
}

export interface ReturnState {
  effect: LedgerEntry | null;
  /** The ShipBob return with this reference id (`null`: none), once asked. */
  shipbobReturn?: { id: string } | null;
  line?: ReturnLineFacts;
}

export type ReturnDecision = Decision<ReturnQuery, ReturnCommand>;

export const returnEffectKey = (orderId: string, orderLineId: string) =>
  `return:${orderId}:${orderLineId}`;

/** ShipBob's limit on a return's `reference_id`. */
export const MAX_RETURN_REFERENCE_LENGTH = 50;

/**
 * The return's `reference_id`: the Mirakl line id when it already names its order (Mirakl's
 * `<order>-<n>`), else `<order>/<line>`; beyond 50 characters, a readable prefix and a hash of
 * both ids, so the same line always gives the same id and two lines never share one.
 */
export function returnReferenceId(orderId: string, orderLineId: string): string {
  const readable = orderLineId.startsWith(`${orderId}-`)
    ? orderLineId
    : `${orderId}/${orderLineId}`;
  if (readable.length <= MAX_RETURN_REFERENCE_LENGTH) return readable;
  const hash = createHash('sha256').update(`${orderId}\n${orderLineId}`).digest('hex').slice(0, 16);
  return `${readable.slice(0, MAX_RETURN_REFERENCE_LENGTH - hash.length - 1)}~${hash}`;
}

/** What every outcome of this action for the line shares. */
export function returnBase(orderId: string, orderLineId: string): OutcomeBase {
  return {
    flow: 'returns',
    action: 'return',
    effectKey: returnEffectKey(orderId, orderLineId),
    target: 'SHIPBOB',
    miraklOrderId: orderId,
  };
}

/**
 * Returns (flow `returns`): an incident on a Mirakl line becomes exactly one ShipBob return order
 * at the store's return center — when Sync Returns is on, an administrator approved returns and a
 * return center is set, all checked now, and the incident's reason means the item comes back.
 */
export function decideReturn(
  fact: MiraklIncidentOpened,
  config: StoreConfig | undefined,
  state: ReturnState,
): ReturnDecision {
  const base = returnBase(fact.orderId, fact.orderLineId);
  const gate = gateDecision(fact.envelope.storeId, config, base);
  if (gate.type !== 'open') return gate;
  const closed = closedReturns(gate.config);
  if (closed) {
    return { type: 'record', outcome: outcomeOf(base, 'SKIPPED', closed), markRecorded: false };
  }
  const { effect } = state;
  if (effect?.status === 'done') return doneDecision(base, effect);

  const reason = fact.reasonCode?.trim() ?? '';
  if (reason && gate.config.returns.reasons[reason] === 'ignore') {
    return {
      type: 'record',
      outcome: outcomeOf(base, 'SKIPPED', {
        reason: 'reason-ignored',
        detail: `incident reason ${reason} is set to "ignore" for this store: no return is created`,
      }),
      markRecorded: false,
    };
  }
  const problems = [
    fact.offerSku.trim() ? undefined : `line ${fact.orderLineId} has no SKU`,
    fact.quantity >= 1 ? undefined : `line ${fact.orderLineId} has quantity ${fact.quantity}`,
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) {
    return {
      type: 'reject',
      reason: 'bad-payload',
      outcome: outcomeOf(base, 'FAILED', { reason: 'bad-payload', detail: problems.join('; ') }),
    };
  }

  const referenceId = returnReferenceId(fact.orderId, fact.orderLineId);
  const resumed = effect?.status === 'claimed';
  if (resumed) {
    if (state.shipbobReturn === undefined) {
      return { type: 'ask', query: { kind: 'shipbob-return-by-reference', referenceId } };
    }
    if (state.shipbobReturn !== null) {
      const externalIds = { shipbobReturnId: state.shipbobReturn.id, referenceId };
      return {
        type: 'complete',
        externalIds,
        outcome: outcomeOf(base, 'APPLIED', {
          detail: 'resumed: ShipBob already had the return',
          externalIds,
        }),
      };
    }
  }

  const fulfillmentCenterId = Number(gate.config.returnFulfillmentCenterId);
  const sku = fact.offerSku.trim();
  if (state.line === undefined) {
    return {
      type: 'ask',
      query: { kind: 'shipbob-return-line', miraklOrderId: fact.orderId, sku, fulfillmentCenterId },
    };
  }
  const checked = checkLine(fact, sku, state.line);
  if ('reason' in checked) {
    return {
      type: 'reject',
      reason: checked.reason,
      outcome: outcomeOf(base, 'FAILED', checked),
    };
  }
  return {
    type: 'apply',
    resumed,
    base,
    command: {
      kind: 'shipbob-create-return',
      returnOrder: {
        referenceId,
        fulfillmentCenterId,
        items: [
          {
            inventoryId: checked.inventoryId,
            quantity: fact.quantity,
            requestedAction: gate.config.returns.requestedAction,
          },
        ],
        originalShipmentId: state.line.shipment?.id ?? null,
      },
    },
  };
}

/** Sync Returns needs, beyond the toggle: an administrator's approval and a return center. */
function closedReturns(config: StoreConfig): Closed | undefined {
  if (!config.returnsApproved) {
    return {
      reason: 'returns-not-approved',
      detail: 'returns are not approved by an administrator for this store: no return is created',
    };
  }
  const center = Number(config.returnFulfillmentCenterId);
  if (config.returnFulfillmentCenterId === null || !Number.isInteger(center) || center <= 0) {
    return {
      reason: 'no-return-fulfillment-center',
      detail: 'no return fulfillment center is set for this store: choose one to sync returns',
    };
  }
  return undefined;
}

/**
 * The inventory item to return, or why the line cannot become a whole return (never a partial
 * one), as the seller can act on it.
 */
function checkLine(
  fact: MiraklIncidentOpened,
  sku: string,
  line: ReturnLineFacts,
): { inventoryId: number } | { reason: string; detail: string } {
  switch (line.item.kind) {
    case 'unknown':
      return {
        reason: 'unknown-sku',
        detail: `no ShipBob product for SKU ${sku}: create it in ShipBob, then create the return by hand`,
      };
    case 'digital':
      return {
        reason: 'digital-sku',
        detail: `SKU ${sku} is a digital product in ShipBob: nothing can be returned to a warehouse`,
      };
    case 'bundle':
      return {
        reason: 'bundle-sku',
        detail: `SKU ${sku} is a bundle in ShipBob: create a return of its items by hand`,
      };
    case 'item':
      break;
  }
  const itemId = line.item.inventoryId;
  const shipped = line.shipment?.shippedQuantity;
  if (shipped !== null && shipped !== undefined && fact.quantity > shipped) {
    return {
      reason: 'quantity-above-shipped',
      detail: `the incident returns ${fact.quantity} of SKU ${sku} but ShipBob shipped ${shipped}: correct the incident quantity`,
    };
  }
  if (!line.centerAcceptsReturns) {
    return {
      reason: 'return-center-unavailable',
      detail: 'the store’s return fulfillment center no longer accepts returns: choose another one',
    };
  }
  return { inventoryId: itemId };
}
