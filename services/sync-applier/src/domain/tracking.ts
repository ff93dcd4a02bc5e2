import type { ShipBobShipmentLabeled } from '@msync/events';
import type { ShipmentTracking } from '@msync/mirakl';
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

/** OR23 (carrier and tracking) then OR24 (ship) on the Mirakl order. */
export interface ShipCommand {
  kind: 'mirakl-ship';
  orderId: string;
  tracking: ShipmentTracking;
  /** Kept with the effect: which ShipBob shipment gave the tracking. */
  externalIds: Record<string, string>;
  /**
   * The order already carries this tracking number (an earlier attempt's OR23 went through before
   * it stopped): only OR24 is left to send.
   */
  trackingSet?: true;
}

export interface TrackingState {
  effect: LedgerEntry | null;
  mirakl?: MiraklStateKnown;
}

export type TrackingDecision = Decision<MiraklOrderQuery, ShipCommand>;

/** One per Mirakl order: its tracking is order-level, so the first labeled shipment ships it. */
export const shipEffectKey = (miraklOrderId: string) => `ship:${miraklOrderId}`;

/** What every outcome of this action for the order shares. */
export function trackingBase(miraklOrderId: string): OutcomeBase {
  return {
    flow: 'tracking',
    action: 'ship',
    effectKey: shipEffectKey(miraklOrderId),
    target: 'MIRAKL',
    miraklOrderId,
  };
}

/** Tracking (flow `tracking`): a labeled ShipBob shipment gives the Mirakl order its tracking and ships it. */
export function decideTracking(
  fact: ShipBobShipmentLabeled,
  config: StoreConfig | undefined,
  state: TrackingState,
): TrackingDecision {
  const base = trackingBase(fact.referenceId);
  // Only Mirakl is called: the flow needs no ShipBob token (store-config.ts).
  const gate = gateDecision(fact.envelope.storeId, config, base);
  if (gate.type !== 'open') return gate;
  const { effect } = state;
  if (effect?.status === 'done') return doneDecision(base, effect);
  const problems = [
    fact.referenceId.trim() ? undefined : 'the shipment names no marketplace order',
    fact.trackingNumber.trim() ? undefined : 'the shipment has no tracking number',
    fact.carrier.trim() ? undefined : 'the shipment has no carrier',
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) {
    return {
      type: 'reject',
      reason: 'bad-payload',
      outcome: outcomeOf(base, 'FAILED', { reason: 'bad-payload', detail: problems.join('; ') }),
    };
  }
  const command: ShipCommand = {
    kind: 'mirakl-ship',
    orderId: fact.referenceId,
    tracking: {
      carrierName: fact.carrier.trim(),
      trackingNumber: fact.trackingNumber.trim(),
      ...(fact.trackingUrl ? { trackingUrl: fact.trackingUrl } : {}),
    },
    externalIds: {
      shipbobOrderId: fact.shipbobOrderId,
      shipmentId: fact.shipmentId,
      trackingNumber: fact.trackingNumber.trim(),
    },
  };
  if (state.mirakl) {
    const trackingSet = state.mirakl.trackingNumber === command.tracking.trackingNumber;
    return decideFromMiraklState(
      base,
      state.mirakl,
      'shipped',
      trackingSet ? { ...command, trackingSet: true as const } : command,
      command.externalIds,
    );
  }
  if (effect?.status === 'claimed') {
    return { type: 'ask', query: { kind: 'mirakl-order-state', orderId: fact.referenceId } };
  }
  return { type: 'apply', command, resumed: false, base };
}
