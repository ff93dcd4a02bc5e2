import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@msync/test-support';
import {
  flowReadings,
  startOrdersFlow,
  type OrdersFlow,
  type Shop,
} from './support/orders-flow.js';

// Cancellations both ways as a seller lives them: stores connected and configured through
// config-api's HTTP API, the services running from their builds on real Kafka, registry and
// FerretDB, and both vendor simulators. ShipBob labels nothing by itself here: the test decides
// when a shipment is labeled or canceled in ShipBob and when the operator cancels in Mirakl.
//
// Store A: Sync Cancelations on, marketplace cancellations NOT sent to ShipBob (the default).
// Store B: Sync Cancelations on with its second switch: marketplace cancellations cancel in ShipBob.

let flow: OrdersFlow;
let read: ReturnType<typeof flowReadings>;
let shopA: Shop;
let shopB: Shop;

const miraklOrder = (shop: Shop, orderId: string) =>
  read.miraklOrders(shop).find((o) => o.orderId === orderId);
const or29Calls = (shop: Shop, orderId: string) =>
  flow.mirakl.control
    .exchanges()
    .filter(
      (e) =>
        e.caller === String(shop.shopId) &&
        e.operation === 'OR29' &&
        e.path.includes(encodeURIComponent(orderId)),
    ).length;
const shipbobOrder = (referenceId: string) => read.shipbobOrder(referenceId);
const shipbobStatuses = (referenceId: string) =>
  shipbobOrder(referenceId)?.shipments.map((s) => s.status) ?? [];
const shipbobCancelCalls = (referenceId: string) => {
  const id = shipbobOrder(referenceId)?.id;
  return flow.shipbob.control
    .exchanges()
    .filter(
      (e) => e.operation === 'POST /order/{orderId}:cancel' && e.path.includes(`/order/${id}:`),
    ).length;
};
const shipbobCreates = (referenceId: string) => read.shipbobCreates(referenceId);
const outcomeOf = (shop: Shop, effectKey: string) =>
  flow.outcomes.filter((o) => o.envelope.storeId === shop.storeId && o.effectKey === effectKey);
const firstOutcome = (shop: Shop, effectKey: string) => outcomeOf(shop, effectKey)[0];

beforeAll(async () => {
  flow = await startOrdersFlow({
    name: 'cancel_e2e',
    path: process.env['PATH'] ?? '',
    // The applier reads an order (OR11) before each cancellation: no minute between two here.
    env: { 'sync-applier': { OR11_MIN_INTERVAL_MS: '200' } },
  });
  read = flowReadings(flow);
  // No autopilot: shipments stay unlabeled until the test labels or cancels them.
  flow.shipbob.control.setAutopilot(null);
  shopA = flow.addShop('A');
  shopB = flow.addShop('B');
  const on = { orders: true, tracking: true };
  await flow.connectStore(shopA, on, { toggles: { ...on, cancellations: true } });
  await flow.connectStore(shopB, on, {
    toggles: { ...on, cancellations: true },
    cancelShipBobOnMarketplaceCancel: true,
  });
  flow.drivePolls([shopA, shopB], 2_000);
}, 180_000);

afterAll(async () => {
  await flow?.close();
}, 120_000);

