import type { SeenItem } from '@msync/platform';
import type { ShipBobWebhook } from '@msync/shipbob';
import type { ShipBobFact } from './facts.js';
import { decideShipBobOrderFacts, labeledFacts } from './order-facts.js';
import { decideShipBobReturnFacts } from './return-facts.js';

/** What a verified webhook becomes. */
export type WebhookDecision =
  | {
      kind: 'facts';
      /** The seen-set entry (of {@link webhookSubject}'s stream) to add `remember` to. */
      itemId: string;
      facts: ShipBobFact[];
      remember: SeenItem | null;
      withoutCarrier: number[];
    }
  /** The body cannot decide it alone: a shipments pass of the store is asked for. */
  | { kind: 'poll'; why: 'shipment-canceled' | 'no-order-reference' }
  | { kind: 'ignore'; why: 'returns-not-synced' | 'topic-not-read' | 'nothing-to-report' };

/** The stream whose seen-set a webhook is decided against. */
export type WebhookStream = 'shipments' | 'returns';

/**
 * What a webhook is about: its stream's seen-set entry (the ShipBob order, or the return), or
 * null when it is about nothing we read.
 */
export function webhookSubject(
  webhook: ShipBobWebhook,
): { stream: WebhookStream; itemId: string } | null {
  switch (webhook.kind) {
    case 'order':
      return { stream: 'shipments', itemId: String(webhook.order.id) };
    case 'shipment':
      return { stream: 'shipments', itemId: String(webhook.shipment.orderId) };
    case 'return':
      return { stream: 'returns', itemId: String(webhook.returnOrder.id) };
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
 * - `return.*` carries the return: exactly the returns stream's decision
 *   ({@link decideShipBobReturnFacts}), against the returns seen-set, when the store syncs
 *   returns (`returnsSynced`: its toggle and the returns approval), ignored otherwise;
 * - other topics are ignored: polling stays the source of truth.
 */
export function decideShipBobWebhook(
  storeId: string,
  webhook: ShipBobWebhook,
  seen: SeenItem | undefined,
  context?: { returnsSynced: boolean; receivedAt: Date },
): WebhookDecision {
  switch (webhook.kind) {
    case 'order': {
      const decision = decideShipBobOrderFacts(storeId, webhook.order, seen);
      return { kind: 'facts', itemId: String(webhook.order.id), ...decision };
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
        itemId: String(shipment.orderId),
        facts,
        remember:
          facts.length > 0 ? { version: seen?.version ?? 0, marks: [...marks].sort() } : null,
        withoutCarrier,
      };
    }
    case 'return': {
      if (!context?.returnsSynced) return { kind: 'ignore', why: 'returns-not-synced' };
      const ret = webhook.returnOrder;
      const decision = decideShipBobReturnFacts(storeId, ret, seen, context.receivedAt);
      return { kind: 'facts', itemId: String(ret.id), ...decision, withoutCarrier: [] };
    }
    case 'other':
      return { kind: 'ignore', why: 'topic-not-read' };
  }
}
