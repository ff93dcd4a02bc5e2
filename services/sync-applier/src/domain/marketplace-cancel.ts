import type { MiraklOrderCanceled } from '@msync/events';
import type { ShipBobOrder } from '@msync/shipbob';
import {
  doneDecision,
  gateDecision,
  outcomeOf,
  type Decision,
  type LedgerEntry,
  type OutcomeBase,
} from './decision.js';
import type { StoreConfig } from './store-config.js';

/** A ShipBob order as the marketplace-cancel decision reads it. */
export interface ShipBobOrderView {
  id: string;
  canceled: boolean;
  shipments: { id: string; status: string; labeled: boolean; canceled: boolean }[];
}

/** `POST /order/{id}:cancel`: every shipment of the ShipBob order canceled. */
export interface ShipBobCancelCommand {
  kind: 'shipbob-cancel';
  shipbobOrderId: string;
}

export type MarketplaceCancelQuery =
  /** Void the order's create effect unless it was claimed: no ShipBob order will be made later. */
  | { kind: 'block-create'; orderId: string }
  /** Void a create claimed but not visible in ShipBob (failed, or never got there). */
  | { kind: 'void-claimed-create'; orderId: string }
  /** The ShipBob order: by id when the create recorded it (no list lag), else by reference. */
  | { kind: 'shipbob-order'; referenceId: string; shipbobOrderId: string | null };

export interface MarketplaceCancelState {
  effect: LedgerEntry | null;
  /** The order's create effect, once this cancellation tried to block it. */
  create?: LedgerEntry | null;
  /** The ShipBob order once asked (`null`: none). */
  shipbobOrder?: ShipBobOrderView | null;
  /** ShipBob refused the cancel call, with its reasons. */
  refused?: string[];
}

export type MarketplaceCancelDecision = Decision<MarketplaceCancelQuery, ShipBobCancelCommand>;

export const cancelInShipBobEffectKey = (miraklOrderId: string) =>
  `cancel-in-shipbob:${miraklOrderId}`;

/** ShipBob statuses of a shipment that left the label printer (reference §8.4). */
const LABELED_STATUSES = new Set(['LabeledCreated', 'Completed']);

/** What every outcome of this action for the order shares. */
export function cancelInShipBobBase(miraklOrderId: string): OutcomeBase {
  return {
    flow: 'cancellations',
    action: 'cancel-in-shipbob',
    effectKey: cancelInShipBobEffectKey(miraklOrderId),
    target: 'SHIPBOB',
    miraklOrderId,
  };
}

/** The ShipBob order in the terms of this decision. */
export function shipbobOrderView(order: ShipBobOrder): ShipBobOrderView {
  return {
    id: String(order.id),
    canceled: order.isCanceled,
    shipments: order.shipments.map((s) => ({
      id: String(s.id),
      status: s.status,
      labeled: s.isLabeled || LABELED_STATUSES.has(s.status),
      canceled: s.isCanceled,
    })),
  };
}

/**
 * Marketplace → ShipBob (ADR 0069): an order canceled or refused on the marketplace. First, whatever
 * the settings, its ShipBob order is blocked from being created later (the create effect is
 * voided unless it was claimed). Then, with Sync Cancelations and its second switch on, an
 * existing ShipBob order is canceled while none of its shipments is labeled; a labeled one is
 * FAILED "already labeled: intercept in ShipBob".
 */
export function decideCancelInShipBob(
  fact: MiraklOrderCanceled,
  config: StoreConfig | undefined,
  state: MarketplaceCancelState,
): MarketplaceCancelDecision {
  const base = cancelInShipBobBase(fact.orderId);
  if (!fact.orderId.trim()) {
    return {
      type: 'reject',
      reason: 'bad-payload',
      outcome: outcomeOf(base, 'FAILED', {
        reason: 'bad-payload',
        detail: 'the canceled order has no id',
      }),
    };
  }
  const { create } = state;
  if (create === undefined || create === null) {
    return { type: 'ask', query: { kind: 'block-create', orderId: fact.orderId } };
  }
  if (create.status === 'voided') {
    return {
      type: 'record',
      outcome: outcomeOf(base, 'SKIPPED', {
        reason: 'no-shipbob-order',
        detail: `the order was ${fact.state} on the marketplace before its ShipBob order was created; none was, and none will be`,
      }),
      markRecorded: false,
    };
  }
  const gate = gateDecision(fact.envelope.storeId, config, base, { shipbob: true });
  if (gate.type !== 'open') return gate;
  if (!gate.config.cancelShipBobOnMarketplaceCancel) {
    return {
      type: 'record',
      outcome: outcomeOf(base, 'SKIPPED', {
        reason: 'marketplace-cancel-off',
        detail:
          'canceling ShipBob orders when the marketplace cancels is switched off for this store (second switch under Sync Cancelations)',
      }),
      markRecorded: false,
    };
  }
  const { effect } = state;
  if (effect?.status === 'done') return doneDecision(base, effect);

  if (state.shipbobOrder === undefined) {
    const shipbobOrderId =
      create.status === 'done' ? (create.externalIds['shipbobOrderId'] ?? null) : null;
    return {
      type: 'ask',
      query: { kind: 'shipbob-order', referenceId: fact.orderId, shipbobOrderId },
    };
  }
  const order = state.shipbobOrder;
  if (order === null) {
    if (create.status === 'claimed') {
      return { type: 'ask', query: { kind: 'void-claimed-create', orderId: fact.orderId } };
    }
    return {
      type: 'reject',
      reason: 'shipbob-order-not-found',
      outcome: outcomeOf(base, 'FAILED', {
        reason: 'shipbob-order-not-found',
        detail: `ShipBob does not find the order created for ${fact.orderId}; check it in ShipBob`,
      }),
    };
  }

  const externalIds = { miraklOrderId: fact.orderId, shipbobOrderId: order.id };
  const claimed = effect?.status === 'claimed';
  if (order.canceled) {
    if (claimed && state.refused === undefined) {
      return {
        type: 'complete',
        externalIds,
        outcome: outcomeOf(base, 'APPLIED', {
          detail: 'resumed: the ShipBob order was already canceled',
          externalIds,
        }),
      };
    }
    const outcome = outcomeOf(base, 'DUPLICATE', {
      reason: 'already-canceled',
      detail: 'the ShipBob order is already canceled; nothing was sent',
      externalIds,
    });
    return claimed
      ? { type: 'complete', externalIds, outcome }
      : { type: 'record', outcome, markRecorded: false };
  }
  const labeled = order.shipments.filter((s) => s.labeled && !s.canceled);
  if (labeled.length > 0) {
    const which = labeled.map((s) => `shipment ${s.id} is ${s.status}`).join(', ');
    return {
      type: 'reject',
      reason: 'already-labeled',
      outcome: outcomeOf(base, 'FAILED', {
        reason: 'already-labeled',
        detail: `already labeled: intercept in ShipBob (ShipBob order ${order.id}: ${which})`,
        externalIds,
      }),
    };
  }
  if (state.refused !== undefined) {
    const why = state.refused.length > 0 ? state.refused.join('; ') : 'no reason given';
    return {
      type: 'reject',
      reason: 'cancel-refused',
      outcome: outcomeOf(base, 'FAILED', {
        reason: 'cancel-refused',
        detail: `ShipBob refused to cancel order ${order.id} (${why}): intercept it in ShipBob`,
        externalIds,
      }),
    };
  }
  return {
    type: 'apply',
    command: { kind: 'shipbob-cancel', shipbobOrderId: order.id },
    resumed: claimed,
    base,
  };
}
