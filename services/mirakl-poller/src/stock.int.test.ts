import { describe, expect, it } from '@jest/globals';
import { startMiraklSimulator, type RunningMiraklSimulator } from '@msync/mirakl-sim';
import { closeAfterEach, untilOutcome } from '@msync/polling/test-support';
import { capturingLogger, eventually } from '@msync/test-support';
import type { EventOf } from '@msync/events';
import { createMongoPollState } from '@msync/platform';
import { OFFERS } from './offers-pass.js';
import { COLLECTIONS } from './service.js';
import { stockHarness } from './test-support/harness.js';

const SHOP = 2301;
const KEY = 'test-mirakl-key-2301';
const STORE = 'store-stock';

const opened = closeAfterEach();

async function setUp() {
  const { logger } = capturingLogger('warn');
  const sim = opened.add(
    await startMiraklSimulator({
      port: 0,
      shops: [
        {
          shopId: SHOP,
          apiKey: KEY,
          offers: [
            { sku: 'SKU-A', quantity: 1 },
            { sku: 'SKU-B', quantity: 2 },
          ],
        },
      ],
      paymentDelayMs: null,
      exportDelayMs: 20,
    }),
  );
  const harness = opened.add(await stockHarness(logger));
  await harness.addStore({
    storeId: STORE,
    miraklUrl: sim.url,
    shopId: String(SHOP),
    apiKey: KEY,
    withShipBob: true,
  });
  return { sim, harness };
}

const exportBodies = (sim: RunningMiraklSimulator) =>
  sim.control
    .exchanges()
    .filter((e) => e.operation === 'OF52')
    .map((e) => e.requestBody as Record<string, unknown>);
const stockFacts = (harness: Awaited<ReturnType<typeof setUp>>['harness']) =>
  harness.facts.flatMap((f) =>
    // The bed's facts are not a union by topic: the topic says which event the value is.
    f.topic === 'stockObserved' ? [f.value as EventOf<'stockObserved'>] : [],
  );

describe('mirakl-poller stock reconciliation', () => {
  it('an on-demand reconciliation reads one full export and publishes its quantities, nothing else', async () => {
    const { sim, harness } = await setUp();
    sim.control.upsertOffers(SHOP, [{ sku: 'SKU-B', quantity: 7 }]);
    const poller = await harness.startPoller();

    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the reconciliation pass');
    await eventually(() => stockFacts(harness).length === 1, 'the stock chunk');
    expect(exportBodies(sim)).toEqual([{ export_type: 'application/json' }]);
    const [chunk] = stockFacts(harness);
    expect(chunk).toMatchObject({
      chunk: 0,
      chunkCount: 1,
      offers: [
        { shopSku: 'SKU-A', quantity: 1 },
        { shopSku: 'SKU-B', quantity: 7 },
      ],
    });
    expect(chunk!.reconciliationId).toBe(String(chunk!.exportedAt));
    // The offers stream is untouched: no offer facts, its next pass is still its first full export.
    expect(harness.facts.filter((f) => f.topic === 'offerObserved')).toHaveLength(0);
    const state = createMongoPollState({ db: harness.db, prefix: COLLECTIONS.prefix });
    expect((await state.cursor(STORE, OFFERS)).cursor).toBeNull();
  });

  it("the offers stream's day's full export is also the reconciliation; a store's first and its differentials are not (ADR 0170)", async () => {
    const { sim, harness } = await setUp();
    const first = await harness.startPoller();

    await harness.requestPoll(STORE, { stream: OFFERS });
    await untilOutcome(first.metrics, 'completed', 1, 'the first full offers pass');
    // Acknowledged before the pass completes: the topic holds everything the pass published.
    expect(await harness.messagesOn('offerObserved')).toBe(1);
    expect(await harness.messagesOn('stockObserved')).toBe(0);

    await new Promise((r) => setTimeout(r, 20));
    sim.control.upsertOffers(SHOP, [{ sku: 'SKU-C', quantity: 3 }]);
    await harness.requestPoll(STORE, { stream: OFFERS });
    await untilOutcome(first.metrics, 'completed', 2, 'the differential offers pass');
    expect(typeof exportBodies(sim)[1]?.['last_request_date']).toBe('string');
    expect(await harness.messagesOn('offerObserved')).toBe(2);
    expect(await harness.messagesOn('stockObserved')).toBe(0);

    // A day later (here: a poller whose full exports are due at once) the full export reconciles.
    await first.stop();
    const later = await harness.startPoller({ offersFullEveryMs: 1 });
    await harness.requestPoll(STORE, { stream: OFFERS });
    await untilOutcome(later.metrics, 'completed', 1, "the day's full offers pass");
    expect(exportBodies(sim)[2]).toEqual({ export_type: 'application/json' });
    await eventually(() => stockFacts(harness).length === 1, 'the stock of the full export');
    expect(stockFacts(harness)[0]).toMatchObject({
      chunk: 0,
      chunkCount: 1,
      offers: [
        { shopSku: 'SKU-A', quantity: 1 },
        { shopSku: 'SKU-B', quantity: 2 },
        { shopSku: 'SKU-C', quantity: 3 },
      ],
    });
  });
});
