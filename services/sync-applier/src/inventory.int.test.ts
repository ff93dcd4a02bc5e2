import { afterEach, describe, expect, it } from '@jest/globals';
import { OFFERS_CHANGED_REASON, envelope, type EventOf } from '@msync/events';
import { collectEvents } from '@msync/events/test-support';
import { capturingLogger, counted, withContext } from '@msync/test-support';
import {
  applierHarness,
  eventually,
  stockImportVendors,
  type ApplierHarness,
  type TestStore,
} from './test-support/harness.js';
import { EFFECTS_COLLECTION, effectId } from './adapters/effects-ledger.js';
import { createInventoryState } from './adapters/inventory-state.js';
import { NO_IMPORT } from './domain/inventory.js';
import { INDEX_MAX_CHUNKS } from './inventory-flow.js';
import { RECONCILIATION_COLLECTIONS } from './adapters/reconciliations.js';
import { storeConfig } from './test-support/facts.js';
import { createMongoParkedEventStore } from '@msync/events';
import { createPublishedPositions } from '@msync/polling';
import type { SyncApplierOptions } from './service.js';
import { ENTRIES_PER_CHUNK, createPassLimit, type PassLimit } from '@msync/platform';

let h: ApplierHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const inventoryOn = {
  inventoryBuffer: 1,
  toggles: { ...storeConfig().toggles, inventory: true },
};

function offer(storeId: string, shopSku: string): EventOf<'offerObserved'> {
  return {
    envelope: envelope({
      storeId,
      idempotencyKey: `mirakl:${storeId}:offer:${shopSku}:1`,
      source: 'test',
      occurredAt: Date.now(),
    }),
    offerId: `offer-${shopSku}`,
    shopSku,
    productSku: null,
    productTitle: null,
    quantity: 0,
    active: true,
    deleted: false,
    lastUpdated: Date.now(),
    more: [],
  };
}

/**
 * One store's facts of a cycle, the last closing it: one SKU a fact, or up to `perFact` (the
 * first its own, the others in `more`, as the shipbob-poller sends them, ADR 0166).
 */
function cycle(
  storeId: string,
  cycleId: string,
  levels: { sku: string; fulfillable: number; exception?: number }[],
  { nothingChanged = false, perFact = 1, fullCycle = false } = {},
): EventOf<'inventoryObserved'>[] {
  const skuLevel = (level: (typeof levels)[number]) => ({
    sku: level.sku,
    inventoryId: `inv-${level.sku}`,
    fulfillable: level.fulfillable,
    onHand: level.fulfillable,
    committed: 0,
    exception: level.exception ?? 0,
    active: true,
    digital: false,
  });
  const facts: EventOf<'inventoryObserved'>[] = [];
  for (let at = 0; at < levels.length; at += perFact) {
    const [own, ...more] = levels.slice(at, at + perFact);
    facts.push({
      envelope: envelope({
        storeId,
        idempotencyKey: `shipbob:${storeId}:inventory:${cycleId}:${own!.sku}`,
        source: 'test',
        occurredAt: Date.now(),
      }),
      ...skuLevel(own!),
      cycleId,
      endOfCycle: at + perFact >= levels.length,
      fullCycle,
      nothingChanged,
      more: more.map(skuLevel),
    });
  }
  return facts;
}

async function setUp(
  overrides: Partial<SyncApplierOptions> = {},
  vendors: Partial<NonNullable<SyncApplierOptions['vendors']>> = {},
) {
  h = await applierHarness();
  const harness = h;
  const store = await harness.addStore({ config: inventoryOn });
  store.mirakl.control.upsertOffers(store.shopId, [
    { sku: 'SKU-MUG', quantity: 0 },
    { sku: 'SKU-BOWL', quantity: 0 },
  ]);
  const running = await harness.startApplier({
    ...overrides,
    vendors: { ...stockImportVendors(harness.shipbob.url), ...vendors },
  });
  await harness.publish('offerObserved', [
    offer(store.storeId, 'SKU-MUG'),
    offer(store.storeId, 'SKU-BOWL'),
  ]);
  await eventually(
    async () => (await projectedOffers(harness, store)).size === 2,
    'the offers projected',
  );
  return { harness, store, running };
}

/** A catalog of offers a hundred to a fact, as the mirakl-poller sends them (ADR 0168). */
function catalogFacts(store: TestStore, skus: readonly string[]): EventOf<'offerObserved'>[] {
  const facts: EventOf<'offerObserved'>[] = [];
  for (let at = 0; at < skus.length; at += 100) {
    const [own, ...more] = skus.slice(at, at + 100).map((sku) => offer(store.storeId, sku));
    facts.push({
      ...own!,
      more: more.map(({ envelope: { idempotencyKey }, more: _more, ...item }) => ({
        idempotencyKey,
        ...item,
      })),
    });
  }
  return facts;
}

/** New offers in the Mirakl simulator, at quantity 0. */
const offersInMirakl = (store: TestStore, skus: readonly string[]) =>
  store.mirakl.control.upsertOffers(
    store.shopId,
    skus.map((sku) => ({ sku, quantity: 0 })),
  );

/** A catalog of new offers: in the Mirakl simulator, and published as the mirakl-poller does. */
async function publishCatalog(harness: ApplierHarness, store: TestStore, skus: readonly string[]) {
  offersInMirakl(store, skus);
  await harness.publish('offerObserved', catalogFacts(store, skus));
}

/** Every poll request published in the test's namespace, from the beginning. */
const pollRequests = (harness: ApplierHarness) =>
  collectEvents({
    kafka: harness.kafka,
    codec: harness.codec,
    logger: capturingLogger('warn').logger,
    publisher: harness.publisher,
    namespace: harness.namespace,
    topic: 'pollRequested',
  });

/** What the applier counted of its cycle ends: decisions on the map and on the index, reads. */
function cycleEndCounters(running: { metrics: Parameters<typeof counted>[0] }) {
  const metric = (name: string, labels: Record<string, string>) =>
    counted(running.metrics, name, labels);
  return {
    metric,
    mapReads: () => metric('catalog_map_reads_total', { map: 'inventory_skus' }),
    decisions: async () =>
      Promise.all(
        ['map', 'index'].map((on) => metric('sync_applier_cycle_end_decisions_total', { on })),
      ),
    unchanged: () => metric('sync_applier_inventory_cycles_total', { result: 'unchanged' }),
  };
}