describe('cancellations across the services', () => {
  const [a1, a2, a3, b1] = ['A-001-A', 'A-002-A', 'A-003-A', 'B-001-A'];

  it('accepts and creates every order in ShipBob once, unlabeled', async () => {
    expect([...flow.createOrders(shopA, 3), ...flow.createOrders(shopB, 1)]).toEqual([
      a1,
      a2,
      a3,
      b1,
    ]);
    await eventually(
      () => [a1, a2, a3, b1].every((id) => shipbobStatuses(id).length === 1),
      'the four orders created in ShipBob',
      120_000,
    );
    for (const id of [a1, a2, a3, b1]) expect(shipbobCreates(id)).toBe(1);
  });

  it('an order canceled in ShipBob is canceled in Mirakl (OR29 once)', async () => {
    flow.shipbob.control.world.cancelShipment(shipbobOrder(a1)!.shipments[0]!.id);
    await eventually(
      () => firstOutcome(shopA, `cancel:${a1}`) !== undefined,
      'the ShipBob cancellation of A-001 decided',
      60_000,
    );
    expect(firstOutcome(shopA, `cancel:${a1}`)).toMatchObject({
      flow: 'cancellations',
      outcome: 'APPLIED',
      target: 'MIRAKL',
    });
    expect(miraklOrder(shopA, a1)?.state).toBe('CANCELED');
    // Mirakl's cancellation comes back as a marketplace cancellation: store A does not send
    // those to ShipBob, and the ShipBob order is canceled anyway.
    await eventually(
      () => firstOutcome(shopA, `cancel-in-shipbob:${a1}`) !== undefined,
      'the marketplace cancellation of A-001 decided',
      60_000,
    );
    expect(firstOutcome(shopA, `cancel-in-shipbob:${a1}`)).toMatchObject({
      outcome: 'SKIPPED',
      reason: 'marketplace-cancel-off',
    });
    expect(or29Calls(shopA, a1)).toBe(1);
  });

  it('a cancellation in ShipBob after the order shipped is FAILED with the reason, and Mirakl is left as it is', async () => {
    flow.shipbob.control.world.labelShipment(shipbobOrder(a2)!.shipments[0]!.id, {
      carrier: 'UPS',
    });
    await eventually(
      () => miraklOrder(shopA, a2)?.state === 'SHIPPED',
      'A-002 shipped in Mirakl with its tracking',
      60_000,
    );
    // The merchant cancels the labeled shipment in ShipBob's dashboard.
    flow.shipbob.control.world.cancelShipment(shipbobOrder(a2)!.shipments[0]!.id);
    await eventually(
      () => firstOutcome(shopA, `cancel:${a2}`) !== undefined,
      'the cancellation of A-002 decided',
      60_000,
    );
    expect(firstOutcome(shopA, `cancel:${a2}`)).toMatchObject({
      outcome: 'FAILED',
      reason: 'already-shipped',
      detail: expect.stringContaining('refund it in Mirakl'),
    });
    expect(miraklOrder(shopA, a2)?.state).toBe('SHIPPED');
    expect(or29Calls(shopA, a2)).toBe(0);
  });

  it('a marketplace cancellation with the option on cancels the ShipBob order', async () => {
    flow.mirakl.control.cancelByOperator(shopB.shopId, b1);
    await eventually(
      () => firstOutcome(shopB, `cancel-in-shipbob:${b1}`) !== undefined,
      'the marketplace cancellation of B-001 decided',
      60_000,
    );
    expect(firstOutcome(shopB, `cancel-in-shipbob:${b1}`)).toMatchObject({
      outcome: 'APPLIED',
      target: 'SHIPBOB',
    });
    expect(shipbobStatuses(b1)).toEqual(['Cancelled']);
    // ShipBob's cancellation is then seen by polling: Mirakl has it already, nothing is sent.
    await eventually(
      () => firstOutcome(shopB, `cancel:${b1}`) !== undefined,
      'the ShipBob cancellation of B-001 decided',
      60_000,
    );
    expect(firstOutcome(shopB, `cancel:${b1}`)).toMatchObject({
      outcome: 'DUPLICATE',
      reason: 'already-canceled',
    });
    expect([shipbobCancelCalls(b1), or29Calls(shopB, b1)]).toEqual([1, 0]);
  });

  it('a marketplace cancellation with the option off leaves the ShipBob order alone', async () => {
    flow.mirakl.control.cancelByOperator(shopA.shopId, a3);
    // Counted: the applier's decision about this very cancellation, then the absence of a call.
    await eventually(
      () => firstOutcome(shopA, `cancel-in-shipbob:${a3}`) !== undefined,
      'the marketplace cancellation of A-003 decided',
      60_000,
    );
    expect(firstOutcome(shopA, `cancel-in-shipbob:${a3}`)).toMatchObject({
      outcome: 'SKIPPED',
      reason: 'marketplace-cancel-off',
    });
    expect(shipbobStatuses(a3)).toEqual(['Processing']);
    expect(shipbobCancelCalls(a3)).toBe(0);
  });

  it('created every ShipBob order once and failed only the shipped order', () => {
    for (const id of [a1, a2, a3, b1]) expect(shipbobCreates(id)).toBe(1);
    expect(
      flow.outcomes.filter((o) => o.outcome === 'FAILED').map((o) => [o.effectKey, o.reason]),
    ).toEqual([[`cancel:${a2}`, 'already-shipped']]);
  });
});
