import type { ShipBobOrderCanceled } from '@msync/events';
import {
  doneDecision,
  gateDecision,
  outcomeOf,
  type Decision,
  type LedgerEntry,
  type OutcomeBase,
} from './decision.js';
import type { StoreConfig } from './store-config.js';

/** A Mirakl order as the cancellation decisions read it (OR11). */
export interface MiraklOrderView {
  state: string;
  /** Mirakl's own answer to "may the shop cancel this order now" (OR11 `can_cancel`). */
  canCancel: boolean;
  lines: { lineId: string; sku: string; quantity: number; state: string }[];
}

/** OR29: the whole Mirakl order canceled. */
export interface CancelCommand {
  kind: 'mirakl-cancel';
  orderId: string;
  externalIds: Record<string, string>;
}

export type CancelQuery = { kind: 'mirakl-order'; orderId: string };

export interface CancelState {
  effect: LedgerEntry | null;
  /**
   * The Mirakl order once known (`order: null`: Mirakl does not know it): read before calling,
   * or learnt from OR29's refusal (then `canCancel` is false).
   */
  mirakl?: { order: MiraklOrderView | null; via: 'read' | 'wrong-state' };
}

export type CancelDecision = Decision<CancelQuery, CancelCommand>;

export const cancelEffectKey = (miraklOrderId: string) => `cancel:${miraklOrderId}`;
export const cancelLinesEffectKey = (miraklOrderId: string, shipmentId: string) =>
  `cancel-lines:${miraklOrderId}:${shipmentId}`;

/** States past shipment: nothing left to cancel, only to refund. */
const SHIPPED_STATES = new Set(['SHIPPED', 'TO_COLLECT', 'RECEIVED', 'CLOSED']);
/** Order states that already mean "will not be fulfilled". */
const ENDED_STATES = new Set(['CANCELED', 'REFUSED']);
/** Line states that will not ship anyway. */
const CLOSED_LINE_STATES = new Set(['CANCELED', 'REFUSED', 'REFUNDED']);

/** What every outcome of this fact shares: the whole order, or one canceled shipment's lines. */
export function cancelBase(fact: ShipBobOrderCanceled): OutcomeBase {
  const miraklOrderId = fact.referenceId;
  return fact.partial
    ? {
        flow: 'cancellations',
        action: 'cancel-lines',
        effectKey: cancelLinesEffectKey(miraklOrderId, fact.shipmentId ?? ''),
        target: 'MIRAKL',
        miraklOrderId,
      }
    : {
        flow: 'cancellations',
        action: 'cancel',
        effectKey: cancelEffectKey(miraklOrderId),
        target: 'MIRAKL',
        miraklOrderId,
      };
}

/**
 * Sync Cancelations (ShipBob → Mirakl, ADR 0068): an order canceled in ShipBob is canceled in
 * Mirakl with OR29 when Mirakl says the shop can (`can_cancel`). Already canceled (or refused):
 * DUPLICATE. Shipped, or a state or payment Mirakl refuses: FAILED with what the seller can do.
 * A shipment canceled while the rest of the order ships: FAILED naming the Mirakl lines (OR29 is
 * all or nothing; line cancellation is left to the seller).
 */
