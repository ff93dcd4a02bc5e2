import { afterEach, describe, expect, it } from '@jest/globals';
import { counted } from '@msync/test-support';
import { EFFECTS_COLLECTION } from './adapters/effects-ledger.js';
import {
  applierHarness,
  eventually,
  type ApplierHarness,
  type TestStore,
} from './test-support/harness.js';
import {
  canceledInShipBob,
  canceledOnMarketplace,
  readyToShip,
  storeConfig,
} from './test-support/facts.js';

let h: ApplierHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const toggles = { ...storeConfig().toggles, cancellations: true };

const miraklOrder = (store: TestStore, orderId: string) =>
  store.mirakl.control.snapshot(store.shopId).orders.find((o) => o.orderId === orderId)!;
const miraklCalls = (store: TestStore, operation: string) =>
  store.mirakl.control.exchanges().filter((e) => e.operation === operation).length;
const shipbobOrder = (harness: ApplierHarness, referenceId: string) =>
  harness.shipbob.control.world.orders.find((o) => o.referenceId === referenceId);
const shipbobCalls = (harness: ApplierHarness, operation: string) =>
  harness.shipbob.control.exchanges().filter((e) => e.operation === operation).length;
const outcome = (harness: ApplierHarness, storeId: string, effectKey: string) =>
  harness.outcomesOf(storeId).filter((o) => o.effectKey === effectKey);

describe('Sync Cancelations: an order canceled in ShipBob is canceled in Mirakl', () => {
  it('cancels with OR29 when Mirakl says it can, once; otherwise FAILED with the reason, or DUPLICATE', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore({ config: { toggles } });
    const running = await harness.startApplier();
    const id = (name: string) => `${store.storeId}-${name}-A`;
    const seed = (
      name: string,
      state: 'SHIPPING' | 'SHIPPED' | 'CANCELED',
      paymentWorkflow?: 'PAY_ON_DUE_DATE',
    ) =>
      store.mirakl.control.createOrder(store.shopId, {
        orderId: id(name),
        state,
        lines: [
          { sku: 'SKU-MUG', quantity: 2 },
          { sku: 'SKU-BOWL', quantity: 1 },
        ],
        ...(paymentWorkflow ? { paymentWorkflow } : {}),
      });
    seed('open', 'SHIPPING');
    seed('shipped', 'SHIPPED');
    seed('gone', 'CANCELED');
    seed('debited', 'SHIPPING', 'PAY_ON_DUE_DATE');
    store.mirakl.control.debitCustomer(store.shopId, id('debited'));
    seed('split', 'SHIPPING');
    const fact = (name: string, n: number) =>
      canceledInShipBob({ storeId: store.storeId, orderId: id(name), shipbobOrderId: `70${n}` });
    const open = fact('open', 1);

    await harness.publish('orderCanceledInShipBob', [
      open,
      fact('shipped', 2),
      fact('gone', 3),
      fact('debited', 4),
      canceledInShipBob({
        storeId: store.storeId,
        orderId: id('split'),
        shipbobOrderId: '705',
        shipmentId: '905',
        canceledItems: [{ sku: 'SKU-BOWL', quantity: 1 }],
      }),
    ]);
    await eventually(() => harness.outcomesOf(store.storeId).length === 5, 'five outcomes');

    expect(
      harness.outcomesOf(store.storeId).map((o) => [o.effectKey, o.outcome, o.reason]),
    ).toEqual([
      [`cancel:${id('open')}`, 'APPLIED', null],
      [`cancel:${id('shipped')}`, 'FAILED', 'already-shipped'],
      [`cancel:${id('gone')}`, 'DUPLICATE', 'already-canceled'],
      [`cancel:${id('debited')}`, 'FAILED', 'cancel-not-allowed'],
      [`cancel-lines:${id('split')}:905`, 'FAILED', 'partial-cancel'],
    ]);
    expect(miraklOrder(store, id('open')).state).toBe('CANCELED');
    expect(
      ['shipped', 'gone', 'debited', 'split'].map((n) => miraklOrder(store, id(n)).state),
    ).toEqual(['SHIPPED', 'CANCELED', 'SHIPPING', 'SHIPPING']);
    // Mirakl was read for each, and OR29 sent only where can_cancel said yes.
    expect([miraklCalls(store, 'OR11'), miraklCalls(store, 'OR29')]).toEqual([5, 1]);
    const [applied, shipped, , debited, split] = harness.outcomesOf(store.storeId);
    expect(applied).toMatchObject({
      flow: 'cancellations',
      target: 'MIRAKL',
      miraklOrderId: id('open'),
      externalIds: { miraklOrderId: id('open'), shipbobOrderId: '701' },
    });
    expect(shipped!.detail).toContain('refund it in Mirakl');
    expect(debited!.detail).toContain('ask the marketplace operator to cancel it');
    expect(split!.detail).toContain(`1 × SKU-BOWL (Mirakl line ${id('split')}-2)`);
    await eventually(
      async () => (await counted(running.metrics, 'events_dead_lettered_total', {})) === 3,
      'the three FAILED facts dead-lettered',
    );

    // Delivered again (a poller overlap, a webhook after the poll): nothing is sent again.
    const writes = () => harness.writesTo(store.mirakl.control.exchanges());
    const before = writes();
    await harness.publish('orderCanceledInShipBob', open);
    await eventually(
      () => outcome(harness, store.storeId, `cancel:${id('open')}`).length === 2,
      'the redelivered fact decided',
    );
    expect(outcome(harness, store.storeId, `cancel:${id('open')}`)[1]).toMatchObject({
      outcome: 'DUPLICATE',
      reason: 'already-applied',
    });
    expect(writes()).toBe(before);
  });

  it('resumes a claim a crash left: Mirakl already canceled means done; still shipping means OR29 once', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore({ config: { toggles } });
    const done = `${store.storeId}-C1-A`;
    const pending = `${store.storeId}-C2-A`;
    for (const orderId of [done, pending])
      store.mirakl.control.createOrder(store.shopId, {
        orderId,
        state: 'SHIPPING',
        lines: [{ sku: 'SKU-MUG' }],
      });
    // The crashed run's OR29 went through for the first order, not for the second.
    store.mirakl.control.cancelByOperator(store.shopId, done);
    for (const orderId of [done, pending])
      await harness.leaveClaim(store.storeId, `cancel:${orderId}`);
    await harness.startApplier();

    await harness.publish('orderCanceledInShipBob', [
      canceledInShipBob({ storeId: store.storeId, orderId: done, shipbobOrderId: '711' }),
      canceledInShipBob({ storeId: store.storeId, orderId: pending, shipbobOrderId: '712' }),
    ]);
    await eventually(() => harness.outcomesOf(store.storeId).length === 2, 'two outcomes');

    expect(harness.outcomesOf(store.storeId).map((o) => [o.outcome, o.detail])).toEqual([
      ['APPLIED', 'resumed: the order was already CANCELED in Mirakl'],
      ['APPLIED', null],
    ]);
    expect(miraklOrder(store, pending).state).toBe('CANCELED');
    expect(miraklCalls(store, 'OR29')).toBe(1);
    // The outcome is published before the ledger notes it: wait for the note, then compare.
    const ledger = () =>
      harness.mongo.db
        .collection<{ effectKey: string; status: string; outcomeRecorded?: boolean }>(
          EFFECTS_COLLECTION,
        )
        .find({ storeId: store.storeId })
        .toArray();
    await eventually(
      async () => (await ledger()).every((e) => e.outcomeRecorded === true),
      'both outcomes noted in the ledger',
    );
    expect((await ledger()).map((e) => [e.effectKey, e.status, e.outcomeRecorded])).toEqual([
      [`cancel:${done}`, 'done', true],
      [`cancel:${pending}`, 'done', true],
    ]);
  });
});

