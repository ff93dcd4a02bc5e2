import { describe, expect, it } from '@jest/globals';
import { physicalTopic } from '@msync/events';
import type { RunningMiraklSimulator } from '@msync/mirakl-sim';
import { createPublishedPositions } from '@msync/polling';
import { closeAfterEach, failingOnce, untilOutcome } from '@msync/polling/test-support';
import { capturingLogger, eventually, withContext } from '@msync/test-support';
import { CATALOG_SHOP, catalogStore } from './test-support/catalog.js';

const STORE = 'store-offers';

const opened = closeAfterEach();

async function setUp(options: { withShipBob?: boolean; exportDelayMs?: number } = {}) {
  const { logger } = capturingLogger('warn');
  return catalogStore(opened, logger, { storeId: STORE, ...options });
}

const SHOP = CATALOG_SHOP;

const calls = (sim: RunningMiraklSimulator, operation: string) =>
  sim.control.exchanges().filter((e) => e.operation === operation);
const exportBodies = (sim: RunningMiraklSimulator) =>
  calls(sim, 'OF52').map((e) => e.requestBody as Record<string, unknown>);

describe('mirakl-poller offers stream', () => {
  it('exports the catalog in full first, then differentially: only new, changed and deleted offers become facts', async () => {
    const { sim, harness } = await setUp();
    const poller = await harness.startPoller({ of52IntervalMs: 100 });

    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the first pass to complete');
    await eventually(() => harness.facts.length >= 3, 'the three offers of the full export');
    expect(harness.facts.map((f) => f.value.shopSku).sort()).toEqual(['SKU-A', 'SKU-B', 'SKU-C']);
    expect(exportBodies(sim)).toEqual([{ export_type: 'application/json' }]);

    // Let the clock pass the first export, then change the catalog in every way that matters.
    await new Promise((r) => setTimeout(r, 20));
    sim.control.upsertOffers(SHOP, [
      { sku: 'SKU-A', quantity: 50 }, // stock only: not a fact
      { sku: 'SKU-B', title: 'Renamed B' }, // OF54 files carry no title: not a fact either
      { sku: 'SKU-D', quantity: 4 },
    ]);
    sim.control.deleteOffer(SHOP, 'SKU-C');
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 2, 'the differential pass to complete');
    await eventually(() => harness.facts.length >= 5, 'the differential facts');

    const second = harness.facts.slice(3).map((f) => [f.value.shopSku, f.value.deleted]);
    expect(second.sort()).toEqual([
      ['SKU-C', true],
      ['SKU-D', false],
    ]);
    const body = exportBodies(sim)[1];
    withContext('the second export is differential', () =>
      expect(typeof body?.['last_request_date']).toBe('string'),
    );

    // Where the store's last offers landed (ADR 0169): the second pass's one fact, the topic's
    // second message.
    const positions = createPublishedPositions(harness.db);
    const offersOfStore = { storeId: STORE, system: 'MIRAKL', stream: 'offers' } as const;
    const afterSecond = await positions.last(offersOfStore);
    expect(await harness.messagesOn('offerObserved')).toBe(2);
    expect(afterSecond?.position).toMatchObject({
      topic: physicalTopic('offerObserved', harness.namespace),
      offset: '1',
    });

    // Nothing changed: a third pass emits nothing, and still asks only for the differential.
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 3, 'the third pass to complete');
    expect(harness.facts).toHaveLength(5);
    expect(exportBodies(sim).filter((b) => b['last_request_date'] === undefined)).toHaveLength(1);
    const afterThird = await positions.last(offersOfStore);
    withContext('a pass that published nothing leaves the last position', () =>
      expect(afterThird).toEqual(afterSecond),
    );
  });

  it('a product title only OF21 carries: titled offers stay quiet once seen, and a renamed one comes back', async () => {
    const { sim, harness } = await setUp();
    // The operator has not enabled asynchronous exports.
    sim.control.addFault({ operation: 'OF52', kind: 'status', status: 404 });
    const poller = await harness.startPoller({ of52IntervalMs: 100 });

    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the first pass to complete');
    await eventually(() => harness.facts.length >= 3, 'the three offers listed by OF21');
    expect(harness.facts.map((f) => f.value.productTitle).sort()).toEqual([
      'Product SKU-A',
      'Product SKU-B',
      'Product SKU-C',
    ]);

    sim.control.upsertOffers(SHOP, [{ sku: 'SKU-A', title: 'Renamed A' }]);
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 2, 'the second pass to complete');
    await eventually(() => harness.facts.length >= 4, 'the renamed offer');
    expect(harness.facts.slice(3).map((f) => f.value.productTitle)).toEqual(['Renamed A']);
    // OF52 was refused once; the store is then read with OF21 without asking OF52 again.
    expect(calls(sim, 'OF52')).toHaveLength(1);
    expect(calls(sim, 'OF21').length).toBeGreaterThanOrEqual(2);
  });

  it('after a crash between publishing and saving, the next pass re-emits the same keys and the cursor waits', async () => {
    const { sim, harness } = await setUp();
    const crashOnce = failingOnce('remember', 'process died before saving what it saw');
    const poller = await harness.startPoller({ of52IntervalMs: 100, state: crashOnce });
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the retried pass to complete');
    await eventually(() => harness.facts.length >= 6, 'both passes facts');

    const keys = harness.facts.map((f) => f.idempotencyKey);
    expect(new Set(keys).size).toBe(3);
    // Both passes were full exports: the failed one saved no cursor.
    expect(exportBodies(sim)).toEqual([
      { export_type: 'application/json' },
      { export_type: 'application/json' },
    ]);
  });

  it('a stop while Mirakl prepares the export gives the pass up: the next process takes the request again and reads the catalog (ADR 0186)', async () => {
    const { sim, harness } = await setUp({ exportDelayMs: 3_000 });
    const first = await harness.startPoller({ of52IntervalMs: 100 });
    await harness.requestPoll(STORE);
    await eventually(() => calls(sim, 'OF53').length >= 2, 'the export being prepared');
    await first.stop();
    withContext('the stop did not wait for the export: nothing downloaded', () =>
      expect(calls(sim, 'OF54')).toEqual([]),
    );
    expect(await harness.messagesOn('offerObserved')).toBe(0);

    const second = await harness.startPoller({ of52IntervalMs: 100 });
    await untilOutcome(second.metrics, 'completed', 1, 'the request taken again', 60_000);
    await eventually(() => harness.facts.length >= 3, 'the three offers of the full export');
    expect(harness.facts.map((f) => f.value.shopSku).sort()).toEqual(['SKU-A', 'SKU-B', 'SKU-C']);
    expect(exportBodies(sim)).toEqual([
      { export_type: 'application/json' },
      { export_type: 'application/json' },
    ]);
  });

  it('reads nothing while the store has no ShipBob token (the applier could not act on it)', async () => {
    const { sim, harness } = await setUp({ withShipBob: false });
    const poller = await harness.startPoller({ of52IntervalMs: 100 });
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the request to finish');
    expect(sim.control.exchanges()).toEqual([]);
    expect(harness.facts).toEqual([]);
  });

  it('a full export of 2,500 offers, a hundred a fact (ADR 0168), gives each offer once', async () => {
    const { sim, harness } = await setUp();
    sim.control.upsertOffers(
      SHOP,
      Array.from({ length: 2_500 - 3 }, (_, i) => ({
        sku: `BULK-${String(i).padStart(5, '0')}`,
        quantity: 1 + (i % 5),
      })),
    );
    const poller = await harness.startPoller({ of52IntervalMs: 100 });
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the full pass', 120_000);
    // The pass completes only once every fact was acknowledged.
    expect(await harness.messagesOn('offerObserved')).toBe(25);
    await eventually(() => harness.facts.length === 2_500, 'every offer fact read back', 60_000);
    expect(new Set(harness.facts.map((f) => f.idempotencyKey)).size).toBe(2_500);
    expect(calls(sim, 'OF52')).toHaveLength(1);
  });
});
