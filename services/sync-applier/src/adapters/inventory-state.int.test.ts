import { describe, expect, it } from '@jest/globals';
import { SLACK_CHUNKS, createChunkedMap, createMapCache } from '@msync/platform';
import type { PushedLine } from '../domain/catalog.js';
import type { SkuStock } from '../domain/inventory.js';
import { stock } from '../test-support/facts.js';
import { scratchDatabases } from '../test-support/scratch-db.js';
import { INVENTORY_COLLECTIONS, createInventoryState } from './inventory-state.js';

/** A database on the real server, and the commands sent to it since `commands.length = 0`. */
const connect = scratchDatabases('invstate');

describe('a store’s inventory state, one map per store (real server)', () => {
  it('moves a store written in the earlier layout (three maps) at its first use, then empties them', async () => {
    const { db } = await connect();
    // What the earlier layout's writes left: levels, offers and pushed lines with their buffer.
    const at = new Date('2026-12-01T10:00:00Z');
    await createChunkedMap<SkuStock>(db, { name: INVENTORY_COLLECTIONS.levels }).write('s1', [
      ['SKU-A', stock('SKU-A', 10)],
      ['SKU-B', stock('SKU-B', 4, { digital: true })],
    ]);
    await createChunkedMap<string>(db, { name: INVENTORY_COLLECTIONS.offers }).write('s1', [
      ['SKU-A', 'SKU-A'],
      ['SKU-C', 'SKU-C'],
    ]);
    await createChunkedMap<PushedLine, { buffer: number | null }>(db, {
      name: INVENTORY_COLLECTIONS.pushed,
    }).write(
      's1',
      [['SKU-A', { sku: 'SKU-A', quantity: 8, at, result: 'APPLIED', importId: 'imp-1' }]],
      { set: { buffer: 2 } },
    );

    const state = createInventoryState(db);
    await state.observeLevels('s1', [stock('SKU-C', 7)]);
    const snapshot = await state.snapshot('s1');
    expect(snapshot.levels.sort((a, b) => a.sku.localeCompare(b.sku))).toEqual([
      stock('SKU-A', 10),
      stock('SKU-B', 4, { digital: true }),
      stock('SKU-C', 7),
    ]);
    expect(snapshot.offers).toEqual(new Set(['SKU-A', 'SKU-C']));
    expect(snapshot.pushed).toEqual({
      buffer: 2,
      quantities: new Map([['SKU-A', 8]]),
      at: new Map([['SKU-A', at.getTime()]]),
    });
    expect(snapshot.pushedLines()).toEqual([
      { sku: 'SKU-A', quantity: 8, at, result: 'APPLIED', importId: 'imp-1' },
    ]);
    // The earlier maps are empty now; another process reads the same from the new one.
    for (const name of [INVENTORY_COLLECTIONS.levels, INVENTORY_COLLECTIONS.offers])
      expect((await createChunkedMap(db, { name }).read('s1')).entries.size).toBe(0);
    const other = await createInventoryState(db).snapshot('s1');
    expect(other.pushed).toEqual(snapshot.pushed);
    expect(other.levels).toHaveLength(3);
    expect(other.offers).toEqual(snapshot.offers);
  });

  it('a new store writes nothing in the earlier layout', async () => {
    const { db } = await connect();
    const state = createInventoryState(db);
    await state.observeOffers('s1', [{ shopSku: 'SKU-A', present: true }]);
    await state.observeLevel('s1', stock('SKU-A', 3));
    expect((await state.snapshot('s1')).levels).toEqual([stock('SKU-A', 3)]);
    const collections = (await db.listCollections().toArray()).map((c) => c.name);
    expect(collections).not.toContain(INVENTORY_COLLECTIONS.levels);
    expect(collections).not.toContain(INVENTORY_COLLECTIONS.pushed);
  });

  it('levels, offers and pushed lines of a SKU change apart; a deleted offer keeps its levels', async () => {
    const { db } = await connect();
    const state = createInventoryState(db);
    await state.observeLevels('s1', [stock('SKU-A', 5), stock('SKU-B', 6)]);
    await state.observeOffers('s1', [
      { shopSku: 'SKU-A', present: true },
      { shopSku: 'SKU-B', present: true },
    ]);
    await state.recordPushed('s1', 1, [
      { sku: 'SKU-A', quantity: 4 },
      { sku: 'SKU-B', quantity: 5 },
    ]);
    await state.observeLevel('s1', stock('SKU-A', 9));
    await state.observeOffer('s1', 'SKU-B', false);
    await state.forgetPushedSkus('s1', ['SKU-B']);
    const { levels, offers, pushed } = await state.snapshot('s1');
    expect(levels).toEqual([stock('SKU-A', 9), stock('SKU-B', 6)]);
    expect(offers).toEqual(new Set(['SKU-A']));
    expect(pushed.buffer).toBe(1);
    expect(pushed.quantities).toEqual(new Map([['SKU-A', 4]]));
  });

  it('a compaction writes back every part of every entry, as a fresh read finds them', async () => {
    const { db } = await connect();
    const state = createInventoryState(db, createMapCache({ maxEntries: 10_000 }));
    const at = new Date('2026-12-02T08:00:00Z');
    await state.observeOffers('s1', [
      { shopSku: 'SKU-A', present: true },
      { shopSku: 'SKU-B', present: true },
    ]);
    await state.recordPushed('s1', 1, [
      { sku: 'SKU-A', quantity: 3, at, result: 'FAILED', reason: 'stock-rejected', detail: 'no' },
    ]);
    // One write per level: enough chunks for a compaction, made by the next read (ADR 0172).
    for (let i = 0; i < 3 * SLACK_CHUNKS; i++) await state.observeLevel('s1', stock('SKU-A', i));
    await state.snapshot('s1');
    const chunks = await db.collection(`${INVENTORY_COLLECTIONS.skus}_chunks`).countDocuments();
    expect(chunks).toBeLessThan(SLACK_CHUNKS);
    const fresh = await createInventoryState(db).snapshot('s1');
    expect(fresh.levels).toEqual([stock('SKU-A', 3 * SLACK_CHUNKS - 1)]);
    expect(fresh.offers).toEqual(new Set(['SKU-A', 'SKU-B']));
    expect(fresh.pushed.buffer).toBe(1);
    expect(fresh.pushedLines()).toEqual([
      { sku: 'SKU-A', quantity: 3, at, result: 'FAILED', reason: 'stock-rejected', detail: 'no' },
    ]);
    const cached = await state.snapshot('s1');
    expect([cached.levels, cached.offers, cached.pushed, cached.pushedLines()]).toEqual([
      fresh.levels,
      fresh.offers,
      fresh.pushed,
      fresh.pushedLines(),
    ]);
  });

  it('forgetting what was pushed drops every line and the buffer, and writes nothing the second time', async () => {
    const { db, commands } = await connect();
    const state = createInventoryState(db);
    await state.observeLevels('s1', [stock('SKU-A', 5)]);
    await state.recordPushed('s1', 0, [{ sku: 'SKU-A', quantity: 5 }]);
    await state.forgetPushed('s1');
    const forgotten = await state.snapshot('s1');
    expect(forgotten.pushed).toEqual({ buffer: null, quantities: new Map(), at: new Map() });
    expect(forgotten.pushedLines()).toEqual([]);
    expect(forgotten.levels).toEqual([stock('SKU-A', 5)]);

    commands.length = 0;
    await state.forgetPushed('s1');
    expect(commands.filter((c) => c.commandName !== 'find').map((c) => c.commandName)).toEqual([]);
  });

  it('with a cache, a cycle end reads the head and the chunk written since: one map, not three', async () => {
    const { db, commands } = await connect();
    const state = createInventoryState(db, createMapCache({ maxEntries: 10_000 }));
    const skus = Array.from({ length: 1_200 }, (_, i) => `SKU-${i}`);
    await state.observeOffers(
      's1',
      skus.map((shopSku) => ({ shopSku, present: true })),
    );
    await state.observeLevels(
      's1',
      skus.map((sku) => stock(sku, 1)),
    );
    await state.snapshot('s1');
    await state.recordPushed(
      's1',
      0,
      skus.map((sku) => ({ sku, quantity: 1 })),
    );
    await state.observeLevels('s1', [stock('SKU-7', 2)]);

    commands.length = 0;
    const { levels, offers, pushed } = await state.snapshot('s1');
    expect(levels.find((l) => l.sku === 'SKU-7')?.fulfillable).toBe(2);
    expect(offers.size).toBe(1_200);
    expect(pushed.quantities.size).toBe(1_200);
    const finds = commands.map((c) => `${c.commandName} ${String(c.command[c.commandName])}`);
    // The head, then the pushed lines' three chunks and the level's one.
    expect(finds).toEqual([
      `find ${INVENTORY_COLLECTIONS.skus}`,
      ...Array.from({ length: 4 }, () => `find ${INVENTORY_COLLECTIONS.skus}_chunks`),
    ]);
  });
});
