import { afterEach, describe, expect, it } from '@jest/globals';
import { createMongoParkedEventStore } from '@msync/events';
import { claimMiraklCall, createMiraklClient } from '@msync/mirakl';
import { RateLimitedError, createMongoCallGate } from '@msync/platform';
import { counted } from '@msync/test-support';
import { CALL_GATE_COLLECTION } from './service.js';
import {
  applierHarness,
  eventually,
  leftClaim,
  newAwaitingOrder,
  type ApplierHarness,
} from './test-support/harness.js';

/** OR11's interval in this test (Mirakl's is a minute). */
const INTERVAL_MS = 8_000;
/**
 * The simulator answers 429 to an OR11 sooner than this after the previous one; a little under
 * the gate's interval, because a gate claim precedes its call by the call's latency.
 */
const SIMULATOR_INTERVAL_MS = INTERVAL_MS - 1_000;

let h: ApplierHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("the applier's OR11 reads go through the mirakl-poller's per-shop call gate", () => {
  it('parks a resume that would read OR11 too soon after a poll, lets the partition flow, reads once the interval passed, and its read holds the poller back in turn', async () => {
    h = await applierHarness();
    const harness = h;
    const resuming = await harness.addStore();
    const other = await harness.addStore();
    resuming.mirakl.control.setCallFrequency({ OR11: SIMULATOR_INTERVAL_MS });
    const gate = createMongoCallGate({ db: harness.mongo.db, collection: CALL_GATE_COLLECTION });
    const shop = { storeUrl: resuming.mirakl.url, shopId: String(resuming.shopId) };

    // A crashed run claimed the acceptance and may or may not have called: resuming asks OR11.
    const orderId = `${resuming.storeId}-G1-A`;
    const resumed = newAwaitingOrder(resuming, orderId);
    await leftClaim(harness, resuming.storeId, `accept:${orderId}`);
    // The mirakl-poller has just polled the shop, as its orders pass does.
    await claimMiraklCall(gate, shop, 'OR11', INTERVAL_MS);
    await createMiraklClient({
      storeUrl: resuming.mirakl.url,
      apiKey: resuming.apiKey,
      trustedHosts: ['127.0.0.1'],
    }).listOrdersUpdatedSince({ updatedSince: new Date(0) });

    const running = await harness.startApplier({
      vendors: {
        miraklTrustedHosts: ['127.0.0.1'],
        shipbobBaseUrl: harness.shipbob.url,
        retryInitialDelayMs: 50,
        or11IntervalMs: INTERVAL_MS,
      },
    });
    await harness.publish('orderAwaitingAcceptance', [
      resumed,
      newAwaitingOrder(other, `${other.storeId}-G1-A`),
    ]);

    await eventually(
      async () =>
        (await counted(running.metrics, 'sync_applier_gate_waits_total', { operation: 'OR11' })) >=
        1,
      'the gate refused the early OR11',
    );
    await eventually(
      () => harness.outcomesOf(other.storeId, 'APPLIED').length === 1,
      'the other store on the partition applied',
    );
    const or11 = () => resuming.mirakl.control.exchanges().filter((e) => e.operation === 'OR11');
    const parked = await createMongoParkedEventStore(harness.mongo.db);
    if (harness.outcomesOf(resuming.storeId).length === 0) {
      // Still waiting: parked with the gate's wait, and Mirakl saw the poll only.
      const [head] = await parked.list(running.applier.groupId, resuming.storeId);
      expect(head).toMatchObject({ reason: 'call-frequency' });
      expect(or11()).toHaveLength(1);
    }

    await eventually(
      () => harness.outcomesOf(resuming.storeId, 'APPLIED').length === 1,
      'the resumed acceptance applied',
      60_000,
    );
    const reads = or11();
    expect(reads.map((e) => e.status)).toEqual([200, 200]);
    const [poll, resume] = reads.map((e) => Date.parse(e.at!));
    expect(resume! - poll!).toBeGreaterThanOrEqual(SIMULATOR_INTERVAL_MS);
    expect(
      resuming.mirakl.control.exchanges().filter((e) => e.operation === 'OR21' && e.status === 204),
    ).toHaveLength(1);
    // The applier's read counts for every process: the poller's next pass must wait.
    await expect(claimMiraklCall(gate, shop, 'OR11', INTERVAL_MS)).rejects.toBeInstanceOf(
      RateLimitedError,
    );
  });
});
