import { idempotencyKey } from '@msync/events';
import type { ShipBobOrder, Shipment } from '@msync/shipbob';
import type { SeenItem } from '@msync/platform';
import type { ShipBobFact } from './facts.js';

/** What one order snapshot produces: facts to emit, and what to remember of it (null: nothing). */
export interface ShipBobOrderDecision {
  facts: ShipBobFact[];
  remember: SeenItem | null;
  /** Labeled shipments held back because ShipBob gave no carrier yet (decided again later). */
  withoutCarrier: number[];
}

const labeledMark = (shipmentId: number) => `labeled:${shipmentId}`;
const shipmentCanceledMark = (shipmentId: number) => `canceled:${shipmentId}`;
const CANCELED_MARK = 'canceled';

/**
 * Which facts a ShipBob order snapshot produces, given what was seen of it. The snapshot may come
 * from polling or from a signed `order.shipped` webhook: the facts and keys are the same either way.
 *
 * - `ShipBobShipmentLabeled` once per shipment that reached the labeled state with a tracking
 *   number and a carrier (key `shipbob:<store>:shipment:<id>:labeled`);
 * - `ShipBobOrderCanceled` once per order canceled in ShipBob, or whose every shipment was
 *   canceled (key `shipbob:<store>:order:<id>:canceled`);
 * - `ShipBobOrderCanceled` with `partial` once per shipment canceled while another shipment of the
 *   order still ships or shipped, with what it held (key `shipbob:<store>:shipment:<id>:canceled`);
 * - a snapshot no newer than the one seen (the poller's deliberate overlap) produces nothing.
 */
export function decideShipBobOrderFacts(
  storeId: string,
  order: ShipBobOrder,
  seen: SeenItem | undefined,
): ShipBobOrderDecision {
  const version = order.updatedAt.getTime();
  if (seen && version <= seen.version) return { facts: [], remember: null, withoutCarrier: [] };

  const marks = new Set(seen?.marks ?? []);
  const { facts, withoutCarrier } = labeledFacts(storeId, order, order.shipments, marks);
  if (order.isCanceled && !marks.has(CANCELED_MARK)) {
    facts.push({
      topic: 'orderCanceledInShipBob',
      idempotencyKey: idempotencyKey('shipbob', storeId, 'order', order.id, 'canceled'),
      occurredAt: order.updatedAt,
      body: {
        shipbobOrderId: String(order.id),
        referenceId: order.referenceId,
        partial: false,
        shipmentId: null,
        canceledItems: [],
      },
    });
    marks.add(CANCELED_MARK);
  }
  if (!order.isCanceled) {
    // Part of the order canceled while the rest still ships: reported shipment by shipment.
    for (const shipment of order.shipments) {
      if (!shipment.isCanceled || marks.has(shipmentCanceledMark(shipment.id))) continue;
      facts.push({
        topic: 'orderCanceledInShipBob',
        idempotencyKey: idempotencyKey('shipbob', storeId, 'shipment', shipment.id, 'canceled'),
        occurredAt: shipment.lastUpdateAt ?? order.updatedAt,
        body: {
          shipbobOrderId: String(order.id),
          referenceId: order.referenceId,
          partial: true,
          shipmentId: String(shipment.id),
          canceledItems: shipment.skuItems.map((item) => ({ ...item })),
        },
      });
      marks.add(shipmentCanceledMark(shipment.id));
    }
  }
  return { facts, remember: { version, marks: [...marks].sort() }, withoutCarrier };
}

/**
 * The labeled fact of a shipment with this key: none while it is not labeled with a tracking
 * number, `without-carrier` while ShipBob has not filled the carrier in (Mirakl's OR23 needs one;
 * it is reported once ShipBob does).
 */
export function labeledFactOf(
  order: OrderRef,
  shipment: Shipment,
  idempotencyKey: string,
): ShipBobFact | 'without-carrier' | null {
  if (!shipment.isLabeled || !shipment.tracking) return null;
  const carrier = shipment.tracking.carrier;
  if (!carrier) return 'without-carrier';
  return {
    topic: 'shipmentLabeled',
    idempotencyKey,
    occurredAt: labeledAt(shipment, order),
    body: {
      shipbobOrderId: String(order.id),
      shipmentId: String(shipment.id),
      referenceId: order.referenceId,
      status: shipment.status,
      carrier,
      trackingNumber: shipment.tracking.trackingNumber,
      trackingUrl: shipment.tracking.trackingUrl,
    },
  };
}

function labeledAt(shipment: Shipment, order: OrderRef): Date {
  return shipment.lastUpdateAt ?? order.updatedAt;
}

/** What a labeled fact needs of the shipment's order. */
export type OrderRef = Pick<ShipBobOrder, 'id' | 'referenceId' | 'updatedAt'>;

/**
 * `ShipBobShipmentLabeled` for each of `shipments` labeled with a tracking number and a carrier
 * and not in `marks` (which it adds to); labels without a carrier are listed, not emitted.
 */
export function labeledFacts(
  storeId: string,
  order: OrderRef,
  shipments: readonly Shipment[],
  marks: Set<string>,
): { facts: ShipBobFact[]; withoutCarrier: number[] } {
  const facts: ShipBobFact[] = [];
  const withoutCarrier: number[] = [];
  for (const shipment of shipments) {
    if (marks.has(labeledMark(shipment.id))) continue;
    const fact = labeledFactOf(
      order,
      shipment,
      idempotencyKey('shipbob', storeId, 'shipment', shipment.id, 'labeled'),
    );
    if (fact === 'without-carrier') withoutCarrier.push(shipment.id);
    else if (fact) {
      facts.push(fact);
      marks.add(labeledMark(shipment.id));
    }
  }
  return { facts, withoutCarrier };
}
