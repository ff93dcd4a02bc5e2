import type { SeenItem } from '@msync/platform';
import type { ShipBobWebhook } from '@msync/shipbob';
import type { ShipBobFact } from './facts.js';
import { decideShipBobOrderFacts, labeledFacts } from './order-facts.js';

/** What a verified webhook becomes. */
export type WebhookDecision =
  | {
      kind: 'facts';
      /** The ShipBob order the facts are about: the seen-set entry to add `remember` to. */
      orderId: string;
      facts: ShipBobFact[];
      remember: SeenItem | null;
      withoutCarrier: number[];
    }
  /** The body cannot decide it alone: a shipments pass of the store is asked for. */
  | { kind: 'poll'; why: 'shipment-canceled' | 'no-order-reference' }
  | { kind: 'ignore'; why: 'returns-not-synced' | 'topic-not-read' | 'nothing-to-report' };

/** The ShipBob order a webhook is about (its seen-set entry), or null. */
export function webhookOrderId(webhook: ShipBobWebhook): string | null {
  switch (webhook.kind) {
    case 'order':
      return String(webhook.order.id);
    case 'shipment':
      return String(webhook.shipment.orderId);
    case 'return':
    case 'other':
      return null;
  }
}

/**
 * What a verified ShipBob webhook becomes, given what was seen of its order (the shipments
 * stream's seen-set, shared with polling), so that the pushed and the polled paths emit the same
 * facts under the same keys and never one twice:
 *
 * - `order.shipped` carries the order: exactly the polled decision ({@link decideShipBobOrderFacts});
 * - a labeled shipment (`order.shipment.delivered`, or `order.shipped` lost): its
 *   `ShipBobShipmentLabeled` unless already emitted; the order's version is left as it was,
 *   since one shipment is not the whole order and a pass must still read the others;
 * - a canceled shipment: whether the order is canceled depends on its other shipments, so a
 *   shipments pass is asked for; so is a labeled shipment that does not name its order;
 * - returns (no returns stream yet) and other topics are ignored: polling stays the source of
 *   truth.
 */
export function decideShipBobWebhook(
  storeId: string,
  webhook: ShipBobWebhook,
  seen: SeenItem | undefined,
): WebhookDecision {
  switch (webhook.kind) {
    case 'order': {
      const decision = decideShipBobOrderFacts(storeId, webhook.order, seen);
      return { kind: 'facts', orderId: String(webhook.order.id), ...decision };
    }
    case 'shipment': {
      const { shipment, referenceId } = webhook;
      if (shipment.isCanceled) return { kind: 'poll', why: 'shipment-canceled' };
      if (!shipment.isLabeled) return { kind: 'ignore', why: 'nothing-to-report' };
      if (!referenceId) return { kind: 'poll', why: 'no-order-reference' };
      const marks = new Set(seen?.marks ?? []);
      const { facts, withoutCarrier } = labeledFacts(
        storeId,
        { id: shipment.orderId, referenceId, updatedAt: shipment.lastUpdateAt ?? new Date(0) },
        [shipment],
        marks,
      );
      return {
        kind: 'facts',
        orderId: String(shipment.orderId),
        facts,
        remember:
          facts.length > 0 ? { version: seen?.version ?? 0, marks: [...marks].sort() } : null,
        withoutCarrier,
      };
    }
    case 'return':
      return { kind: 'ignore', why: 'returns-not-synced' };
    case 'other':
      return { kind: 'ignore', why: 'topic-not-read' };
  }
}
