import { afterEach, describe, expect, it } from '@jest/globals';
import { infra, uniqueName } from '@msync/test-support';
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
    ['bucketed', { bucketedStreams: { shipments: 4 } }],
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
      expect(merged.get('o1')).toEqual({ version: 5, marks: ['labeled:1', 'labeled:2'] });
      expect(merged.get('o2')).toEqual({ version: 0, marks: ['labeled:9'] });

      await state.merge('s1', 'shipments', entries([['o1', 8, ['labeled:1']]]), at);
      expect((await state.seen('s1', 'shipments', ['o1'])).get('o1')).toEqual({
        version: 8,
        marks: ['labeled:1', 'labeled:2'],
      });

      await state.remember('s1', 'shipments', entries([['o1', 9, []]]), at);
      expect((await state.seen('s1', 'shipments', ['o1'])).get('o1')).toEqual({
        version: 9,
        marks: [],
      });
      // Merged entries are pruned like the others.
      expect(await state.prune('s1', 'shipments', new Date(at.getTime() + 1))).toBe(2);
      expect(await state.seen('s1', 'shipments', ['o1', 'o2'])).toEqual(new Map());
    },
  );

  it('keeps a bucketed catalog of 10,000 items in a few documents, whatever their ids', async () => {
    handle = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('pollstate').replace(/-/g, '_'),
      appName: 'test',
    });
    const state = createMongoPollState({
      db: handle.db,
      prefix: 'test_poll',
      bucketedStreams: { offers: 16 },
    });
    const at = new Date('2026-03-01T00:00:00Z');
    // SKUs may hold what a field name cannot: dots, a leading dollar, the escape character.
    const ids = Array.from({ length: 10_000 }, (_, i) =>
      i % 3 === 0 ? `SKU.${i}` : i % 3 === 1 ? `$SKU%2E${i}` : `sku-${i}`,
    );
    const items = new Map(ids.map((id, i) => [id, { version: i, marks: [`hash:${i}`] }]));
    await state.remember('s1', 'offers', items, at);
    await state.remember('s2', 'offers', new Map([['SKU.0', { version: 7, marks: [] }]]), at);

    const seen = await state.seen('s1', 'offers', [...ids, 'never-seen']);
    expect(seen.size).toBe(10_000);
    for (const [id, item] of items) expect(seen.get(id)).toEqual(item);
    expect((await state.seen('s2', 'offers', ['SKU.0'])).get('SKU.0')).toEqual({
      version: 7,
      marks: [],
    });
    expect(await handle.db.collection('test_poll_seen_buckets').countDocuments()).toBe(17);
    expect(await handle.db.collection('test_poll_seen').countDocuments()).toBe(0);

    // A later pass refreshes part of the catalog; pruning drops only what it did not see.
    const later = new Date(at.getTime() + 60_000);
    const kept = new Map([...items].slice(0, 100));
    await state.remember('s1', 'offers', kept, later);
    expect(await state.prune('s1', 'offers', later)).toBe(9_900);
    const after = await state.seen('s1', 'offers', ids);
    expect([...after.keys()].sort()).toEqual([...kept.keys()].sort());
  });
});
