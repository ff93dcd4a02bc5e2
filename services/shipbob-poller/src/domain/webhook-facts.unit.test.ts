import { describe, expect, it } from '@jest/globals';
import type { SeenItem } from '@msync/platform';
import type { ShipBobOrder, ShipBobWebhook, Shipment } from '@msync/shipbob';
import { STORE, labeled, later, order as orderWith } from '../test-support/orders.js';
import { decideShipBobOrderFacts } from './order-facts.js';
import { decideShipBobReturnFacts } from './return-facts.js';
import { returnOrder } from '../test-support/returns.js';
import { decideShipBobWebhook, webhookSubject } from './webhook-facts.js';

/** The labeled shipment; `shipment` here means a labeled one unless told otherwise. */
const shipment = labeled;
const order = (shipments: Shipment[], updatedAt = later(10)): ShipBobOrder =>
  orderWith({ shipments, updatedAt });

const shipped = (o: ShipBobOrder): ShipBobWebhook => ({
  topic: 'order.shipped',
  kind: 'order',
  order: o,
});
const shipmentHook = (
  s: Shipment,
  topic = 'order.shipment.delivered',
  referenceId: string | null = 'MIRAKL-1-A',
): ShipBobWebhook => ({ topic, kind: 'shipment', shipment: s, referenceId });

const keys = (facts: { idempotencyKey: string }[]) => facts.map((f) => f.idempotencyKey);
const LABELED_501 = `shipbob:${STORE}:shipment:501:labeled`;

/** The webhook decided, then what it remembers merged as the receiver does. */
function afterWebhook(webhook: ShipBobWebhook, seen?: SeenItem) {
  const decision = decideShipBobWebhook(STORE, webhook, seen);
  if (decision.kind !== 'facts' || !decision.remember) return { decision, seen };
  const merged: SeenItem = {
    version: Math.max(seen?.version ?? 0, decision.remember.version),
    marks: [...new Set([...(seen?.marks ?? []), ...decision.remember.marks])].sort(),
  };
  return { decision, seen: merged };
}