/** The store's offers as the applier projected them. */
const projectedOffers = (harness: ApplierHarness, store: TestStore) =>
  createInventoryState(harness.mongo.db).offers(store.storeId);
const imports = (store: TestStore) => store.mirakl.control.snapshot(store.shopId).imports;
/** Status reads of the store's imports Mirakl answered or is answering. */
const statusReads = (store: TestStore) =>
  store.mirakl.control.exchanges().filter((e) => e.operation === 'STO02').length;
/** The held import followed for 2.5 s (twice past a 1 s deadline), by more than one status read. */
const followedPastOneSecond = async (store: TestStore) => {
  const from = Date.now();
  await eventually(
    () => Date.now() - from >= 2_500 && statusReads(store) >= 2,
    'the import followed past 1 s',
  );
};
/** Another catalog-sized phase of the process holds one of its slots until the returned call. */
const occupy = (slots: PassLimit) => {
  let free!: () => void;
  void slots.run(() => new Promise<void>((resolve) => (free = resolve)));
  return () => free();
};
const quantities = (store: TestStore) =>
  Object.fromEntries(
    store.mirakl.control.snapshot(store.shopId).offers.map((o) => [o.sku, o.quantity]),
  );

describe('Sync Inventory in the applier', () => {
  it('asks for the store’s inventory cycle to end again once its offers were written and quiet, at most once an interval (ADR 0155)', async () => {
    const { harness, store, running } = await setUp({
      stockAfterOffers: { quietMs: 300, minIntervalMs: 1_500, holdMs: 300_000 },
    });
    const requests = await pollRequests(harness);
    try {
      // The two offers setUp wrote: one request, once they were quiet.
      await eventually(() => requests.events.length === 1, 'the request after the offers');
      const [first] = requests.events;
      expect(first).toMatchObject({
        system: 'SHIPBOB',
        stream: 'inventory',
        reason: OFFERS_CHANGED_REASON,
        since: null,
        configVersion: expect.any(Number),
      });
      expect(first!.envelope.storeId).toBe(store.storeId);

      // Another offer at once: asked again, but not sooner than the interval after the first.
      await harness.publish('offerObserved', [offer(store.storeId, 'SKU-PLATE')]);
      await eventually(() => requests.events.length === 2, 'the request after the next offer');
      const second = requests.events[1]!;
      expect(second.envelope.occurredAt - first!.envelope.occurredAt).toBeGreaterThanOrEqual(1_500);
      expect(second.envelope.idempotencyKey).not.toBe(first!.envelope.idempotencyKey);
      expect(await counted(running.metrics, 'sync_applier_offers_stock_requests_total', {})).toBe(
        2,
      );
    } finally {
      await requests.stop();
    }
  });

  it('offers of the store published and not applied yet hold its cycle end (a first read’s full one too) and the request after them: the cycle end after them sends every offer in one import (ADR 0180, 0181)', async () => {
    const { harness, store, running } = await setUp({
      stockAfterOffers: { quietMs: 300, minIntervalMs: 500, holdMs: 300_000 },
    });
    const { metric } = cycleEndCounters(running);
    const requests = await pollRequests(harness);
    try {
      const skus = Array.from({ length: 300 }, (_, i) => `SKU-NEW-${String(i).padStart(3, '0')}`);
      offersInMirakl(store, skus);
      const facts = catalogFacts(store, skus);
      // The applier behind the mirakl-poller: the catalog's first facts applied, its last not yet
      // (published below); the poller's record names the position it lands on.
      const first = await harness.publisher.publish('offerObserved', facts.slice(0, 2));
      const lastAt = { ...first!, offset: String(BigInt(first!.offset) + 1n) };
      await createPublishedPositions(harness.mongo.db).record(
        { storeId: store.storeId, system: 'MIRAKL', stream: 'offers' },
        { position: lastAt, publishedAt: Date.now() },
      );
      // Requests before the record (setUp's offers, or these before it was written) are not held.
      const recordedAt = Date.now();
      await eventually(
        async () => (await projectedOffers(harness, store)).size === 202,
        'the first offers projected',
      );
      const levels = [
        ...skus.map((sku) => ({ sku, fulfillable: 4 })),
        { sku: 'SKU-BOWL', fulfillable: 5 },
        { sku: 'SKU-MUG', fulfillable: 10 },
      ];
      // The store's first read (every SKU: a full cycle) ends meanwhile, nothing pushed for it
      // yet: no import of the 202 offers written so far.
      await harness.publish(
        'inventoryObserved',
        cycle(store.storeId, 'c1', levels, { perFact: 100, fullCycle: true }),
      );
      await eventually(
        async () =>
          (await metric('sync_applier_cycle_end_decisions_total', { on: 'after-offers' })) === 1,
        'c1 left to the cycle end after the offers',
      );
      expect(imports(store)).toHaveLength(0);

      const restAt = Date.now();
      expect(await harness.publisher.publish('offerObserved', facts[2]!)).toEqual(lastAt);
      // The request comes once the last offers are written, not at the quiet after the first.
      const ofStore = () => requests.events.filter((r) => r.envelope.storeId === store.storeId);
      await eventually(
        () => ofStore().some((r) => r.envelope.occurredAt >= restAt),
        'the request after the offers',
      );
      expect(ofStore().at(-1)).toMatchObject({ reason: OFFERS_CHANGED_REASON });
      // None while the record named offers not applied yet.
      const held = ofStore().filter(
        (r) => r.envelope.occurredAt >= recordedAt && r.envelope.occurredAt < restAt,
      );
      expect(held).toEqual([]);
      // The shipbob-poller ends the cycle again with the last read's closing item, as it does.
      await harness.publish(
        'inventoryObserved',
        cycle(store.storeId, 'c2', [levels.at(-1)!], { nothingChanged: true }),
      );
      await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'c2');
      expect(imports(store).map((i) => i.lines)).toEqual([302]);
      expect(quantities(store)).toMatchObject({ 'SKU-NEW-000': 3, 'SKU-NEW-299': 3, 'SKU-MUG': 9 });
      expect(harness.outcomesOf(store.storeId, 'APPLIED')[0]).toMatchObject({ subjectId: 'c2' });
    } finally {
      await requests.stop();
    }
  });

  it('one import per cycle; the cycle end delivered again is a DUPLICATE and imports nothing', async () => {
    const log = capturingLogger('info');
    const { harness, store, running } = await setUp({ logger: log.logger });
    const first = cycle(store.storeId, 'c1', [
      { sku: 'SKU-BOWL', fulfillable: 5 },
      { sku: 'SKU-MUG', fulfillable: 10, exception: 2 },
    ]);
    await harness.publish('inventoryObserved', first);
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(quantities(store)).toEqual({ 'SKU-MUG': 7, 'SKU-BOWL': 4 });
    // About a cycle, not an order: no order timeline is fed from it.
    expect(harness.outcomesOf(store.storeId, 'APPLIED')[0]).toMatchObject({
      flow: 'inventory',
      subjectId: 'c1',
      miraklOrderId: null,
      externalIds: { via: 'STO01', skus: '2' },
    });
    // Its log line says so too: an operator grepping for an order finds no cycle there.
    expect(
      log.lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line['msg'] === 'outcome recorded' && line['flow'] === 'inventory'),
    ).toEqual([expect.objectContaining({ outcome: 'APPLIED', miraklOrderId: null })]);
    expect(imports(store)).toHaveLength(1);

    await harness.publish('inventoryObserved', first.at(-1)!);
    await eventually(
      () => harness.outcomesOf(store.storeId, 'DUPLICATE').length === 1,
      'the redelivered end of cycle',
    );
    expect(imports(store)).toHaveLength(1);
    expect(
      await counted(running.metrics, 'sync_applier_inventory_cycles_total', { result: 'imported' }),
    ).toBe(1);
  });

  it('an import whose claim a crashed run left is redone once and marked done', async () => {
    const { harness, store } = await setUp();
    await harness.mongo.db
      .collection<Record<string, unknown> & { _id: string }>(EFFECTS_COLLECTION)
      .insertOne({
        _id: effectId(store.storeId, 'inventory:c9'),
        storeId: store.storeId,
        effectKey: 'inventory:c9',
        action: 'push-stock',
        factKey: 'a-crashed-run',
        status: 'claimed',
        claimedAt: new Date(),
      });
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c9', [{ sku: 'SKU-MUG', fulfillable: 3 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(quantities(store)['SKU-MUG']).toBe(2);
    expect(imports(store)).toHaveLength(1);
    // The outcome is published before the ledger records it was: wait for that last step.
    const entry = () =>
      harness.mongo.db
        .collection<{ _id: string; status?: string; outcomeRecorded?: boolean }>(EFFECTS_COLLECTION)
        .findOne({ _id: effectId(store.storeId, 'inventory:c9') });
    await eventually(async () => (await entry())?.outcomeRecorded === true, 'the outcome recorded');
    expect(await entry()).toMatchObject({ status: 'done', outcomeRecorded: true });
  });

  it('a run that ended after publishing its outcomes, before marking the import done, is completed without a second import (ADR 0116)', async () => {
    const { harness, store } = await setUp();
    const c3 = cycle(store.storeId, 'c3', [{ sku: 'SKU-MUG', fulfillable: 3 }]);
    const effects = harness.mongo.db.collection<{
      _id: string;
      status?: string;
      outcomeRecorded?: boolean;
    }>(EFFECTS_COLLECTION);
    const id = effectId(store.storeId, 'inventory:c3');
    await harness.publish('inventoryObserved', c3);
    await eventually(
      async () => (await effects.findOne({ _id: id }))?.outcomeRecorded === true,
      'the import done and recorded',
    );
    expect(imports(store)).toHaveLength(1);

    // The entry as such a run leaves it: the quantities recorded as pushed and the outcomes
    // published, the claim (with the import's id in its progress) not yet marked done.
    await effects.updateOne(
      { _id: id },
      { $set: { status: 'claimed' }, $unset: { doneAt: '', outcomeRecorded: '' } },
    );
    await harness.publish('inventoryObserved', c3.at(-1)!);
    await eventually(
      async () => (await effects.findOne({ _id: id }))?.status === 'done',
      'the claim completed',
    );
    expect(await effects.findOne({ _id: id })).toMatchObject({ outcomeRecorded: true });
    expect(imports(store)).toHaveLength(1);
    expect(quantities(store)['SKU-MUG']).toBe(2);
    // Published again under the same key: the activity and the seller's view count it once.
    const applied = harness.outcomesOf(store.storeId, 'APPLIED');
    expect(applied).toHaveLength(2);
    expect(new Set(applied.map((o) => o.envelope.idempotencyKey)).size).toBe(1);
  });

  it('an import still RUNNING when the live deadline passes is followed to its end by the retrier, never sent again', async () => {
    const { harness, store } = await setUp({ importLiveDeadlineMs: 1_000 });
    // Mirakl is slow to process the store's imports.
    store.mirakl.control.holdImports(store.shopId, true);
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c5', [{ sku: 'SKU-MUG', fulfillable: 4 }]),
    );
    await followedPastOneSecond(store);
    expect(imports(store).map((i) => i.status)).toEqual(['RUNNING']);

    store.mirakl.control.holdImports(store.shopId, false);
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(quantities(store)['SKU-MUG']).toBe(3);
    expect(imports(store)).toHaveLength(1);
    expect(harness.outcomesOf(store.storeId, 'APPLIED')[0]?.externalIds).toMatchObject({
      importId: imports(store)[0]?.importId,
    });
  });

  it('a stop while an import is followed live leaves its cycle end to the next process, which follows the same import on: nothing parked, nothing sent again (ADR 0186)', async () => {
    const { harness, store, running } = await setUp();
    store.mirakl.control.holdImports(store.shopId, true);
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c31', [{ sku: 'SKU-MUG', fulfillable: 6 }]),
    );
    await eventually(() => statusReads(store) >= 2, 'the held import followed');
    const readsAtStop = statusReads(store);
    await running.stop();
    withContext('the stop gave the import up: no status read but the one under way', () =>
      expect(statusReads(store) - readsAtStop).toBeLessThanOrEqual(1),
    );
    expect(await counted(running.metrics, 'events_set_aside_total', {})).toBe(0);
    expect(harness.outcomesOf(store.storeId, 'APPLIED')).toEqual([]);

    store.mirakl.control.holdImports(store.shopId, false);
    await harness.startApplier({ vendors: stockImportVendors(harness.shipbob.url) });
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(imports(store)).toHaveLength(1);
    expect(quantities(store)['SKU-MUG']).toBe(5);
  });

  it('a stop while the retrier follows a parked import leaves the fact parked as it was; the next process follows the import on (ADR 0186)', async () => {
    const { harness, store, running } = await setUp({ importLiveDeadlineMs: 1_000 });
    const parked = await createMongoParkedEventStore(harness.mongo.db);
    const lane = () => parked.list(running.applier.groupId, `${store.storeId}|inventory`);
    store.mirakl.control.holdImports(store.shopId, true);
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c32', [{ sku: 'SKU-MUG', fulfillable: 7 }]),
    );
    await eventually(
      async () => (await counted(running.metrics, 'events_set_aside_total', {})) === 1,
      'the cycle end set aside past the live deadline',
    );
    const readsWhenParked = statusReads(store);
    await eventually(
      () => statusReads(store) >= readsWhenParked + 2,
      'the retrier following the held import',
    );
    const [before] = await lane();
    const readsAtStop = statusReads(store);
    await running.stop();
    withContext('the stop gave the import up: no status read but the one under way', () =>
      expect(statusReads(store) - readsAtStop).toBeLessThanOrEqual(1),
    );
    const [after] = await lane();
    withContext('the stop counted no failed attempt', () =>
      expect(after && { id: after.id, attempts: after.attempts }).toEqual(
        before && { id: before.id, attempts: before.attempts },
      ),
    );

    store.mirakl.control.holdImports(store.shopId, false);
    await harness.startApplier({
      importLiveDeadlineMs: 1_000,
      vendors: stockImportVendors(harness.shipbob.url),
    });
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(imports(store)).toHaveLength(1);
    expect(quantities(store)['SKU-MUG']).toBe(6);
  });

  it('a cycle end has a live deadline of its own: an import a few seconds long ends live, nothing parked (ADR 0101)', async () => {
    const { harness, store, running } = await setUp({ liveDeadlineMs: 1_000 });
    store.mirakl.control.holdImports(store.shopId, true);
    try {
      await harness.publish(
        'inventoryObserved',
        cycle(store.storeId, 'c8', [{ sku: 'SKU-MUG', fulfillable: 9 }]),
      );
      await followedPastOneSecond(store);
    } finally {
      store.mirakl.control.holdImports(store.shopId, false);
    }
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(quantities(store)['SKU-MUG']).toBe(8);
    expect(await counted(running.metrics, 'events_set_aside_total', {})).toBe(0);
    expect(imports(store)).toHaveLength(1);
  });

  it("a cycle end soon after the store's last import waits out the import interval in place, nothing parked (ADR 0104)", async () => {
    const intervalMs = 3_000;
    const { harness, store, running } = await setUp(
      {},
      { miraklStockImportIntervalMs: intervalMs, miraklStockImportMaxWaitMs: 10_000 },
    );
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c1', [{ sku: 'SKU-MUG', fulfillable: 9 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'c1');
    // The next cycle at once: its import may go only once the interval since the first passed.
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c2', [{ sku: 'SKU-MUG', fulfillable: 5 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 2, 'c2');
    expect(quantities(store)['SKU-MUG']).toBe(4);
    expect(await counted(running.metrics, 'events_set_aside_total', {})).toBe(0);
    const sent = store.mirakl.control
      .exchanges()
      .filter((e) => e.operation === 'STO01')
      .map((e) => Date.parse(e.at!));
    expect(sent).toHaveLength(2);
    // Spaced from the first import's answer: a little less than the interval between requests.
    expect(sent[1]! - sent[0]!).toBeGreaterThanOrEqual(intervalMs - 500);
  });

  it("an import parked past the live deadline holds the store's stock lane only: its offers go on (ADR 0100)", async () => {
    const { harness, store, running } = await setUp({ importLiveDeadlineMs: 1_000 });
    const parked = await createMongoParkedEventStore(harness.mongo.db);
    store.mirakl.control.holdImports(store.shopId, true);
    try {
      await harness.publish(
        'inventoryObserved',
        cycle(store.storeId, 'c6', [{ sku: 'SKU-MUG', fulfillable: 4 }]),
      );
      await eventually(
        async () =>
          (await counted(running.metrics, 'events_set_aside_total', {
            reason: 'live-deadline',
          })) === 1,
        'the end of cycle set aside past the live deadline',
      );
      expect(await parked.parkedKeys(running.applier.groupId)).toEqual([
        `${store.storeId}|inventory`,
      ]);
      // On a loaded machine the deadline may pass before the import is sent: the retrier then
      // sends it. Either way one import is held RUNNING.
      await eventually(
        () =>
          imports(store)
            .map((i) => i.status)
            .join() === 'RUNNING',
        'the import sent and held',
      );
      // A new offer of the same store, while its import is still RUNNING.
      await harness.publish('offerObserved', offer(store.storeId, 'SKU-PLATE'));
      await eventually(
        async () => (await projectedOffers(harness, store)).size === 3,
        'the new offer projected while the import is held',
      );
      expect(imports(store).map((i) => i.status)).toEqual(['RUNNING']);
      expect(
        await counted(running.metrics, 'events_set_aside_total', { reason: 'behind-set-aside' }),
      ).toBe(0);
    } finally {
      // Released however the test ends: the APPLIED below needs the import to end.
      store.mirakl.control.holdImports(store.shopId, false);
    }
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(imports(store)).toHaveLength(1);
  });

  it("one store's import under way does not hold another store's cycle end on the same partition (ADR 0113)", async () => {
    // Live for a minute: the held import keeps its cycle end (and, before ADR 0113, its whole
    // fetched batch) under way for the length of the test.
    const { harness, store } = await setUp({ importLiveDeadlineMs: 60_000 });
    const other = await harness.addStore({ config: inventoryOn });
    other.mirakl.control.upsertOffers(other.shopId, [{ sku: 'SKU-MUG', quantity: 0 }]);
    await harness.publish('offerObserved', offer(other.storeId, 'SKU-MUG'));
    await eventually(
      async () => (await projectedOffers(harness, other)).size === 1,
      "the other store's offer projected",
    );
    store.mirakl.control.holdImports(store.shopId, true);
    try {
      await harness.publish(
        'inventoryObserved',
        cycle(store.storeId, 'held', [{ sku: 'SKU-MUG', fulfillable: 4 }]),
      );
      await eventually(() => imports(store).length === 1, "the first store's import sent");
      await harness.publish(
        'inventoryObserved',
        cycle(other.storeId, 'free', [{ sku: 'SKU-MUG', fulfillable: 7 }]),
      );
      await eventually(
        () => harness.outcomesOf(other.storeId, 'APPLIED').length === 1,
        "the other store's import applied while the first one is held",
      );
      expect(quantities(other)).toEqual({ 'SKU-MUG': 6 });
      expect(imports(store).map((i) => i.status)).toEqual(['RUNNING']);
      expect(harness.outcomesOf(store.storeId, 'APPLIED')).toHaveLength(0);
    } finally {
      store.mirakl.control.holdImports(store.shopId, false);
    }
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(quantities(store)).toMatchObject({ 'SKU-MUG': 3 });
  });

  it("a cycle end's decision and the recording of its import's results wait for one of the process's slots (ADR 0140)", async () => {
    const cycleEnds = createPassLimit(1);
    const { harness, store, running } = await setUp({ cycleEnds, importLiveDeadlineMs: 60_000 });
    const phases = (state: string) =>
      counted(running.metrics, 'sync_applier_cycle_end_phases', { state });
    let free = occupy(cycleEnds);
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c1', [{ sku: 'SKU-MUG', fulfillable: 10 }]),
    );
    await eventually(async () => (await phases('waiting')) === 1, 'the decision waits');
    expect(imports(store)).toHaveLength(0);
    free();
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(quantities(store)['SKU-MUG']).toBe(9);

    // The import is sent and followed outside the slots; its results are recorded in one.
    store.mirakl.control.holdImports(store.shopId, true);
    try {
      await harness.publish(
        'inventoryObserved',
        cycle(store.storeId, 'c2', [{ sku: 'SKU-MUG', fulfillable: 4 }]),
      );
      await eventually(() => imports(store).length === 2, 'the second import sent');
      free = occupy(cycleEnds);
    } finally {
      store.mirakl.control.holdImports(store.shopId, false);
    }
    await eventually(async () => (await phases('waiting')) === 1, 'the recording waits');
    expect(imports(store).map((i) => i.status)).toEqual(['COMPLETE', 'COMPLETE']);
    expect(quantities(store)['SKU-MUG']).toBe(3);
    expect(harness.outcomesOf(store.storeId, 'APPLIED')).toHaveLength(1);
    free();
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 2, 'APPLIED');
    await eventually(
      async () => (await phases('waiting')) === 0 && (await phases('running')) === 0,
      'the slot given back',
    );
  });

  it("a cycle end waiting for a slot longer than its live deadline still ends live: the wait is not a vendor's (ADR 0141)", async () => {
    const cycleEnds = createPassLimit(1);
    // 5 s: the import itself (its first status read 1.5 s after STO01) ends well within it, on a
    // loaded machine too.
    const { harness, store, running } = await setUp({ cycleEnds, importLiveDeadlineMs: 5_000 });
    const free = occupy(cycleEnds);
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c1', [{ sku: 'SKU-MUG', fulfillable: 10 }]),
    );
    await eventually(
      async () =>
        (await counted(running.metrics, 'sync_applier_cycle_end_phases', { state: 'waiting' })) ===
        1,
      'the decision waits',
    );
    const from = Date.now();
    await eventually(() => Date.now() - from >= 6_000, 'longer than the live deadline');
    free();
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(quantities(store)['SKU-MUG']).toBe(9);
    expect(await counted(running.metrics, 'events_set_aside_total', {})).toBe(0);
    expect(imports(store)).toHaveLength(1);
  });

  it('a quick import is followed to COMPLETE within the live deadline, at production intervals', async () => {
    // Mirakl's intervals (STO01 once a minute, STO02 every 15 s) enforced by the simulator and
    // kept by the applier; the simulator's import takes 300 ms.
    const { harness, store, running } = await setUp(
      {},
      {
        miraklImportFirstPollDelayMs: 500,
        miraklImportPollIntervalMs: 15_000,
        miraklStockImportIntervalMs: 60_000,
      },
    );
    store.mirakl.control.setCallFrequency('documented');
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c7', [{ sku: 'SKU-MUG', fulfillable: 6 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(quantities(store)['SKU-MUG']).toBe(5);
    // Followed by the live path: nothing set aside, one status read, which found it COMPLETE.
    expect(await counted(running.metrics, 'events_set_aside_total', {})).toBe(0);
    expect(
      store.mirakl.control
        .exchanges()
        .filter((e) => e.operation.startsWith('STO'))
        .map((e) => [e.operation, e.status]),
    ).toEqual([
      ['STO01', 201],
      ['STO02', 200],
    ]);
  });

  it('a cycle without changes delivered again after a later import (a replay, with older levels) imports nothing', async () => {
    const { harness, store, running } = await setUp();
    const unchanged = () =>
      counted(running.metrics, 'sync_applier_inventory_cycles_total', { result: 'unchanged' });
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c1', [{ sku: 'SKU-MUG', fulfillable: 10 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'c1');
    const quiet = cycle(store.storeId, 'c2', [{ sku: 'SKU-MUG', fulfillable: 10 }]);
    await harness.publish('inventoryObserved', quiet);
    await eventually(async () => (await unchanged()) === 1, 'c2 without an import');
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c3', [{ sku: 'SKU-MUG', fulfillable: 20 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 2, 'c3');
    expect(imports(store)).toHaveLength(2);

    // c2 again: its level (10) is older than what c3 pushed (19).
    await harness.publish('inventoryObserved', quiet);
    await eventually(async () => (await unchanged()) === 2, 'c2 handled again');
    expect(imports(store)).toHaveLength(2);
    expect(quantities(store)['SKU-MUG']).toBe(19);
  });

  it("a quiet cycle is decided without the store's map, a change on its stock index; a buffer changed, or a restart, reads the map (ADR 0142, 0147)", async () => {
    const { harness, store, running } = await setUp();
    const metric = (name: string, labels: Record<string, string>) =>
      counted(running.metrics, name, labels);
    const mapReads = () => metric('catalog_map_reads_total', { map: 'inventory_skus' });
    const withoutMap = () => metric('sync_applier_cycle_end_decisions_total', { on: 'no-map' });
    const onIndex = () => metric('sync_applier_cycle_end_decisions_total', { on: 'index' });
    const onMap = () => metric('sync_applier_cycle_end_decisions_total', { on: 'map' });
    const unchanged = () => metric('sync_applier_inventory_cycles_total', { result: 'unchanged' });
    const levelWrites = () => metric('sync_applier_catalog_state_writes_total', { kind: 'level' });
    const levels = [
      { sku: 'SKU-BOWL', fulfillable: 5 },
      { sku: 'SKU-MUG', fulfillable: 10 },
    ];
    await harness.publish('inventoryObserved', cycle(store.storeId, 'c1', levels));
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'c1');
    // The first quiet cycle after an import is decided on the store's stock index: the index of
    // the map once the import's results were recorded (ADR 0147, 0173).
    const closing = (cycleId: string) =>
      cycle(store.storeId, cycleId, [levels[0]!], { nothingChanged: true });
    await harness.publish('inventoryObserved', closing('c2'));
    await eventually(async () => (await unchanged()) === 1, 'c2 without an import');
    const [reads, writes] = [await mapReads(), await levelWrites()];
    expect(reads).toBeGreaterThan(0);
    expect([await onIndex(), await onMap()]).toEqual([1, 1]);

    // The next ones: neither read nor written, no import, remembered in the ledger.
    await harness.publish('inventoryObserved', [...closing('c3'), ...closing('c4')]);
    await eventually(async () => (await unchanged()) === 3, 'c3 and c4 without an import');
    expect(await withoutMap()).toBe(2);
    expect(await mapReads()).toBe(reads);
    expect(await levelWrites()).toBe(writes);
    expect(imports(store)).toHaveLength(1);
    expect(
      await harness.mongo.db
        .collection<{ _id: string }>(EFFECTS_COLLECTION)
        .findOne({ _id: effectId(store.storeId, 'inventory:c4') }),
    ).toMatchObject({ status: 'done', externalIds: { [NO_IMPORT]: 'true' } });

    // A level that changed is written: the store's stock index and the chunk written since
    // decide, and it is imported; the map is not read (ADR 0147).
    const mapDecisions = await onMap();
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c5', [{ sku: 'SKU-MUG', fulfillable: 20 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 2, 'c5');
    expect(quantities(store)).toEqual({ 'SKU-MUG': 19, 'SKU-BOWL': 4 });
    expect([await onIndex(), await onMap(), await mapReads()]).toEqual([2, mapDecisions, reads]);
    expect(await metric('sync_applier_stock_index_entries', {})).toBe(2);

    // Quiet again, then the buffer changes: the next quiet cycle pushes every SKU again.
    await harness.publish('inventoryObserved', closing('c6'));
    await eventually(async () => (await unchanged()) === 4, 'c6 without an import');
    await store.configure({ inventoryBuffer: 3 });
    await eventually(
      () => running.applier.configs.get(store.storeId)?.version === store.config.version,
      'the applier reading the new buffer',
    );
    await harness.publish('inventoryObserved', closing('c7'));
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 3, 'c7');
    expect(quantities(store)).toEqual({ 'SKU-MUG': 17, 'SKU-BOWL': 2 });
    expect(imports(store)).toHaveLength(3);
    expect(await onMap()).toBe(mapDecisions + 1);

    // A restarted applier keeps no index: its first change reads the map, the next one not.
    await running.stop();
    const again = await harness.startApplier({
      vendors: stockImportVendors(harness.shipbob.url),
    });
    const decisions = (on: string) =>
      counted(again.metrics, 'sync_applier_cycle_end_decisions_total', { on });
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c8', [{ sku: 'SKU-MUG', fulfillable: 30 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 4, 'c8');
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c9', [{ sku: 'SKU-BOWL', fulfillable: 30 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 5, 'c9');
    expect(quantities(store)).toEqual({ 'SKU-MUG': 27, 'SKU-BOWL': 27 });
    expect(imports(store).at(-1)!.lines).toBe(1);
    expect([await decisions('map'), await decisions('index')]).toEqual([1, 1]);
  });

  it("a store's first import of more SKUs than an index holds pending leaves an index: the next cycle end reads no map (ADR 0173)", async () => {
    const { harness, store, running } = await setUp();
    const { metric, mapReads, decisions, unchanged } = cycleEndCounters(running);
    // The two offers of setUp and 2,100 more, a hundred a fact as the mirakl-poller sends them.
    const skus = Array.from({ length: 2_100 }, (_, i) => `SKU-CAT-${String(i).padStart(4, '0')}`);
    await publishCatalog(harness, store, skus);
    await eventually(
      async () => (await projectedOffers(harness, store)).size === 2_102,
      'the offers projected',
    );
    const levels = [
      ...skus.map((sku, i) => ({ sku, fulfillable: 3 + (i % 5) })),
      { sku: 'SKU-BOWL', fulfillable: 5 },
      { sku: 'SKU-MUG', fulfillable: 10 },
    ];
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c1', levels, { perFact: 250 }),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'c1');
    expect(imports(store).map((i) => i.lines)).toEqual([2_102]);
    expect(await decisions()).toEqual([1, 0]);
    const reads = await mapReads();

    // Every line recorded as pushed: the index of the map they left decides, with no chunk
    // appended since and no map read.
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c2', [levels[0]!], { nothingChanged: true }),
    );
    await eventually(async () => (await unchanged()) === 1, 'c2 without an import');
    expect(await decisions()).toEqual([1, 1]);
    expect(await mapReads()).toBe(reads);
    expect(await metric('sync_applier_stock_index_entries', {})).toBe(2_102);

    // A change is then one line, decided on the index as well.
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c3', [{ sku: 'SKU-CAT-0007', fulfillable: 40 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 2, 'c3');
    expect(imports(store).map((i) => i.lines)).toEqual([2_102, 1]);
    expect(quantities(store)['SKU-CAT-0007']).toBe(39);
    expect(await decisions()).toEqual([1, 2]);
    expect(await mapReads()).toBe(reads);
  });

  it("a store's offers written after its levels, more chunks than a decision outside a slot reads and nothing pushed yet, are decided on its index in a slot: no map read (ADR 0174)", async () => {
    const { harness, store, running } = await setUp();
    const { mapReads, decisions, unchanged } = cycleEndCounters(running);
    // The store's levels first, as when its full export waits in the mirakl-poller's queue: 9,500
    // SKUs none of which is an offer yet, so nothing is sent or taken as pushed. So many that the
    // first decision's read finds the map crowded and takes its chunks as its base (ADR 0172):
    // the writes that follow stay under the bound past which a write compacts.
    const all = Array.from({ length: 9_500 }, (_, i) => `SKU-CAT-${String(i).padStart(4, '0')}`);
    const skus = all.slice(0, 5_000);
    const levels = all.map((sku, i) => ({ sku, fulfillable: 3 + (i % 5) }));
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c1', levels, { perFact: 250 }),
    );
    await eventually(async () => (await unchanged()) === 1, 'c1 without an import');
    expect(imports(store)).toEqual([]);
    expect(await decisions()).toEqual([1, 0]);
    const reads = await mapReads();

    // Then its catalog of offers, a hundred a fact: more than INDEX_MAX_CHUNKS chunks appended.
    await publishCatalog(harness, store, skus);
    // Waited for on the chunks as written: a read of the whole map would compact it (ADR 0172),
    // and the index would stand for chunks replaced.
    const offersWritten = async () => {
      const all = await createInventoryState(harness.mongo.db).appendedSince(
        store.storeId,
        [],
        Number.POSITIVE_INFINITY,
      );
      return new Set(all?.appended.filter(([, change]) => change?.offer).map(([sku]) => sku)).size;
    };
    await eventually(async () => (await offersWritten()) === 5_002, 'the offers written');
    // 5,000 offers take more chunks than a decision outside a slot reads.
    expect(Math.ceil(skus.length / ENTRIES_PER_CHUNK)).toBeGreaterThan(INDEX_MAX_CHUNKS);

    // Every new offer's quantity goes out in one import, decided on the index (no quantity pushed
    // in it, no pushed buffer in the map) and the offers' chunks; the map is not read, and the
    // index after the import decides the next cycle end.
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c2', [levels[0]!], { nothingChanged: true }),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'c2');
    expect(imports(store).map((i) => i.lines)).toEqual([5_000]);
    expect(quantities(store)['SKU-CAT-0012']).toBe(3 + (12 % 5) - 1);
    expect(await decisions()).toEqual([1, 1]);
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c3', [{ sku: 'SKU-CAT-0007', fulfillable: 40 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 2, 'c3');
    expect(imports(store).map((i) => i.lines)).toEqual([5_000, 1]);
    expect(await decisions()).toEqual([1, 2]);
    expect(await mapReads()).toBe(reads);
  });

  it("a poll pass's levels are written a fetched batch at a time, not a write per SKU", async () => {
    const { harness, store, running } = await setUp();
    const metric = (name: string) => counted(running.metrics, name, { kind: 'level' });
    const levels = [
      ...Array.from({ length: 198 }, (_, i) => ({ sku: `SKU-OTHER-${i}`, fulfillable: i })),
      { sku: 'SKU-BOWL', fulfillable: 5 },
      { sku: 'SKU-MUG', fulfillable: 10 },
    ];
    await harness.publish('inventoryObserved', cycle(store.storeId, 'c1', levels));
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    expect(quantities(store)).toEqual({ 'SKU-MUG': 9, 'SKU-BOWL': 4 });
    expect(await metric('sync_applier_catalog_facts_total')).toBe(200);
    const writes = await metric('sync_applier_catalog_state_writes_total');
    // One fetch usually holds the whole pass; a fetch cut short adds a write per extra batch.
    withContext(`${writes} writes for 200 levels`, () => expect(writes).toBeLessThanOrEqual(5));
    expect(await createInventoryState(harness.mongo.db).levels(store.storeId)).toHaveLength(200);
  });

  it('facts carrying a page of levels each (ADR 0166) give every SKU its quantity in one import', async () => {
    const { harness, store, running } = await setUp();
    const levels = [
      ...Array.from({ length: 198 }, (_, i) => ({ sku: `SKU-OTHER-${i}`, fulfillable: i })),
      { sku: 'SKU-BOWL', fulfillable: 5 },
      { sku: 'SKU-MUG', fulfillable: 10, exception: 2 },
    ];
    const facts = cycle(store.storeId, 'c1', levels, { perFact: 64 });
    expect(facts.map((f) => 1 + f.more.length)).toEqual([64, 64, 64, 8]);
    await harness.publish('inventoryObserved', facts);
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'APPLIED');
    // The store's offers are the two SKUs; each has its own quantity, from the last fact's `more`.
    expect(quantities(store)).toEqual({ 'SKU-MUG': 7, 'SKU-BOWL': 4 });
    expect(imports(store)).toHaveLength(1);
    expect(
      await counted(running.metrics, 'sync_applier_catalog_facts_total', { kind: 'level' }),
    ).toBe(200);
    const state = await createInventoryState(harness.mongo.db).levels(store.storeId);
    expect(state).toHaveLength(200);
    expect(state.find((l) => l.sku === 'SKU-OTHER-100')).toMatchObject({ fulfillable: 100 });
  });
});

