import { describe, expect, it } from '@jest/globals';
import type { Db } from 'mongodb';
import type { ConsumedEventOf } from '@msync/events';
import { createMetricsRegistry } from '@msync/platform';
import { withContext } from '@msync/test-support';
import { applierMetrics } from '../metrics.js';
import { inventoryObserved, offerObserved } from '../test-support/facts.js';
import { scratchDatabases } from '../test-support/scratch-db.js';
import { createCatalogBatches, catalogSegments } from './catalog-batches.js';
import { INVENTORY_COLLECTIONS, createInventoryState } from './inventory-state.js';

type LevelFact = ConsumedEventOf<'inventoryObserved'>;
type OfferFact = ConsumedEventOf<'offerObserved'>;

const scratch = scratchDatabases('catbatch');

/**
 * A database on the real server and the writes of a per-store map sent to it, per map: each write
 * is one update of the map's head (ADR 0103).
 */
async function connect(): Promise<{ db: Db; updates: (collection: string) => number }> {
  const { db, commands } = await scratch();
  return {
    db,
    updates: (collection) =>
      commands.filter(
        (e) => e.commandName === 'findAndModify' && e.command['findAndModify'] === collection,
      ).length,
  };
}

let offset = 0;
/** A fact as the consumer hands it over, next on its partition. */
const consumed = <F extends LevelFact | OfferFact>(fact: Pick<F, 'topicKey' | 'value'>): F =>
  ({
    ...fact,
    topic: fact.topicKey,
    partition: 0,
    offset: String(offset++),
    key: null,
    headers: {},
  }) as F;

const level = (storeId: string, sku: string, fulfillable: number, endOfCycle = false) =>
  consumed<LevelFact>({
    topicKey: 'inventoryObserved',
    value: inventoryObserved({ storeId, sku, fulfillable, endOfCycle }),
  });
const offer = (storeId: string, sku: string, deleted = false) =>
  consumed<OfferFact>({
    topicKey: 'offerObserved',
    value: offerObserved({ storeId, sku, deleted }),
  });

const setUp = async () => {
  const { db, updates } = await connect();
  const state = createInventoryState(db);
  const metrics = applierMetrics(createMetricsRegistry('sync-applier-test'));
  const writes = async (kind: 'level' | 'offer') =>
    (await metrics.catalogStateWrites.get()).values.find((v) => v.labels['kind'] === kind)?.value ??
    0;
  return { db, updates, state, metrics, writes };
};

/** What a store's levels hold, by SKU. */
const levelsBySku = async (state: ReturnType<typeof createInventoryState>, storeId: string) =>
  Object.fromEntries((await state.levels(storeId)).map((l) => [l.sku, l.fulfillable]));