export function decideCancel(
  fact: ShipBobOrderCanceled,
  config: StoreConfig | undefined,
  state: CancelState,
): CancelDecision {
  const base = cancelBase(fact);
  // Only Mirakl is called: the ShipBob token is not needed for this flow.
  const gate = gateDecision(fact.envelope.storeId, config, base, { shipbob: false });
  if (gate.type !== 'open') return gate;
  const problems = [
    fact.referenceId.trim() ? undefined : 'the ShipBob order names no marketplace order',
    fact.partial && !fact.shipmentId?.trim()
      ? 'the partial cancellation names no shipment'
      : undefined,
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) {
    return {
      type: 'reject',
      reason: 'bad-payload',
      outcome: outcomeOf(base, 'FAILED', { reason: 'bad-payload', detail: problems.join('; ') }),
    };
  }
  const { effect } = state;
  if (effect?.status === 'done') return doneDecision(base, effect);
  if (state.mirakl === undefined) {
    return { type: 'ask', query: { kind: 'mirakl-order', orderId: fact.referenceId } };
  }

  const { order, via } = state.mirakl;
  const externalIds: Record<string, string> = {
    miraklOrderId: fact.referenceId,
    shipbobOrderId: fact.shipbobOrderId,
    ...(fact.shipmentId ? { shipmentId: fact.shipmentId } : {}),
  };
  if (order === null) {
    return {
      type: 'reject',
      reason: 'order-not-found',
      outcome: outcomeOf(base, 'FAILED', {
        reason: 'order-not-found',
        detail: `Mirakl does not know order ${fact.referenceId} (the reference of ShipBob order ${fact.shipbobOrderId})`,
        externalIds,
      }),
    };
  }
  const claimed = effect?.status === 'claimed';
  if (ENDED_STATES.has(order.state)) {
    if (claimed && via === 'read') {
      // Our OR29 went through before the process stopped.
      return {
        type: 'complete',
        externalIds,
        outcome: outcomeOf(base, 'APPLIED', {
          detail: `resumed: the order was already ${order.state} in Mirakl`,
          externalIds,
        }),
      };
    }
    const outcome = outcomeOf(base, 'DUPLICATE', {
      reason: 'already-canceled',
      detail: `the order is already ${order.state} in Mirakl; nothing was sent`,
      externalIds,
    });
    return claimed
      ? { type: 'complete', externalIds, outcome }
      : { type: 'record', outcome, markRecorded: false };
  }
  if (fact.partial) return partialCancellation(base, fact, order, externalIds);
  if (order.canCancel && via === 'read') {
    return {
      type: 'apply',
      command: { kind: 'mirakl-cancel', orderId: fact.referenceId, externalIds },
      resumed: claimed,
      base,
    };
  }
  return {
    type: 'reject',
    ...cannotCancel(base, order, via, externalIds),
  };
}

/** Mirakl will not let the shop cancel: the reason and what the seller can do instead. */
function cannotCancel(
  base: OutcomeBase,
  order: MiraklOrderView,
  via: 'read' | 'wrong-state',
  externalIds: Record<string, string>,
): Pick<Extract<CancelDecision, { type: 'reject' }>, 'reason' | 'outcome'> {
  if (SHIPPED_STATES.has(order.state)) {
    const detail = `the order is ${order.state} in Mirakl, so it can no longer be canceled; if it will not reach the customer, refund it in Mirakl`;
    return {
      reason: 'already-shipped',
      outcome: outcomeOf(base, 'FAILED', { reason: 'already-shipped', detail, externalIds }),
    };
  }
  const instead =
    order.state === 'WAITING_ACCEPTANCE'
      ? 'refuse it in Mirakl instead'
      : 'ask the marketplace operator to cancel it, or ship it';
  const refused =
    via === 'wrong-state' ? 'refused the cancellation' : 'does not allow canceling it';
  const detail = `Mirakl ${refused} (order ${order.state}, e.g. the customer was already debited): ${instead}`;
  return {
    reason: 'cancel-not-allowed',
    outcome: outcomeOf(base, 'FAILED', { reason: 'cancel-not-allowed', detail, externalIds }),
  };
}

/**
 * Part of the order canceled in ShipBob: OR29 would cancel the lines still shipping too, and
 * line cancellation (OR30) needs an operator feature, a reason code and amounts the product
 * does not decide (ADR 0068). The seller is told which Mirakl lines will not ship.
 */
function partialCancellation(
  base: OutcomeBase,
  fact: ShipBobOrderCanceled,
  order: MiraklOrderView,
  externalIds: Record<string, string>,
): CancelDecision {
  const open = order.lines.filter((line) => !CLOSED_LINE_STATES.has(line.state));
  const lineIds: string[] = [];
  const parts = fact.canceledItems.map((item) => {
    const lines = open.filter((line) => line.sku === item.sku).map((line) => line.lineId);
    lineIds.push(...lines);
    return lines.length > 0
      ? `${item.quantity} × ${item.sku} (Mirakl line ${lines.join(', ')})`
      : `${item.quantity} × ${item.sku} (no open Mirakl line has this SKU)`;
  });
  const what = parts.length > 0 ? parts.join('; ') : 'its items (ShipBob did not say which)';
  const todo = SHIPPED_STATES.has(order.state)
    ? `the order is ${order.state} in Mirakl: refund these lines there`
    : 'cancel these lines in Mirakl, or have them shipped';
  const detail = `ShipBob canceled shipment ${fact.shipmentId} while the rest of the order ships: ${what} will not ship. Mirakl's order cancellation covers whole orders only; ${todo}`;
  const ids =
    lineIds.length > 0 ? { ...externalIds, miraklOrderLineIds: lineIds.join(',') } : externalIds;
  return {
    type: 'reject',
    reason: 'partial-cancel',
    outcome: outcomeOf(base, 'FAILED', { reason: 'partial-cancel', detail, externalIds: ids }),
  };
}
