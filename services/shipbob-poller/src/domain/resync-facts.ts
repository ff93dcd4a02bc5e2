import { idempotencyKey } from '@msync/events';
import type { ShipBobOrder } from '@msync/shipbob';
import { labeledFactOf, type ShipBobOrderDecision } from './order-facts.js';

/** How far back a resync reads the channel's orders by default: the first pass's horizon. */
export const DEFAULT_RESYNC_LOOKBACK_MS = 7 * 24 * 3600_000;

/**
 * Which facts a resync re-emits for a ShipBob order snapshot (ADR 0055), whatever was seen of
 * it: a labeled fact per shipment labeled with a tracking number and a carrier, so a label
 * reported while the store was disconnected or Tracking off, and skipped, reaches Mirakl now
 * (one already sent is a `DUPLICATE` at the applier). The key is the ordinary one plus
 * `:resync:<resync time ms>`: a consumer that drops repeated keys still takes it, and the same
 * resync run again gives the same keys. Cancellations are not re-emitted (the tracking flow is
 * what a resync catches up); nothing is remembered.
 */
export function decideShipBobResyncFacts(
  storeId: string,
  order: ShipBobOrder,
  resyncAt: number,
): ShipBobOrderDecision {
  const decision: ShipBobOrderDecision = { facts: [], remember: null, withoutCarrier: [] };
  for (const shipment of order.shipments) {
    const key = idempotencyKey(
      'shipbob',
      storeId,
      'shipment',
      shipment.id,
      'labeled',
      'resync',
      resyncAt,
    );
    const fact = labeledFactOf(order, shipment, key);
    if (fact === 'without-carrier') decision.withoutCarrier.push(shipment.id);
    else if (fact) decision.facts.push(fact);
  }
  return decision;
}
