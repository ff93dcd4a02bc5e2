import { describe, expect, it } from '@jest/globals';
import { startMiraklSimulator, type RunningMiraklSimulator } from '@msync/mirakl-sim';
import { closeAfterEach, counted, failingOnce, untilOutcome } from '@msync/polling/test-support';
import { capturingLogger, eventually } from '@msync/test-support';
import { pollerHarness } from './test-support/harness.js';

const SHOP = 2001;
const KEY = 'test-mirakl-key-2001';
const STORE = 'store-orders';

const opened = closeAfterEach();

async function setUp(options: { callFrequencyMs?: Record<string, number> } = {}) {
  const { logger } = capturingLogger('warn');
  const sim = opened.add(
    await startMiraklSimulator({
      port: 0,
      shops: [{ shopId: SHOP, apiKey: KEY }],
      paymentDelayMs: null,
      ...(options.callFrequencyMs ? { callFrequencyMs: options.callFrequencyMs } : {}),
    }),
  );
  const harness = opened.add(await pollerHarness(logger));
  await harness.addStore({ storeId: STORE, miraklUrl: sim.url, shopId: String(SHOP), apiKey: KEY });
  return { sim, harness };
}

/** One order in each state the poller reports; returns the facts each must produce. */
function seedOrders(simulator: RunningMiraklSimulator) {
  const control = simulator.control;
  const id = (o: Record<string, unknown>) => String(o['order_id']);
  const waiting = id(control.createOrder(SHOP, { lines: [{ sku: 'SKU-W', quantity: 1 }] }));
  const shipping = id(
    control.createOrder(SHOP, { state: 'SHIPPING', lines: [{ sku: 'SKU-S', quantity: 2 }] }),
  );
  const canceled = id(
    control.createOrder(SHOP, { state: 'SHIPPING', lines: [{ sku: 'SKU-C', quantity: 1 }] }),
  );
  control.cancelByOperator(SHOP, canceled);
  const refused = id(control.createOrder(SHOP, { lines: [{ sku: 'SKU-R', quantity: 1 }] }));
  control.expireAcceptance(SHOP, refused);
  const incident = id(
    control.createOrder(SHOP, { state: 'SHIPPING', lines: [{ sku: 'SKU-I', quantity: 1 }] }),
  );
  control.openIncident(SHOP, incident, { reasonCode: 'DAMAGED' });
  return [
    ['orderAwaitingAcceptance', waiting],
    ['orderReadyToShip', shipping],
    ['orderCanceledOnMarketplace', canceled],
    ['orderCanceledOnMarketplace', refused],
    ['orderReadyToShip', incident],
    ['incidentOpened', incident],
  ] as const;
}

const or11Calls = (simulator: RunningMiraklSimulator) =>
  simulator.control.exchanges().filter((e) => e.operation === 'OR11');

