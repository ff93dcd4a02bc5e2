import type { MiraklOrderAwaitingAcceptance } from '@msync/events';
import {
  doneDecision,
  gateDecision,
  outcomeOf,
  type Decision,
  type LedgerEntry,
  type OutcomeBase,
} from './decision.js';
import {
  decideFromMiraklState,
  type MiraklOrderQuery,
  type MiraklStateKnown,
} from './mirakl-resume.js';
import type { StoreConfig } from './store-config.js';

/** OR21 accepting every line of the order in one call. */
export interface AcceptCommand {
  kind: 'mirakl-accept';
  orderId: string;
  lineIds: string[];
}

export interface AcceptState {
  effect: LedgerEntry | null;
  mirakl?: MiraklStateKnown;
}

export type AcceptDecision = Decision<MiraklOrderQuery, AcceptCommand>;

export const acceptEffectKey = (orderId: string) => `accept:${orderId}`;

/** What every outcome of this action for the order shares. */
export function acceptBase(miraklOrderId: string): OutcomeBase {
  return {
    flow: 'orders',
    action: 'accept',
    effectKey: acceptEffectKey(miraklOrderId),
    target: 'MIRAKL',
    miraklOrderId,
  };
}

/** Accept (flow `orders`): an order waiting for acceptance is accepted, every line at once. */
export function decideAccept(
  fact: MiraklOrderAwaitingAcceptance,
  config: StoreConfig | undefined,
  state: AcceptState,
): AcceptDecision {
  const base = acceptBase(fact.orderId);
  const gate = gateDecision(fact.envelope.storeId, config, base);
  if (gate.type !== 'open') return gate;
  if (fact.lines.length === 0) {
    return {
      type: 'reject',
      reason: 'bad-payload',
      outcome: outcomeOf(base, 'FAILED', {
        reason: 'bad-payload',
        detail: 'the order has no lines to accept',
      }),
    };
  }
  const command: AcceptCommand = {
    kind: 'mirakl-accept',
    orderId: fact.orderId,
    lineIds: fact.lines.map((line) => line.orderLineId),
  };
  const { effect } = state;
  if (effect?.status === 'done') return doneDecision(base, effect);
  if (state.mirakl) return decideFromMiraklState(base, state.mirakl, 'accepted', command, {});
  if (effect?.status === 'claimed') {
    return { type: 'ask', query: { kind: 'mirakl-order-state', orderId: fact.orderId } };
  }
  return { type: 'apply', command, resumed: false, base };
}
