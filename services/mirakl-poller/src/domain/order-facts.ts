import { idempotencyKey } from '@msync/events';
import type { MiraklOrder, MiraklOrderLine } from '@msync/mirakl';
import type { SeenItem } from '@msync/platform';
import type { MiraklFact } from './facts.js';

/** What one order snapshot produces: facts to emit, and what to remember of it (null: nothing). */
export interface OrderDecision {
  facts: MiraklFact[];
  remember: SeenItem | null;
  /** Why an order in a fact-producing state produced no fact (for logs and metrics). */
  anomaly?: 'shipping-without-address';
}

const stateMark = (state: string) => `state:${state}`;
const incidentMark = (lineId: string) => `incident:${lineId}`;
const NOT_SHIPPED_LINE_STATES = new Set(['REFUSED', 'CANCELED', 'REFUNDED']);

/**
 * Which facts an OR11 order snapshot produces, given what was seen of the order before.
 *
 * - A snapshot no newer than the one seen (Mirakl's deliberate window overlap) produces nothing.
 * - Each state fact (awaiting acceptance, ready to ship, canceled/refused) is emitted once per
 *   order: the seen entry keeps a mark per state already reported, so later updates of an order
 *   in the same state (tracking set, an incident) do not repeat it.
 * - One incident fact per line that is `INCIDENT_OPEN` now and was not open at the last snapshot;
 *   a line whose incident closed and opens again is a new incident.
 * - Idempotency keys come from the snapshot (`mirakl:<store>:order:<id>:<state>:<lastUpdated ms>`),
 *   so re-reading the same snapshot after a crash yields the same keys.
 */
export function decideOrderFacts(
  storeId: string,
  order: MiraklOrder,
  seen: SeenItem | undefined,
): OrderDecision {
  const version = order.lastUpdatedAt.getTime();
  if (seen && version <= seen.version) return { facts: [], remember: null };

  const marks = new Set(seen?.marks ?? []);
  const facts: MiraklFact[] = [];
  let anomaly: OrderDecision['anomaly'];
  const key = (...parts: (string | number)[]) =>
    idempotencyKey('mirakl', storeId, 'order', order.orderId, ...parts);

  const stateFact = stateFactOf(order, key(order.state, version));
  if (stateFact === 'missing-address') anomaly = 'shipping-without-address';
  else if (stateFact && !marks.has(stateMark(order.state))) {
    facts.push(stateFact);
    marks.add(stateMark(order.state));
  }

  const openNow = order.lines.filter((line) => line.state === 'INCIDENT_OPEN');
  for (const line of openNow) {
    if (marks.has(incidentMark(line.lineId))) continue;
    facts.push({
      topic: 'incidentOpened',
      idempotencyKey: key('line', line.lineId, 'INCIDENT_OPEN', version),
      occurredAt: order.lastUpdatedAt,
      body: {
        orderId: order.orderId,
        orderLineId: line.lineId,
        offerSku: line.sku,
        quantity: line.quantity,
        reasonCode: line.stateReasonCode ?? null,
        reasonLabel: line.stateReasonLabel ?? null,
      },
    });
  }
  // Only currently open incidents are remembered: a closed one may open again later.
  for (const mark of [...marks]) if (mark.startsWith('incident:')) marks.delete(mark);
  for (const line of openNow) marks.add(incidentMark(line.lineId));

  return {
    facts,
    remember: { version, marks: [...marks].sort() },
    ...(anomaly ? { anomaly } : {}),
  };
}

/**
 * The fact an order's state produces with this key: awaiting acceptance, ready to ship (or
 * `missing-address` when Mirakl did not reveal it), canceled/refused, or none for other states.
 */
export function stateFactOf(
  order: MiraklOrder,
  idempotencyKey: string,
): MiraklFact | 'missing-address' | null {
  const occurredAt = order.lastUpdatedAt;
  switch (order.state) {
    case 'WAITING_ACCEPTANCE':
      return {
        topic: 'orderAwaitingAcceptance',
        idempotencyKey,
        occurredAt,
        body: {
          orderId: order.orderId,
          commercialId: order.commercialId,
          createdAt: order.createdAt.getTime(),
          acceptanceDeadline: null,
          lines: order.lines.map((line) => ({
            orderLineId: line.lineId,
            offerSku: line.sku,
            quantity: line.quantity,
            state: line.state,
          })),
        },
      };
    case 'SHIPPING': {
      const address = order.shippingAddress;
      // Mirakl reveals the address in SHIPPING; without it no ShipBob order can be made, so the
      // order is left unmarked and decided again at its next change.
      if (!address) return 'missing-address';
      return {
        topic: 'orderReadyToShip',
        idempotencyKey,
        occurredAt,
        body: {
          orderId: order.orderId,
          commercialId: order.commercialId,
          shippingMethod: order.shippingTypeCode || null,
          currency: order.currency || null,
          lines: order.lines.filter(isToShip).map((line) => ({
            orderLineId: line.lineId,
            offerSku: line.sku,
            productTitle: line.title || null,
            quantity: line.quantity,
            unitPrice: String(line.unitPrice),
          })),
          shippingAddress: {
            firstName: address.firstName ?? null,
            lastName: address.lastName || null,
            company: address.company ?? null,
            street1: address.street1,
            street2: address.street2 ?? null,
            city: address.city,
            state: address.state ?? null,
            zipCode: address.zipCode ?? null,
            country: address.countryIso3 || address.country,
            phone: address.phone ?? null,
          },
          customerEmail: null,
        },
      };
    }
    case 'CANCELED':
    case 'REFUSED':
      return {
        topic: 'orderCanceledOnMarketplace',
        idempotencyKey,
        occurredAt,
        body: {
          orderId: order.orderId,
          state: order.state,
          reason: order.lines.find((line) => line.stateReasonCode)?.stateReasonCode ?? null,
        },
      };
    // Stryker disable next-line ConditionalExpression: without this case the function returns undefined, read as null too
    default:
      // STAGING, the payment states, SHIPPED and later, and states Mirakl may add: no fact.
      return null;
  }
}

function isToShip(line: MiraklOrderLine): boolean {
  return !NOT_SHIPPED_LINE_STATES.has(line.state);
}
