import { describe, expect, it } from '@jest/globals';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { closeAfterEach, counted, failingOnce, untilOutcome } from '@msync/polling/test-support';
import { capturingLogger, eventually } from '@msync/test-support';
import { simulatedAccount } from './test-support/account.js';
import { pollerHarness } from './test-support/harness.js';

const PAT = 'test-shipbob-pat-0001';
const STORE = 'store-shipments';

const opened = closeAfterEach();

/** A simulator with one merchant and three orders: one labeled, one canceled, one still processing. */
async function setUp(status: 'CONNECTED' | 'DISCONNECTED' = 'CONNECTED') {
  const { logger } = capturingLogger('warn');
  const sim = opened.add(await startShipBobSimulator({ port: 0 }));
  const { merchant, createOrder: create } = simulatedAccount(sim, {
    pat: PAT,
    storeId: STORE,
    logger,
  });
  const labeled = await create('MIRAKL-LABELED-A');
  const canceled = await create('MIRAKL-CANCELED-A');
  await create('MIRAKL-PROCESSING-A');
  sim.control.world.labelShipment(labeled.shipments[0]!.id, {
    carrier: 'UPS',
    trackingNumber: '1ZTEST0001',
  });
  sim.control.world.cancelShipment(canceled.shipments[0]!.id);

  const harness = opened.add(await pollerHarness(logger));
  await harness.addStore({
    storeId: STORE,
    pat: PAT,
    channelId: String(merchant.patChannelId),
    status,
  });
  return {
    sim,
    harness,
    expected: [
      ['shipmentLabeled', 'MIRAKL-LABELED-A'],
      ['orderCanceledInShipBob', 'MIRAKL-CANCELED-A'],
    ],
  };
}

const orderListCalls = (simulator: RunningShipBobSimulator) =>
  simulator.control.exchanges().filter((e) => e.operation === 'GET /order');

describe('shipbob-poller shipments stream', () => {
  it('emits a labeled shipment and a canceled order exactly once; a second pass over the overlap emits nothing new', async () => {
    const { sim, harness, expected } = await setUp();
    const poller = await harness.startPoller({ shipbobBaseUrl: sim.url });

    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the first pass to complete');
    await eventually(() => harness.facts.length >= expected.length, 'the first pass facts');
    expect(
      harness.facts
        .map((f) => [f.topic, 'referenceId' in f.value ? f.value.referenceId : null])
        .sort(),
    ).toEqual([...expected].sort());
    expect(harness.facts.find((f) => f.topic === 'shipmentLabeled')?.value).toMatchObject({
      carrier: 'UPS',
      trackingNumber: '1ZTEST0001',
      trackingUrl: expect.any(String),
    });

    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 2, 'the second pass to complete');
    expect(await counted(poller.metrics, 'poll_items_seen_total', { stream: 'shipments' })).toBe(
      2 * 3,
    );
    expect(harness.facts).toHaveLength(expected.length);
    expect(new Set(harness.facts.map((f) => f.idempotencyKey)).size).toBe(expected.length);
  });

  it('after a crash before the cursor is saved, the retried pass re-reads and emits nothing new', async () => {
    const { sim, harness, expected } = await setUp();
    const crashOnce = failingOnce('saveCursor', 'process died before saving the cursor');
    const poller = await harness.startPoller({ shipbobBaseUrl: sim.url, state: crashOnce });
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the retried pass to complete');
    // The seen entries were saved before the crash: the retry publishes nothing more. Had they not
    // been, the same keys would come again (the Mirakl poller's test covers that step).
    await eventually(() => harness.facts.length >= expected.length, 'the facts');
    expect(orderListCalls(sim).length).toBeGreaterThanOrEqual(2);
    expect(new Set(harness.facts.map((f) => f.idempotencyKey)).size).toBe(expected.length);
  });

  it('after a crash before the seen entries are saved, re-emits exactly the same keys', async () => {
    const { sim, harness, expected } = await setUp();
    const crashOnce = failingOnce('remember', 'process died before saving what it saw');
    const poller = await harness.startPoller({ shipbobBaseUrl: sim.url, state: crashOnce });
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the retried pass to complete');
    await eventually(() => harness.facts.length >= 2 * expected.length, 'both passes facts');
    const keys = harness.facts.map((f) => f.idempotencyKey);
    expect(new Set(keys).size).toBe(expected.length);
    for (const key of new Set(keys)) expect(keys.filter((k) => k === key)).toHaveLength(2);
  });

  it('a resync re-emits the labels of the recent window under new keys, leaving the cursor and seen entries as they were', async () => {
    const { sim, harness, expected } = await setUp();
    const poller = await harness.startPoller({ shipbobBaseUrl: sim.url });
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the ordinary pass to complete');
    await eventually(() => harness.facts.length === expected.length, 'the ordinary pass facts');
    const cursors = harness.db.collection('shipbob_poll_cursors');
    const seen = harness.db.collection('shipbob_poll_seen');
    const cursorBefore = await cursors.findOne({ stream: 'shipments' });
    const seenBefore = await seen.find({}, { sort: { _id: 1 } }).toArray();

    const resyncAt = Date.now();
    await harness.requestPoll(STORE, { reason: 'resync', occurredAt: resyncAt });
    await eventually(
      async () =>
        (await counted(poller.metrics, 'poll_requests_total', {
          stream: 'shipments:resync',
          outcome: 'completed',
        })) === 1,
      'the resync pass to complete',
    );
    await eventually(() => harness.facts.length === expected.length + 1, 'the resync fact');

    const labeled = harness.facts.find((f) => f.topic === 'shipmentLabeled')!;
    const again = harness.facts.at(-1)!;
    expect(again).toMatchObject({
      topic: 'shipmentLabeled',
      idempotencyKey: `${labeled.idempotencyKey}:resync:${resyncAt}`,
      value: { referenceId: 'MIRAKL-LABELED-A', trackingNumber: '1ZTEST0001' },
    });
    // The window is the last day here (RESYNC_LOOKBACK_MS), counted back from the pass's start.
    const [windowStart] = orderListCalls(sim).at(-1)?.query['LastUpdateStartDate'] ?? [];
    const windowMs = resyncAt - Date.parse(windowStart ?? '');
    expect(windowMs).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(windowMs).toBeLessThanOrEqual(24 * 3600_000);
    expect(await cursors.findOne({ stream: 'shipments' })).toEqual(cursorBefore);
    expect(await seen.find({}, { sort: { _id: 1 } }).toArray()).toEqual(seenBefore);
  });

  it('does not poll a disconnected store', async () => {
    const { sim, harness } = await setUp('DISCONNECTED');
    const before = orderListCalls(sim).length;
    const poller = await harness.startPoller({ shipbobBaseUrl: sim.url });
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'store-not-connected', 1, 'the request to be refused');
    expect(orderListCalls(sim)).toHaveLength(before);
  });
});