describe('marketplace cancellations reach ShipBob when the store opted in', () => {
  it('cancels an unlabeled ShipBob order, fails a labeled one, and never creates one for an order canceled first', async () => {
    h = await applierHarness();
    const harness = h;
    const optedIn = await harness.addStore({
      config: { toggles, cancelShipBobOnMarketplaceCancel: true },
    });
    const optedOut = await harness.addStore({ config: { toggles } });
    await harness.startApplier();
    const create = async (store: TestStore, orderId: string) => {
      await harness.publish('orderReadyToShip', readyToShip({ storeId: store.storeId, orderId }));
      await eventually(
        () => outcome(harness, store.storeId, `create:${orderId}`).length === 1,
        `the ShipBob order of ${orderId}`,
      );
      return shipbobOrder(harness, orderId)!;
    };
    const open = `${optedIn.storeId}-M1-A`;
    const labeled = `${optedIn.storeId}-M2-A`;
    const early = `${optedIn.storeId}-M3-A`;
    const kept = `${optedOut.storeId}-M4-A`;
    await create(optedIn, open);
    const labeledOrder = await create(optedIn, labeled);
    harness.shipbob.control.world.labelShipment(labeledOrder.shipments[0]!.id, { carrier: 'UPS' });
    await create(optedOut, kept);
    const createsBefore = shipbobCalls(harness, 'POST /order');

    await harness.publish('orderCanceledOnMarketplace', [
      canceledOnMarketplace({ storeId: optedIn.storeId, orderId: open }),
      canceledOnMarketplace({ storeId: optedIn.storeId, orderId: labeled }),
      canceledOnMarketplace({ storeId: optedIn.storeId, orderId: early, state: 'REFUSED' }),
      canceledOnMarketplace({ storeId: optedOut.storeId, orderId: kept }),
    ]);
    await eventually(
      () =>
        [open, labeled, early].every(
          (o) => outcome(harness, optedIn.storeId, `cancel-in-shipbob:${o}`).length === 1,
        ) && outcome(harness, optedOut.storeId, `cancel-in-shipbob:${kept}`).length === 1,
      'an outcome for each marketplace cancellation',
    );
    const decided = (store: TestStore, orderId: string) =>
      outcome(harness, store.storeId, `cancel-in-shipbob:${orderId}`).map((o) => [
        o.outcome,
        o.reason,
      ]);
    expect(decided(optedIn, open)).toEqual([['APPLIED', null]]);
    expect(decided(optedIn, labeled)).toEqual([['FAILED', 'already-labeled']]);
    expect(decided(optedIn, early)).toEqual([['SKIPPED', 'no-shipbob-order']]);
    expect(decided(optedOut, kept)).toEqual([['SKIPPED', 'marketplace-cancel-off']]);
    expect(outcome(harness, optedIn.storeId, `cancel-in-shipbob:${labeled}`)[0]!.detail).toMatch(
      /^already labeled: intercept in ShipBob/,
    );
    expect(shipbobOrder(harness, open)!.shipments.map((s) => s.status)).toEqual(['Cancelled']);
    expect(shipbobOrder(harness, labeled)!.shipments.map((s) => s.status)).toEqual([
      'LabeledCreated',
    ]);
    expect(shipbobOrder(harness, kept)!.shipments.map((s) => s.status)).toEqual(['Processing']);
    // One cancel call, for the unlabeled order: the labeled one was read and left alone.
    expect(shipbobCalls(harness, 'POST /order/{orderId}:cancel')).toBe(1);

    // The order canceled before its ShipBob order existed: a late ready-to-ship creates nothing.
    await harness.publish(
      'orderReadyToShip',
      readyToShip({ storeId: optedIn.storeId, orderId: early }),
    );
    await eventually(
      () => outcome(harness, optedIn.storeId, `create:${early}`).length === 1,
      'the late ready-to-ship decided',
    );
    expect(outcome(harness, optedIn.storeId, `create:${early}`)[0]).toMatchObject({
      outcome: 'SKIPPED',
      reason: 'order-canceled',
    });
    expect(shipbobOrder(harness, early)).toBeUndefined();
    expect(shipbobCalls(harness, 'POST /order')).toBe(createsBefore);

    // Redelivered: the applied cancel is a DUPLICATE, nothing sent again.
    await harness.publish(
      'orderCanceledOnMarketplace',
      canceledOnMarketplace({ storeId: optedIn.storeId, orderId: open }),
    );
    await eventually(
      () => outcome(harness, optedIn.storeId, `cancel-in-shipbob:${open}`).length === 2,
      'the redelivered cancellation decided',
    );
    expect(outcome(harness, optedIn.storeId, `cancel-in-shipbob:${open}`)[1]).toMatchObject({
      outcome: 'DUPLICATE',
    });
    expect(shipbobCalls(harness, 'POST /order/{orderId}:cancel')).toBe(1);
  });

  it('a create a crash left claimed without a ShipBob order is voided: the order is never created afterwards', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore({
      config: { toggles, cancelShipBobOnMarketplaceCancel: true },
    });
    const orderId = `${store.storeId}-V1-A`;
    await harness.leaveClaim(store.storeId, `create:${orderId}`);
    await harness.startApplier();

    await harness.publish(
      'orderCanceledOnMarketplace',
      canceledOnMarketplace({ storeId: store.storeId, orderId }),
    );
    await eventually(() => harness.outcomesOf(store.storeId).length === 1, 'the cancellation');
    await harness.publish('orderReadyToShip', readyToShip({ storeId: store.storeId, orderId }));
    await eventually(() => harness.outcomesOf(store.storeId).length === 2, 'the late create');

    expect(
      harness.outcomesOf(store.storeId).map((o) => [o.effectKey, o.outcome, o.reason]),
    ).toEqual([
      [`cancel-in-shipbob:${orderId}`, 'SKIPPED', 'no-shipbob-order'],
      [`create:${orderId}`, 'SKIPPED', 'order-canceled'],
    ]);
    expect(shipbobCalls(harness, 'POST /order')).toBe(0);
    expect(shipbobCalls(harness, 'GET /order')).toBe(1);
  });
});