describe('mirakl-poller orders stream', () => {
  it('emits each expected fact exactly once; a second pass over the overlap and a backfill emit nothing new', async () => {
    const { sim, harness } = await setUp();
    const expected = seedOrders(sim);
    const poller = await harness.startPoller({ or11IntervalMs: 200 });

    await harness.requestPoll(STORE);
    await eventually(() => harness.facts.length >= expected.length, 'the first pass facts');
    await untilOutcome(poller.metrics, 'completed', 1, 'the first pass to complete');
    expect(harness.facts.map((f) => [f.topic, f.value.orderId]).sort()).toEqual(
      expected.map(([topic, orderId]) => [topic, orderId]).sort(),
    );
    const incident = harness.facts.find((f) => f.topic === 'incidentOpened');
    expect(incident?.value).toMatchObject({ offerSku: 'SKU-I', reasonCode: 'DAMAGED' });
    const ready = harness.facts.find((f) => f.topic === 'orderReadyToShip');
    expect(ready?.value).toMatchObject({
      shippingAddress: { street1: expect.any(String), country: 'USA' },
    });

    // The simulator widens start_update_date by a minute: the second pass re-reads every order.
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 2, 'the second pass to complete');
    expect(await counted(poller.metrics, 'poll_items_seen_total', { stream: 'orders' })).toBe(
      2 * 5,
    );

    const cursorBefore = await harness.db.collection('mirakl_poll_cursors').findOne({});
    const since = new Date(Date.now() - 3600_000);
    await harness.requestPoll(STORE, { since });
    await untilOutcome(poller.metrics, 'completed', 3, 'the backfill to complete');
    const backfillCall = or11Calls(sim).at(-1);
    expect(backfillCall?.query['start_update_date']).toEqual([since.toISOString()]);
    const cursorAfter = await harness.db.collection('mirakl_poll_cursors').findOne({});
    expect(cursorAfter?.['cursor']).toEqual(cursorBefore?.['cursor']);

    expect(harness.facts).toHaveLength(expected.length);
    expect(new Set(harness.facts.map((f) => f.idempotencyKey)).size).toBe(expected.length);
    expect(await counted(poller.metrics, 'poll_facts_emitted_total', {})).toBe(expected.length);
  });

  it('after a crash between publishing and saving, the next pass re-emits only the same idempotency keys', async () => {
    const { sim, harness } = await setUp();
    const expected = seedOrders(sim);
    const crashOnce = failingOnce('remember', 'process died before saving what it saw');
    const poller = await harness.startPoller({ or11IntervalMs: 200, state: crashOnce });
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the retried pass to complete');
    await eventually(() => harness.facts.length >= 2 * expected.length, 'both passes facts');

    const keys = harness.facts.map((f) => f.idempotencyKey);
    const distinct = new Set(keys);
    expect(distinct.size).toBe(expected.length);
    for (const key of distinct) expect(keys.filter((k) => k === key)).toHaveLength(2);
    expect(or11Calls(sim)).toHaveLength(2);
  });

  it('two instances and several requests for one store: one OR11 pass at a time, never faster than the shared gate', async () => {
    const gateMs = 1_500;
    // The simulator refuses (429) any OR11 of the shop less than 1.2 s after the previous one.
    const { sim, harness } = await setUp({ callFrequencyMs: { OR11: 1_200 } });
    const expected = seedOrders(sim);
    const first = await harness.startPoller({ or11IntervalMs: gateMs });
    const second = await harness.startPoller({ or11IntervalMs: gateMs });
    // Each request arrives right after the previous pass began, so none is served by an earlier
    // pass and each needs one of its own, which the gate makes wait.
    for (let i = 1; i <= 3; i++) {
      await harness.requestPoll(STORE);
      await eventually(() => or11Calls(sim).length >= i, `pass ${i} to call OR11`, 30_000);
    }

    // Each instance reads every request (own consumer group), as two processes would in a rebalance.
    const handled = async (m: typeof first.metrics) =>
      (await counted(m, 'poll_requests_total', { outcome: 'completed' })) +
      (await counted(m, 'poll_requests_total', { outcome: 'coalesced' }));
    await eventually(
      async () => (await handled(first.metrics)) === 3 && (await handled(second.metrics)) === 3,
      'both instances to settle the three requests',
      60_000,
    );

    const calls = or11Calls(sim);
    expect(calls.filter((c) => c.status === 429)).toEqual([]);
    expect(calls).toHaveLength(3);
    const times = calls.map((c) => Date.parse(c.at!));
    for (let i = 1; i < times.length; i++)
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(gateMs - 50);
    expect(
      (await counted(first.metrics, 'poll_gate_waits_total', {})) +
        (await counted(second.metrics, 'poll_gate_waits_total', {})),
    ).toBeGreaterThan(0);
    expect(new Set(harness.facts.map((f) => f.idempotencyKey)).size).toBe(expected.length);
    expect(harness.facts).toHaveLength(expected.length);
  });

  it('a resync re-emits every order still waiting for the seller under new keys, leaving the cursor and seen entries as they were', async () => {
    const { sim, harness } = await setUp();
    seedOrders(sim);
    const poller = await harness.startPoller({ or11IntervalMs: 200 });
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the ordinary pass to complete');
    await eventually(() => harness.facts.length === 6, 'the ordinary pass facts');
    const ordinary = harness.facts.map((f) => f.idempotencyKey);
    const cursors = harness.db.collection('mirakl_poll_cursors');
    const seen = harness.db.collection('mirakl_poll_seen');
    const cursorBefore = await cursors.findOne({ stream: 'orders' });
    const seenBefore = await seen.find({}, { sort: { _id: 1 } }).toArray();

    const resyncAt = Date.now();
    await harness.requestPoll(STORE, { reason: 'resync', occurredAt: resyncAt });
    const resyncs = { stream: 'orders:resync', outcome: 'completed' };
    await eventually(
      async () => (await counted(poller.metrics, 'poll_requests_total', resyncs)) === 1,
      'the resync pass to complete',
    );
    await eventually(() => harness.facts.length === 9, 'the resync facts');

    // Awaiting acceptance and the two orders in SHIPPING; not the canceled or refused ones.
    const again = harness.facts.slice(6);
    expect(again.map((f) => [f.topic, f.value.orderId]).sort()).toEqual(
      harness.facts
        .slice(0, 6)
        .filter((f) => f.topic === 'orderAwaitingAcceptance' || f.topic === 'orderReadyToShip')
        .map((f) => [f.topic, f.value.orderId])
        .sort(),
    );
    for (const fact of again) {
      expect(fact.idempotencyKey).toMatch(new RegExp(`:resync:${resyncAt}$`));
      expect(ordinary).toContain(fact.idempotencyKey.replace(`:resync:${resyncAt}`, ''));
    }
    const resyncCall = or11Calls(sim).at(-1);
    expect(resyncCall?.query['order_state_codes']).toEqual(['WAITING_ACCEPTANCE,SHIPPING']);
    expect(resyncCall?.query['start_update_date']).toBeUndefined();
    expect(await cursors.findOne({ stream: 'orders' })).toEqual(cursorBefore);
    expect(await seen.find({}, { sort: { _id: 1 } }).toArray()).toEqual(seenBefore);
    expect(await cursors.findOne({ stream: 'orders:resync' })).toMatchObject({ cursor: null });

    // The same resync delivered again is served already; an ordinary pass still dedupes.
    await harness.requestPoll(STORE, { reason: 'resync', occurredAt: resyncAt });
    await untilOutcome(poller.metrics, 'coalesced', 1, 'the repeated resync to be answered');
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 3, 'an ordinary pass after the resync');
    expect(or11Calls(sim)).toHaveLength(3);
    expect(harness.facts).toHaveLength(9);
  });

  it('a resync made under a configuration the poller has not read yet waits for it, then runs', async () => {
    const { sim, harness } = await setUp();
    seedOrders(sim);
    const disconnected = {
      storeId: STORE,
      miraklUrl: sim.url,
      shopId: String(SHOP),
      apiKey: KEY,
    };
    await harness.addStore({ ...disconnected, status: 'DISCONNECTED', version: 2 });
    const poller = await harness.startPoller();
    await harness.requestPoll(STORE, { reason: 'resync', configVersion: 3 });
    await eventually(
      async () =>
        (await counted(poller.metrics, 'poll_requests_total', { outcome: 'config-behind' })) >= 1,
      'the resync to wait for configuration 3',
    );
    expect(or11Calls(sim)).toEqual([]);

    await harness.addStore({ ...disconnected, status: 'CONNECTED', version: 3 });
    await untilOutcome(poller.metrics, 'completed', 1, 'the resync to run once version 3 is read');
    expect(
      await counted(poller.metrics, 'poll_requests_total', { outcome: 'store-not-connected' }),
    ).toBe(0);
    await eventually(() => harness.facts.length === 3, 'the orders still waiting for the seller');
  });

  it('does not poll a disconnected store', async () => {
    const { sim, harness } = await setUp();
    seedOrders(sim);
    await harness.addStore({
      storeId: STORE,
      miraklUrl: sim.url,
      shopId: String(SHOP),
      apiKey: KEY,
      status: 'DISCONNECTED',
      version: 2,
    });
    const poller = await harness.startPoller();
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'store-not-connected', 1, 'the request to be refused');
    expect(or11Calls(sim)).toEqual([]);
  });

  it('finishes requests for streams it does not poll yet without calling Mirakl', async () => {
    const { sim, harness } = await setUp();
    const poller = await harness.startPoller();
    await harness.requestPoll(STORE, { stream: 'inventory' });
    await untilOutcome(poller.metrics, 'unsupported-stream', 1, 'the inventory request to finish');
    expect(sim.control.exchanges()).toEqual([]);
  });
});