/** Mirakl's quantities as a full export shows them, in chunks of one offer. */
function stock(
  storeId: string,
  exportedAt: number,
  quantities: Record<string, number>,
): EventOf<'stockObserved'>[] {
  const offers = Object.entries(quantities).map(([shopSku, quantity]) => ({ shopSku, quantity }));
  return offers.map((offer, chunk) => ({
    envelope: envelope({
      storeId,
      idempotencyKey: `mirakl:${storeId}:stock:${exportedAt}:${chunk}`,
      source: 'test',
      occurredAt: exportedAt,
    }),
    reconciliationId: String(exportedAt),
    exportedAt,
    chunk,
    chunkCount: offers.length,
    offers: [offer],
  }));
}

/** What an earlier run left of a reconciliation: its first chunk, and `fields` beside it. */
async function leftBehind(
  harness: ApplierHarness,
  first: EventOf<'stockObserved'>,
  fields: Record<string, unknown> = {},
): Promise<void> {
  const { storeId } = first.envelope;
  await harness.mongo.db
    .collection<Record<string, unknown> & { _id: string }>(RECONCILIATION_COLLECTIONS.runs)
    .insertOne({
      _id: `${storeId}|${first.reconciliationId}`,
      storeId,
      exportedAt: first.exportedAt,
      chunkCount: first.chunkCount,
      chunks: { [`c${first.chunk}`]: first.offers },
      ...fields,
    });
}

