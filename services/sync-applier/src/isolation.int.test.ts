import { afterEach, describe, expect, it } from '@jest/globals';
import { createMongoParkedEventStore } from '@msync/events';
import {
  applierHarness,
  eventually,
  type ApplierHarness,
  type TestStore,
} from './test-support/harness.js';
import { awaitingAcceptance } from './test-support/facts.js';

let h: ApplierHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function awaiting(store: TestStore, orderId: string) {
  store.mirakl.control.createOrder(store.shopId, { orderId, lines: [{ sku: 'SKU-MUG' }] });
  return awaitingAcceptance({
    storeId: store.storeId,
    orderId,
    lines: [{ id: `${orderId}-1`, sku: 'SKU-MUG' }],
  });
}

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
      awaiting(failing, a1),
      awaiting(healthy, b1),
      awaiting(failing, a2),
      awaiting(healthy, b2),
    ]);

    await eventually(
      () => harness.outcomesOf(healthy.storeId, 'APPLIED').length === 2,
      'the healthy store applied',
    );
    // …while the failing store's Mirakl still answers 500 and its facts wait, in order.
    expect(failing.mirakl.control.faults()).toHaveLength(1);
    expect(harness.outcomesOf(failing.storeId)).toEqual([]);
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
    await eventually(
      () => harness.outcomesOf(failing.storeId, 'APPLIED').length === 2,
      'the failing store applied after recovery',
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
});
