import { afterEach, describe, expect, it } from '@jest/globals';
import { createMongoParkedEventStore } from '@msync/events';
import { counted } from '@msync/test-support';
import {
  applierHarness,
  eventually,
  newAwaitingOrder,
  type ApplierHarness,
} from './test-support/harness.js';

let h: ApplierHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a store whose vendor fails does not hold the partition', () => {
  it('parks the failing store while another store on the same partition is applied, then applies the failing store in order once Mirakl recovers', async () => {
    h = await applierHarness();
    const harness = h;
    const failing = await harness.addStore();
    const healthy = await harness.addStore();
    failing.mirakl.control.addFault({ operation: 'OR21', kind: 'status', status: 500 });
    const running = await harness.startApplier();
    const parked = await createMongoParkedEventStore(harness.mongo.db);

    const [a1, a2] = [`${failing.storeId}-1-A`, `${failing.storeId}-2-A`];
    const [b1, b2] = [`${healthy.storeId}-1-A`, `${healthy.storeId}-2-A`];
    // One partition, interleaved: A1, B1, A2, B2.
    await harness.publish('orderAwaitingAcceptance', [
      newAwaitingOrder(failing, a1),
      newAwaitingOrder(healthy, b1),
      newAwaitingOrder(failing, a2),
      newAwaitingOrder(healthy, b2),
    ]);

    await eventually(
      () => harness.outcomesOf(healthy.storeId, 'APPLIED').length === 2,
      'the healthy store applied',
    );
    // …while the failing store's Mirakl still answers 500 and its facts wait, in order.
    expect(failing.mirakl.control.faults()).toHaveLength(1);
    expect(harness.outcomesOf(failing.storeId)).toEqual([]);
    // The healthy store may finish while the failing head is still being retried in place: its
    // lane is set aside once those attempts are spent.
    await eventually(
      async () => (await parked.list(running.applier.groupId, failing.storeId)).length >= 2,
      "the failing store's facts set aside",
    );
    const lane = await parked.list(running.applier.groupId, failing.storeId);
    // The head failed with the 500; a replay since re-reads the order first (OR11: the claim
    // exists), which the shared call gate may have refused as too early.
    expect(lane.map((p) => p.reason)).toEqual([
      expect.stringMatching(/^(http-500|call-frequency)$/),
      'behind-set-aside',
    ]);
    expect(harness.outcomesOf(healthy.storeId).map((o) => o.miraklOrderId)).toEqual([b1, b2]);
    const failedCalls = failing.mirakl.control
      .exchanges()
      .filter((e) => e.operation === 'OR21' && e.status === 500).length;
    expect(failedCalls).toBeGreaterThanOrEqual(1);

    failing.mirakl.control.clearFaults();
    // The retrier's passes: each a few database round trips, slow on a loaded shared server.
    await eventually(
      () => harness.outcomesOf(failing.storeId, 'APPLIED').length === 2,
      'the failing store applied after recovery',
      90_000,
    );
    expect(harness.outcomesOf(failing.storeId).map((o) => o.miraklOrderId)).toEqual([a1, a2]);
    const accepted = failing.mirakl.control
      .exchanges()
      .filter((e) => e.operation === 'OR21' && e.status === 204)
      .map((e) => e.path);
    expect(accepted).toEqual([`/api/orders/${a1}/accept`, `/api/orders/${a2}/accept`]);
    await eventually(
      async () => !(await parked.hasParked(running.applier.groupId, failing.storeId)),
      'the failing store un-parked',
    );
  });

  /**
   * Two stores on the one partition; Mirakl holds the first store's first OR21 (25 s) far longer
   * than the client's own timeout (20 s) lets it wait. Publishes that store's order, then two of
   * the healthy store.
   */
  async function hangingStoreFirst(overrides: Parameters<ApplierHarness['startApplier']>[0]) {
    h = await applierHarness();
    const harness = h;
    const hanging = await harness.addStore();
    const healthy = await harness.addStore();
    hanging.mirakl.control.addFault({ operation: 'OR21', kind: 'latency', ms: 25_000, times: 1 });
    const running = await harness.startApplier({
      vendors: {
        miraklTrustedHosts: ['127.0.0.1'],
        miraklTimeoutMs: 20_000,
        miraklRetries: 1,
        shipbobBaseUrl: harness.shipbob.url,
        retryInitialDelayMs: 50,
        or11IntervalMs: 1_000,
      },
      ...overrides,
    });
    await harness.publish('orderAwaitingAcceptance', [
      newAwaitingOrder(hanging, `${hanging.storeId}-1-A`),
      newAwaitingOrder(healthy, `${healthy.storeId}-1-A`),
      newAwaitingOrder(healthy, `${healthy.storeId}-2-A`),
    ]);
    const liveDeadlineParks = () =>
      counted(running.metrics, 'events_set_aside_total', { reason: 'live-deadline' });
    /** The retrier, without the live deadline, applies the parked acceptance once. */
    const appliedOnceByRetrier = async (timeoutMs?: number) => {
      await eventually(
        () => harness.outcomesOf(hanging.storeId, 'APPLIED').length === 1,
        'the hanging store applied by the retrier',
        timeoutMs,
      );
      const accepted = hanging.mirakl.control
        .exchanges()
        .filter((e) => e.operation === 'OR21' && e.status === 204);
      expect(accepted).toHaveLength(1);
    };
    return { harness, hanging, healthy, liveDeadlineParks, appliedOnceByRetrier };
  }

  it('applies the other stores of the partition while one store waits on a hanging Mirakl, before its live deadline (ADR 0092)', async () => {
    // Stores of one partition at once (the default): nothing waits for the deadline.
    const { harness, hanging, healthy, liveDeadlineParks, appliedOnceByRetrier } =
      await hangingStoreFirst({ liveDeadlineMs: 15_000 });

    await eventually(
      () => harness.outcomesOf(healthy.storeId, 'APPLIED').length === 2,
      'the healthy store applied while the hanging store is in its live attempt',
    );
    // The hanging store's fact is still in its first attempt: not parked, no outcome.
    expect(await liveDeadlineParks()).toBe(0);
    expect(harness.outcomesOf(hanging.storeId)).toEqual([]);
    // Past its deadline it is parked.
    await appliedOnceByRetrier(60_000);
  });

  it('abandons the live attempt of a store whose Mirakl hangs after the live deadline, parks it, and lets the partition flow', async () => {
    const { harness, healthy, liveDeadlineParks, appliedOnceByRetrier } = await hangingStoreFirst({
      liveDeadlineMs: 1_500,
      // One store of the partition at a time: only the deadline can let the healthy store on.
      keysConcurrently: 1,
    });

    // Without the deadline the partition would wait for two 20 s client timeouts first.
    await eventually(
      () => harness.outcomesOf(healthy.storeId, 'APPLIED').length === 2,
      'the healthy store applied',
    );
    expect(await liveDeadlineParks()).toBe(1);
    await appliedOnceByRetrier();
  });
});