describe('stock reconciliation in the applier', () => {
  it('reports a drift once, the next import fixes it, and a drift again after the fix is flagged', async () => {
    const { harness, store, running } = await setUp();
    const levels = [
      { sku: 'SKU-BOWL', fulfillable: 5 },
      { sku: 'SKU-MUG', fulfillable: 10, exception: 2 },
    ];
    await harness.publish('inventoryObserved', cycle(store.storeId, 'c1', levels));
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'import');

    // Someone sets the mug's quantity in Mirakl's back office.
    store.mirakl.control.upsertOffers(store.shopId, [{ sku: 'SKU-MUG', quantity: 3 }]);
    const first = stock(store.storeId, Date.now(), quantities(store));
    await harness.publish('stockObserved', first);
    const reconciled = () =>
      harness
        .outcomesOf(store.storeId, 'APPLIED')
        .filter((o) => o.effectKey.startsWith('reconcile:'));
    await eventually(() => reconciled().length === 1, 'the reconciliation');
    expect(reconciled()[0]).toMatchObject({
      flow: 'inventory',
      reason: 'drift',
      externalIds: { compared: '2', drifted: '1', persistent: '0' },
    });
    expect(reconciled()[0]!.detail).toContain('SKU-MUG (Mirakl 3, computed 7)');

    // A redelivered chunk changes nothing.
    await harness.publish('stockObserved', first.at(-1)!);
    await eventually(
      async () =>
        (await counted(running.metrics, 'sync_applier_inventory_reconciliations_total', {
          result: 'duplicate',
        })) === 1,
      'the duplicate counted',
    );
    expect(reconciled()).toHaveLength(1);
    expect(harness.outcomesOf(store.storeId, 'FAILED')).toHaveLength(0);

    // The next cycle, nothing changed in ShipBob, sends the drifted SKU again, only it.
    await harness.publish('inventoryObserved', cycle(store.storeId, 'c2', levels));
    await eventually(() => imports(store).length === 2, 'the fixing import');
    expect(imports(store)[1]).toMatchObject({ lines: 1 });
    await eventually(() => quantities(store)['SKU-MUG'] === 7, 'the mug fixed');
    await eventually(
      () => harness.outcomesOf(store.storeId, 'APPLIED').length === 3,
      'the fixing import recorded',
    );

    // Set again behind the product's back: the drift persists after a fix.
    store.mirakl.control.upsertOffers(store.shopId, [{ sku: 'SKU-MUG', quantity: 2 }]);
    await harness.publish('stockObserved', stock(store.storeId, Date.now(), quantities(store)));
    await eventually(
      () => harness.outcomesOf(store.storeId, 'FAILED').length === 1,
      'the persistent drift',
    );
    expect(harness.outcomesOf(store.storeId, 'FAILED')[0]).toMatchObject({
      reason: 'persistent-drift',
      subjectId: 'SKU-MUG',
    });
    expect(
      await counted(running.metrics, 'sync_applier_inventory_drift_skus_total', { kind: 'drift' }),
    ).toBe(1);
    // Counted after the outcomes are published and the reconciliation marked done.
    await eventually(
      async () =>
        (await counted(running.metrics, 'sync_applier_inventory_drift_skus_total', {
          kind: 'persistent',
        })) === 1,
      'the persistent drift counted',
    );
  });

  it("a reconciliation, holding the store's map and Mirakl's quantities, waits for one of the process's slots (ADR 0143)", async () => {
    const cycleEnds = createPassLimit(1);
    const { harness, store, running } = await setUp({ cycleEnds });
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c1', [{ sku: 'SKU-MUG', fulfillable: 4 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'import');
    const free = occupy(cycleEnds);
    await harness.publish('stockObserved', stock(store.storeId, Date.now(), quantities(store)));
    await eventually(
      async () =>
        (await counted(running.metrics, 'sync_applier_cycle_end_phases', { state: 'waiting' })) ===
        1,
      'the reconciliation waits',
    );
    expect(harness.outcomesOf(store.storeId, 'APPLIED')).toHaveLength(1);
    free();
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 2, 'reconciled');
    expect(harness.outcomesOf(store.storeId, 'APPLIED')[1]).toMatchObject({
      effectKey: expect.stringMatching(/^reconcile:/),
      externalIds: { compared: '1', drifted: '0' },
    });
  });

  it('with every quantity as computed, one entry says there is no drift', async () => {
    const { harness, store } = await setUp();
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c1', [{ sku: 'SKU-MUG', fulfillable: 4 }]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'import');
    await harness.publish('stockObserved', stock(store.storeId, Date.now(), quantities(store)));
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 2, 'reconciled');
    expect(harness.outcomesOf(store.storeId, 'APPLIED')[1]).toMatchObject({
      effectKey: expect.stringMatching(/^reconcile:/),
      reason: null,
      externalIds: { compared: '1', drifted: '0' },
    });
  });

  it('after a crash that saved the result and forgot the drifted SKU, the completing chunk reports the saved drift', async () => {
    const { harness, store } = await setUp();
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c1', [
        { sku: 'SKU-BOWL', fulfillable: 5 },
        { sku: 'SKU-MUG', fulfillable: 10, exception: 2 },
      ]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'import');
    const exportedAt = Date.now();
    const chunks = stock(store.storeId, exportedAt, { 'SKU-BOWL': 4, 'SKU-MUG': 3 });
    // What a run that stopped after saving its result and forgetting the mug left behind.
    await leftBehind(harness, chunks[0]!, {
      got: { c0: 1 },
      result: {
        compared: 2,
        pending: 0,
        drifted: [{ sku: 'SKU-MUG', marketplace: 3, computed: 7, persistent: false }],
        healed: [],
      },
    });
    await createInventoryState(harness.mongo.db).forgetPushedSkus(store.storeId, ['SKU-MUG']);

    await harness.publish('stockObserved', chunks[1]!);
    const reconciled = () =>
      harness
        .outcomesOf(store.storeId, 'APPLIED')
        .filter((o) => o.effectKey.startsWith('reconcile:'));
    await eventually(() => reconciled().length === 1, 'the reconciliation');
    // Compared again, the forgotten mug would have been pending and the drift lost.
    expect(reconciled()[0]).toMatchObject({
      reason: 'drift',
      externalIds: { compared: '2', pending: '0', drifted: '1' },
    });
  });

  it('a reconciliation begun before chunk counts were kept completes with its next chunk', async () => {
    const { harness, store } = await setUp();
    await harness.publish(
      'inventoryObserved',
      cycle(store.storeId, 'c1', [
        { sku: 'SKU-BOWL', fulfillable: 5 },
        { sku: 'SKU-MUG', fulfillable: 4 },
      ]),
    );
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 1, 'import');
    const exportedAt = Date.now();
    const chunks = stock(store.storeId, exportedAt, { 'SKU-BOWL': 5, 'SKU-MUG': 3 });
    await leftBehind(harness, chunks[0]!);

    await harness.publish('stockObserved', chunks[1]!);
    await eventually(() => harness.outcomesOf(store.storeId, 'APPLIED').length === 2, 'reconciled');
    expect(harness.outcomesOf(store.storeId, 'APPLIED')[1]).toMatchObject({
      effectKey: expect.stringMatching(/^reconcile:/),
      externalIds: { compared: '2', drifted: '1' },
    });
  });
});
