import { afterEach, describe, expect, it } from '@jest/globals';
import { STORES_COLLECTION } from '@msync/stores';
import { capturingLogger, counted } from '@msync/test-support';
import { applierHarness, eventually, type ApplierHarness } from './test-support/harness.js';
import { awaitingAcceptance, readyToShip } from './test-support/facts.js';

let h: ApplierHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('facts that cannot be applied now, or ever', () => {
  it('a SKU without a ShipBob product: FAILED naming it, the store flows on, and the order is created once the product exists', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore({ skus: ['SKU-MUG'] });
    await harness.startApplier();
    const waiting = `${store.storeId}-S1-A`;
    const next = `${store.storeId}-S2-A`;
    store.mirakl.control.createOrder(store.shopId, { orderId: next, lines: [{ sku: 'SKU-MUG' }] });

    await harness.publish(
      'orderReadyToShip',
      readyToShip({
        storeId: store.storeId,
        orderId: waiting,
        lines: [
          { id: `${waiting}-1`, sku: 'SKU-MUG' },
          { id: `${waiting}-2`, sku: 'SKU-LAMP' },
        ],
      }),
    );
    await harness.publish(
      'orderAwaitingAcceptance',
      awaitingAcceptance({
        storeId: store.storeId,
        orderId: next,
        lines: [{ id: `${next}-1`, sku: 'SKU-MUG' }],
      }),
    );
    await eventually(() => harness.outcomesOf(store.storeId).length === 2, 'two outcomes');
    // Two topics, handled side by side: either may be recorded first.
    const outcomes = harness.outcomesOf(store.storeId);
    expect(outcomes.map((o) => [o.outcome, o.effectKey, o.reason])).toEqual(
      expect.arrayContaining([
        ['FAILED', `create:${waiting}`, 'unknown-sku'],
        ['APPLIED', `accept:${next}`, null],
      ]),
    );
    expect(outcomes.find((o) => o.outcome === 'FAILED')!.detail).toContain('SKU-LAMP');
    expect(
      harness.shipbob.control.exchanges().filter((e) => e.operation === 'POST /order'),
    ).toEqual([]);

    harness.shipbob.control.world.seedProduct(store.merchantId, {
      sku: 'SKU-LAMP',
      stock: { 1: 5 },
    });
    await eventually(
      () => harness.outcomesOf(store.storeId, 'APPLIED').length === 2,
      'the waiting order created',
    );
    expect(harness.outcomesOf(store.storeId).at(-1)).toMatchObject({
      outcome: 'APPLIED',
      effectKey: `create:${waiting}`,
    });
    expect(
      harness.shipbob.control.world.orders.filter((o) => o.referenceId === waiting),
    ).toHaveLength(1);
    // Only one FAILED for the wait, however many tries it took.
    expect(harness.outcomesOf(store.storeId, 'FAILED')).toHaveLength(1);
  });

  it('credentials refused and a bad payload: FAILED with the reason for the seller, the fact in its DLQ, no secret in the logs', async () => {
    const { logger, lines } = capturingLogger('debug');
    h = await applierHarness(logger);
    const harness = h;
    const store = await harness.addStore();
    // The key stored for the store no longer opens the shop (e.g. rotated in Mirakl).
    const staleKey = 'test-only-stale-mirakl-key-0000';
    await harness.mongo.db
      .collection<{ _id: string }>(STORES_COLLECTION)
      .updateOne(
        { _id: store.storeId },
        { $set: { miraklApiKey: { sealed: harness.box.seal(staleKey), last4: '0000' } } },
      );
    const running = await harness.startApplier();
    const orderId = `${store.storeId}-F1-A`;
    store.mirakl.control.createOrder(store.shopId, { orderId, lines: [{ sku: 'SKU-MUG' }] });

    await harness.publish(
      'orderAwaitingAcceptance',
      awaitingAcceptance({ storeId: store.storeId, orderId }),
    );
    await harness.publish(
      'orderReadyToShip',
      readyToShip({
        storeId: store.storeId,
        orderId: `${store.storeId}-F2-A`,
        address: { country: 'Atlantis' },
      }),
    );
    await eventually(() => harness.outcomesOf(store.storeId).length === 2, 'two outcomes');

    // Two topics, handled side by side: either may be recorded first.
    const outcomes = harness.outcomesOf(store.storeId);
    expect(outcomes.map((o) => [o.outcome, o.reason])).toEqual(
      expect.arrayContaining([
        ['FAILED', 'credentials-rejected'],
        ['FAILED', 'bad-payload'],
      ]),
    );
    expect(outcomes.find((o) => o.reason === 'bad-payload')!.detail).toBe(
      'unknown country "Atlantis"',
    );
    await eventually(
      async () => (await counted(running.metrics, 'events_dead_lettered_total', {})) === 2,
      'both facts dead-lettered',
    );
    expect(
      await counted(running.metrics, 'events_dead_lettered_total', {
        reason: 'credentials-rejected',
      }),
    ).toBe(1);
    expect(
      await counted(running.metrics, 'events_dead_lettered_total', { reason: 'bad-payload' }),
    ).toBe(1);
    expect(
      await counted(running.metrics, 'sync_applier_vendor_calls_total', {
        system: 'mirakl',
        operation: 'OR21',
        status: 'credentials-rejected',
      }),
    ).toBe(1);
    const logged = lines.join('\n');
    expect(logged).toContain('dead-lettered');
    for (const secret of [staleKey, store.apiKey]) expect(logged).not.toContain(secret);
  });
});
