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
  it('remember replaces an entry; merge only adds marks and never lowers the version', async () => {
    handle = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('pollstate').replace(/-/g, '_'),
      appName: 'test',
    });
    const state = createMongoPollState({ db: handle.db, prefix: 'test_poll' });
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
  });
});
