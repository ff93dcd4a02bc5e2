import { afterEach, describe, expect, it } from '@jest/globals';
import { infra, uniqueName } from '@msync/test-support';
import { createMapCache } from '../chunked-map.js';
import { connectMongo, type MongoHandle } from '../mongo.js';
import { createMongoPollState } from './poll-state.js';

let handle: MongoHandle | undefined;
afterEach(async () => {
  await handle?.db.dropDatabase();
  await handle?.close();
  handle = undefined;
});

describe('poll state seen entries on the real MongoDB-compatible server', () => {
  it.each([
    ['one document per item', {}],
    ['a catalog stream (chunked map)', { catalogStreams: { shipments: 0 } }],
  ])(
    'remember replaces an entry; merge only adds marks and never lowers the version (%s)',
    async (_, layout) => {
      handle = await connectMongo(infra().MONGO_URL, {
        dbName: uniqueName('pollstate').replace(/-/g, '_'),
        appName: 'test',
      });
      const state = createMongoPollState({ db: handle.db, prefix: 'test_poll', ...layout });
      const at = new Date('2026-03-01T00:00:00Z');
      const entries = (items: [string, number, string[]][]) =>
        new Map(items.map(([id, version, marks]) => [id, { version, marks }]));

      await state.remember('s1', 'shipments', entries([['o1', 5, ['labeled:1']]]), at);
      await state.merge(
        's1',
        'shipments',
        entries([
          ['o1', 3, ['labeled:2']],
          ['o2', 0, ['labeled:9']],
        ]),
        at,
      );
      const merged = await state.seen('s1', 'shipments', ['o1', 'o2']);
      expect(merged.get('o1')).toEqual({
        version: 5,
        marks: ['labeled:1', 'labeled:2'],
        seenAt: at,
      });
      expect(merged.get('o2')).toEqual({ version: 0, marks: ['labeled:9'], seenAt: at });

      await state.merge('s1', 'shipments', entries([['o1', 8, ['labeled:1']]]), at);
      expect((await state.seen('s1', 'shipments', ['o1'])).get('o1')).toEqual({
        version: 8,
        marks: ['labeled:1', 'labeled:2'],
        seenAt: at,
      });

      await state.remember('s1', 'shipments', entries([['o1', 9, []]]), at);
      expect((await state.seen('s1', 'shipments', ['o1'])).get('o1')).toEqual({
        version: 9,
        marks: [],
        seenAt: at,
      });
      // Merged entries are pruned like the others.
      expect(await state.prune('s1', 'shipments', new Date(at.getTime() + 1))).toBe(2);
      expect(await state.seen('s1', 'shipments', ['o1', 'o2'])).toEqual(new Map());
    },
  );

  it('a saved cursor never moves back, and a pass without one keeps it; its last start is the latest pass', async () => {
    handle = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('pollstate').replace(/-/g, '_'),
      appName: 'test',
    });
    const state = createMongoPollState({ db: handle.db, prefix: 'test_poll' });
    const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 0, minute));

    expect(await state.cursor('s1', 'orders')).toEqual({ cursor: null, lastPassStartedAt: null });
    await state.saveCursor('s1', 'orders', { cursor: null, startedAt: at(1) });
    expect(await state.cursor('s1', 'orders')).toEqual({ cursor: null, lastPassStartedAt: at(1) });
    await state.saveCursor('s1', 'orders', { cursor: at(10), startedAt: at(2) });
    expect(await state.cursor('s1', 'orders')).toEqual({
      cursor: at(10),
      lastPassStartedAt: at(2),
    });
    // A backfill's earlier cursor, then a pass without one: the later cursor stays.
    await state.saveCursor('s1', 'orders', { cursor: at(5), startedAt: at(3) });
    await state.saveCursor('s1', 'orders', { cursor: null, startedAt: at(4) });
    expect(await state.cursor('s1', 'orders')).toEqual({
      cursor: at(10),
      lastPassStartedAt: at(4),
    });
    await state.saveCursor('s1', 'orders', { cursor: at(20), startedAt: at(5) });
    expect(await state.cursor('s1', 'orders')).toEqual({
      cursor: at(20),
      lastPassStartedAt: at(5),
    });
    // Another store's and another stream's cursors are their own.
    expect(await state.cursor('s2', 'orders')).toEqual({ cursor: null, lastPassStartedAt: null });
    expect(await state.cursor('s1', 'shipments')).toEqual({
      cursor: null,
      lastPassStartedAt: null,
    });
  });

  it.each([
    ['read from the database', undefined],
    ['kept in memory between reads, in its compact form (ADR 0124)', 100_000],
  ])(
    'keeps a catalog of 10,000 items in a few documents, whatever their ids (%s)',
    async (_, kept) => {
      handle = await connectMongo(infra().MONGO_URL, {
        dbName: uniqueName('pollstate').replace(/-/g, '_'),
        appName: 'test',
      });
      const cache = kept === undefined ? undefined : createMapCache({ maxEntries: kept });
      const state = createMongoPollState({
        db: handle.db,
        prefix: 'test_poll',
        catalogStreams: { offers: 16 },
        cache,
      });
      const at = new Date('2026-03-01T00:00:00Z');
      // SKUs may hold what a field name cannot: dots, a leading dollar, the escape character.
      const ids = Array.from({ length: 10_000 }, (_, i) =>
        i % 3 === 0 ? `SKU.${i}` : i % 3 === 1 ? `$SKU%2E${i}` : `sku-${i}`,
      );
      const items = new Map(ids.map((id, i) => [id, { version: i, marks: [`hash:${i}`] }]));
      await state.remember('s1', 'offers', items, at);
      await state.remember('s2', 'offers', new Map([['SKU.0', { version: 7, marks: [] }]]), at);

      // With a cache, the second read is answered from memory (the map its first read kept).
      await state.seen('s1', 'offers', ['SKU.0']);
      const seen = await state.seen('s1', 'offers', [...ids, 'never-seen']);
      expect(seen.size).toBe(10_000);
      if (cache) expect(cache.size()).toEqual({ entries: 10_000, maps: 1 });
      for (const [id, item] of items) expect(seen.get(id)).toEqual({ ...item, seenAt: at });
      expect((await state.seen('s2', 'offers', ['SKU.0'])).get('SKU.0')).toEqual({
        version: 7,
        marks: [],
        seenAt: at,
      });
      // Two heads, and 500 entries a chunk: 20 for s1, one for s2.
      expect(await handle.db.collection('test_poll_seen_maps').countDocuments()).toBe(2);
      expect(await handle.db.collection('test_poll_seen_maps_chunks').countDocuments()).toBe(21);
      expect(await handle.db.collection('test_poll_seen').countDocuments()).toBe(0);

      // A later pass refreshes part of the catalog; pruning drops only what it did not see.
      const later = new Date(at.getTime() + 60_000);
      const refreshed = new Map([...items].slice(0, 100));
      await state.remember('s1', 'offers', refreshed, later);
      expect(await state.prune('s1', 'offers', later)).toBe(9_900);
      const after = await state.seen('s1', 'offers', ids);
      expect([...after.keys()].sort()).toEqual([...refreshed.keys()].sort());
    },
  );

  it("tells unchanged items from its digest of a store's seen-set, with what any process wrote since (ADR 0178)", async () => {
    handle = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('pollstate').replace(/-/g, '_'),
      appName: 'test',
    });
    const open = () =>
      createMongoPollState({ db: handle!.db, prefix: 'test_poll', catalogStreams: { offers: 0 } });
    const state = open();
    const other = open();
    const at = new Date('2026-03-01T00:00:00Z');
    const fresh = at.getTime();
    const items = new Map(
      Array.from({ length: 1_200 }, (_, i) => [`sku-${i}`, { version: i, marks: [`fp:${i}`] }]),
    );
    const ask = (s: typeof state, wanted: [string, string][], freshSince = fresh) =>
      s.unchanged!(
        's1',
        'offers',
        wanted.map(([id, mark]) => [id, [mark]] as const),
        freshSince,
      ).then((told) => told && told.map(Number).join(''));
    await state.remember('s1', 'offers', items, at);

    // No digest before the process read the store's seen-set, nor for a stream of one document
    // per item.
    expect(await ask(state, [['sku-0', 'fp:0']])).toBeNull();
    expect(await state.unchanged!('s1', 'orders', [['o1', ['a']]], fresh)).toBeNull();
    await state.seen('s1', 'offers', ['sku-0']);
    expect(
      await ask(state, [
        ['sku-0', 'fp:0'],
        ['sku-1', 'fp:changed'],
        ['sku-2', 'fp:2'],
        ['sku-new', 'fp:new'],
      ]),
    ).toBe('1010');
    // Remembered before the instant asked: not told unchanged (its entry is due a refresh).
    expect(await ask(state, [['sku-0', 'fp:0']], fresh + 1_000)).toBe('0');

    // This process's own writes, however many chunks, are taken in as they are written: a store's
    // first pass (an empty map read, then 9,000 entries: 18 chunks, more than a digest reads back).
    await state.seen('s2', 'offers', ['sku-0']);
    const first = new Map(
      Array.from({ length: 9_000 }, (_, i) => [`sku-${i}`, { version: i, marks: [`fp:${i}`] }]),
    );
    await state.remember('s2', 'offers', first, at);
    const told = await state.unchanged!(
      's2',
      'offers',
      [...first].map(([id, item]) => [id, item.marks] as const),
      fresh,
    );
    expect(told?.filter(Boolean).length).toBe(9_000);

    // Another process changes one entry and adds marks to another (a merge): the digest takes
    // them in, and no longer tells the merged one.
    await other.remember(
      's1',
      'offers',
      new Map([['sku-2', { version: 9, marks: ['fp:2b'] }]]),
      at,
    );
    await other.merge('s1', 'offers', new Map([['sku-3', { version: 9, marks: ['x'] }]]), at);
    expect(
      await ask(state, [
        ['sku-2', 'fp:2'],
        ['sku-2', 'fp:2b'],
        ['sku-3', 'fp:3'],
        ['sku-4', 'fp:4'],
      ]),
    ).toBe('0101');
  });

  it('moves the seen entries of a store from ADR 0096 buckets into its map at first use', async () => {
    handle = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('pollstate').replace(/-/g, '_'),
      appName: 'test',
    });
    const at = new Date('2026-03-01T00:00:00Z');
    const later = new Date(at.getTime() + 60_000);
    // Given the layout before: 4 buckets per store, `.`, `$` and `%` escaped as `%2E`, `%24`, `%25`.
    const buckets = handle.db.collection<{ _id: string; items: object }>('test_poll_seen_buckets');
    await buckets.insertMany([
      {
        _id: 's1|offers|0',
        items: {
          'SKU%2E1': { version: 1, marks: ['hash:a'], seenAt: at },
          'x%25y': { version: 2, marks: ['hash:b'], seenAt: at },
        },
      },
      { _id: 's1|offers|3', items: { '%24z': { version: 3, marks: ['hash:c'], seenAt: at } } },
      { _id: 's2|offers|1', items: { other: { version: 4, marks: [], seenAt: at } } },
    ]);
    const state = createMongoPollState({
      db: handle.db,
      prefix: 'test_poll',
      catalogStreams: { offers: 4 },
    });

    // When the store's first pass reads and writes its seen-set
    expect(await state.seen('s1', 'offers', ['SKU.1', 'x%y', '$z', 'other'])).toEqual(
      new Map([
        ['SKU.1', { version: 1, marks: ['hash:a'], seenAt: at }],
        ['x%y', { version: 2, marks: ['hash:b'], seenAt: at }],
        ['$z', { version: 3, marks: ['hash:c'], seenAt: at }],
      ]),
    );
    await state.remember('s1', 'offers', new Map([['SKU.1', { version: 5, marks: [] }]]), later);

    // Then its buckets are gone, the other store's are not, and what they held is in the map.
    expect((await buckets.find({}).toArray()).map((b) => b._id)).toEqual(['s2|offers|1']);
    const reopened = createMongoPollState({
      db: handle.db,
      prefix: 'test_poll',
      catalogStreams: { offers: 4 },
    });
    expect(await reopened.seen('s1', 'offers', ['SKU.1', 'x%y', '$z'])).toEqual(
      new Map([
        ['SKU.1', { version: 5, marks: [], seenAt: later }],
        ['x%y', { version: 2, marks: ['hash:b'], seenAt: at }],
        ['$z', { version: 3, marks: ['hash:c'], seenAt: at }],
      ]),
    );
    // The moved entries keep their age: pruning drops those the later pass did not see.
    expect(await reopened.prune('s1', 'offers', later)).toBe(2);
  });
});