describe('decideShipBobWebhook', () => {
  it('given order.shipped, emits exactly the facts and keys polling would for the same order', () => {
    const snapshot = order([shipment()]);
    const pushed = decideShipBobWebhook(STORE, shipped(snapshot), undefined);
    const polled = decideShipBobOrderFacts(STORE, snapshot, undefined);
    expect(pushed).toEqual({ kind: 'facts', itemId: '900', ...polled });
    expect(keys(polled.facts)).toEqual([LABELED_501]);
  });

  it('given order.shipped was handled, polling the same or a later snapshot emits nothing again', () => {
    const { seen } = afterWebhook(shipped(order([shipment()])));
    expect(decideShipBobOrderFacts(STORE, order([shipment()]), seen).facts).toEqual([]);
    const delivered = shipment({ status: 'Completed', lastUpdateAt: later(99) });
    expect(decideShipBobOrderFacts(STORE, order([delivered], later(99)), seen).facts).toEqual([]);
  });

  it('given a delivered shipment never reported labeled, emits its labeled fact under the polled key', () => {
    const delivered = shipment({ status: 'Completed', lastUpdateAt: later(50) });
    const decision = decideShipBobWebhook(STORE, shipmentHook(delivered), undefined);
    expect(decision).toMatchObject({
      kind: 'facts',
      itemId: '900',
      remember: { version: 0, marks: ['labeled:501'] },
    });
    const polled = decideShipBobOrderFacts(STORE, order([delivered], later(50)), undefined);
    expect(decision.kind === 'facts' && decision.facts).toEqual(polled.facts);
  });

  it('given a shipment reported alone, a pass still reads the order and reports its other shipments', () => {
    const first = shipment();
    const second = shipment({ id: 502, lastUpdateAt: later(5) });
    const { seen } = afterWebhook(shipmentHook(first));
    const polled = decideShipBobOrderFacts(STORE, order([first, second]), seen);
    expect(keys(polled.facts)).toEqual([`shipbob:${STORE}:shipment:502:labeled`]);
  });

  it('given the shipment was already reported (by either path), emits nothing and remembers nothing', () => {
    const polledFirst = decideShipBobOrderFacts(STORE, order([shipment()]), undefined).remember!;
    expect(decideShipBobWebhook(STORE, shipmentHook(shipment()), polledFirst)).toMatchObject({
      facts: [],
      remember: null,
    });
    expect(decideShipBobWebhook(STORE, shipped(order([shipment()])), polledFirst)).toMatchObject({
      facts: [],
      remember: null,
    });
  });

  it('is idempotent when the same webhook is decided twice', () => {
    const hook = shipmentHook(shipment());
    const once = afterWebhook(hook);
    expect(afterWebhook(hook, once.seen).decision).toMatchObject({ facts: [], remember: null });
  });

  it('given a canceled shipment, asks for a pass: the order is canceled only if every shipment is', () => {
    const canceled = shipment({ status: 'Cancelled', isCanceled: true, isLabeled: false });
    expect(
      decideShipBobWebhook(STORE, shipmentHook(canceled, 'order.shipment.cancelled'), undefined),
    ).toEqual({ kind: 'poll', why: 'shipment-canceled' });
  });

  it('given a labeled shipment without its order reference, asks for a pass', () => {
    expect(
      decideShipBobWebhook(STORE, shipmentHook(shipment(), undefined, null), undefined),
    ).toEqual({ kind: 'poll', why: 'no-order-reference' });
  });

  it('given a label without a carrier, holds it back as polling does', () => {
    const noCarrier = shipment({
      tracking: { carrier: null, trackingNumber: '1Z', trackingUrl: null },
    });
    expect(decideShipBobWebhook(STORE, shipmentHook(noCarrier), undefined)).toMatchObject({
      facts: [],
      remember: null,
      withoutCarrier: [501],
    });
  });

  it('ignores shipments with nothing to report, returns and topics it does not read', () => {
    const exception = shipment({ status: 'Exception', isLabeled: false, tracking: null });
    expect(
      decideShipBobWebhook(STORE, shipmentHook(exception, 'order.shipment.exception'), undefined),
    ).toEqual({ kind: 'ignore', why: 'nothing-to-report' });
    const ret: ShipBobWebhook = {
      topic: 'return.completed',
      kind: 'return',
      returnOrder: returnOrder({ status: 'Completed' }),
    };
    expect(decideShipBobWebhook(STORE, ret, undefined)).toEqual({
      kind: 'ignore',
      why: 'returns-not-synced',
    });
    expect(decideShipBobWebhook(STORE, { topic: 'wro.created', kind: 'other' }, undefined)).toEqual(
      { kind: 'ignore', why: 'topic-not-read' },
    );
    expect(webhookSubject({ topic: 'wro.created', kind: 'other' })).toBeNull();
  });

  it('names the order or the return a webhook is about, with its stream', () => {
    expect(webhookSubject(shipped(order([])))).toEqual({ stream: 'shipments', itemId: '900' });
    expect(webhookSubject(shipmentHook(shipment({ orderId: 77 })))).toEqual({
      stream: 'shipments',
      itemId: '77',
    });
    expect(
      webhookSubject({ topic: 'return.updated', kind: 'return', returnOrder: returnOrder() }),
    ).toEqual({ stream: 'returns', itemId: '3' });
  });

  it('given a return webhook of a store that syncs returns, emits exactly the polled decision', () => {
    const snapshot = returnOrder({ status: 'Completed', changedAt: later(70) });
    const hook: ShipBobWebhook = {
      topic: 'return.completed',
      kind: 'return',
      returnOrder: snapshot,
    };
    const context = { returnsSynced: true, receivedAt: later(80) };
    const polled = decideShipBobReturnFacts(STORE, snapshot, undefined, later(80));
    expect(decideShipBobWebhook(STORE, hook, undefined, context)).toEqual({
      kind: 'facts',
      itemId: '3',
      ...polled,
      withoutCarrier: [],
    });
    expect(keys(polled.facts)).toEqual([`shipbob:${STORE}:return:3:Completed`]);
    expect(decideShipBobWebhook(STORE, hook, polled.remember!, context)).toMatchObject({
      facts: [],
    });
  });
});