describe('catalog facts written a fetched batch at a time (real server)', () => {
  it('a batch of 300 levels of one store is one write, and the state is that of one by one', async () => {
    const { updates, state, metrics, writes } = await setUp();
    const batches = createCatalogBatches(state, metrics);
    // SKU-7 is seen three times: its last level wins, as when handled one after the other.
    const facts = Array.from({ length: 300 }, (_, i) =>
      level('s1', `SKU-${i % 150}`, i, i === 299),
    );
    const forget = batches.plan(facts);
    for (const fact of facts) await batches.observe(fact, true);
    forget();

    expect(updates(INVENTORY_COLLECTIONS.skus)).toBe(1);
    expect(await writes('level')).toBe(1);
    // The same facts one by one (no plan: a replay, the retrier) in another store.
    const alone = facts.map((f) => ({
      ...f,
      value: { ...f.value, envelope: { ...f.value.envelope, storeId: 's2' } },
    }));
    for (const fact of alone) await batches.observe(fact, false);
    expect(updates(INVENTORY_COLLECTIONS.skus)).toBe(301);
    const batched = await levelsBySku(state, 's1');
    expect(Object.keys(batched)).toHaveLength(150);
    expect(batched['SKU-7']).toBe(157);
    expect(batched).toEqual(await levelsBySku(state, 's2'));
  });

  it('a cycle end reads exactly the levels before it; a batch of two stores is a write per store and cycle', async () => {
    const { db, updates, state, metrics } = await setUp();
    const batches = createCatalogBatches(state, metrics);
    const facts = [
      level('s1', 'SKU-A', 1),
      level('s2', 'SKU-A', 10),
      level('s1', 'SKU-B', 2, true),
      level('s1', 'SKU-A', 3),
      level('s2', 'SKU-B', 20, true),
    ];
    expect(catalogSegments(facts).map((s) => s.map((f) => f.offset))).toEqual([
      [facts[0]!.offset, facts[2]!.offset],
      [facts[1]!.offset, facts[4]!.offset],
      [facts[3]!.offset],
    ]);
    const forget = batches.plan(facts);
    const seenAtCycleEnd: Record<string, number>[] = [];
    for (const fact of facts) {
      await batches.observe(fact, true);
      if (fact.value.endOfCycle)
        seenAtCycleEnd.push(await levelsBySku(state, fact.value.envelope.storeId));
    }
    forget();
    // s1's cycle end sees SKU-A at 1, not the next cycle's 3.
    expect(seenAtCycleEnd).toEqual([
      { 'SKU-A': 1, 'SKU-B': 2 },
      { 'SKU-A': 10, 'SKU-B': 20 },
    ]);
    expect(updates(INVENTORY_COLLECTIONS.skus)).toBe(3);
    expect(await levelsBySku(state, 's1')).toEqual({ 'SKU-A': 3, 'SKU-B': 2 });
    expect(await db.collection(INVENTORY_COLLECTIONS.skus).countDocuments()).toBe(2);
  });

  it('offers: one write per store and batch, a deletion after a sighting wins, a replay changes nothing', async () => {
    const { updates, state, metrics, writes } = await setUp();
    const batches = createCatalogBatches(state, metrics);
    const facts = [
      ...Array.from({ length: 100 }, (_, i) => offer('s1', `SKU-${i}`)),
      offer('s1', 'SKU-3', true),
      offer('s1', 'SKU.$odd'),
    ];
    const forget = batches.plan(facts);
    for (const fact of facts) await batches.observe(fact, true);
    forget();
    expect(updates(INVENTORY_COLLECTIONS.skus)).toBe(1);
    const offers = await state.offers('s1');
    expect(offers.size).toBe(100);
    expect(offers.has('SKU-3')).toBe(false);
    expect(offers.has('SKU.$odd')).toBe(true);

    // Delivered again after a crash: a new plan, the same writes, the same state. A batch that
    // held the same messages and ends meanwhile does not take the new plan with it.
    const earlier = batches.plan(facts);
    const again = batches.plan(facts);
    earlier();
    for (const fact of facts) await batches.observe(fact, true);
    again();
    expect(updates(INVENTORY_COLLECTIONS.skus)).toBe(2);
    expect(await state.offers('s1')).toEqual(offers);
    expect(await writes('offer')).toBe(2);
  });

  it('after a fact of the batch went to the retrier, the next one the consumer hands over writes again', async () => {
    const { updates, state, metrics } = await setUp();
    const batches = createCatalogBatches(state, metrics);
    const facts = [
      level('s1', 'SKU-A', 1),
      level('s1', 'SKU-A', 2),
      level('s1', 'SKU-A', 3),
      level('s1', 'SKU-A', 4),
    ];
    const forget = batches.plan(facts);
    await batches.observe(facts[0]!, true);
    expect(await levelsBySku(state, 's1')).toEqual({ 'SKU-A': 4 });
    // facts[0] failed after its write and was parked with facts[1] behind it; the retrier
    // handles both alone, in order, then the consumer goes on with facts[2].
    await batches.observe(facts[0]!, false);
    await batches.observe(facts[1]!, false);
    expect(await levelsBySku(state, 's1')).toEqual({ 'SKU-A': 2 });
    await batches.observe(facts[2]!, true);
    await batches.observe(facts[3]!, true);
    forget();
    withContext('the rest of the batch written again once, from the fact after the gap', () =>
      expect(updates(INVENTORY_COLLECTIONS.skus)).toBe(4),
    );
    expect(await levelsBySku(state, 's1')).toEqual({ 'SKU-A': 4 });
    // A forgotten batch's facts are written alone.
    await batches.observe(facts[3]!, true);
    expect(updates(INVENTORY_COLLECTIONS.skus)).toBe(5);
  });
});
