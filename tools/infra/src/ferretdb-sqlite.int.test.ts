import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ObjectId, type Db } from 'mongodb';
import { uniqueName, withContext } from '@msync/test-support';
import { startFerretdbAlone, type FerretdbAlone } from './test-support/ferretdb-alone.js';

// The FerretDB the project builds, on its SQLite backend (the default), in a folder of its own:
// lookups by _id go through the _id index (ADR 0184), and what they find, update and delete is
// exactly the document named.

let ferretdb: FerretdbAlone;
let db: Db;

beforeAll(async () => {
  ferretdb = await startFerretdbAlone('sqlite');
  db = ferretdb.client.db(uniqueName('ferretdb_sqlite'));
});

afterAll(async () => {
  await ferretdb?.close();
});

/** SQLite's plan for a find, as FerretDB's `explain` returns it. */
const plan = async (collection: string, filter: object): Promise<string> =>
  JSON.stringify(
    (await db.command({ explain: { find: collection, filter } }))['queryPlanner'] ?? null,
  );

describe('FerretDB on its SQLite backend', () => {
  it('looks a document up by _id through the _id index, and scans for any other field', async () => {
    const orders = db.collection<{ _id: string | ObjectId; store: string }>('orders');
    const oid = new ObjectId();
    await orders.insertMany([
      { _id: 'a', store: 's1' },
      { _id: 'b', store: 's1' },
      { _id: oid, store: 's2' },
    ]);

    for (const id of ['b', oid]) {
      const byId = await plan('orders', { _id: id });
      withContext(`plan of a find by _id ${String(id)}: ${byId}`, () =>
        expect(byId).toMatch(/SEARCH \S+ USING INDEX \S+__id_ /),
      );
    }
    const byStore = await plan('orders', { store: 's1' });
    withContext(`plan of a find by store: ${byStore}`, () => expect(byStore).toMatch(/SCAN \S+/));
  });

  it('finds, updates and deletes by _id exactly the document named', async () => {
    const docs = db.collection<{ _id: string | ObjectId; n: number }>('docs');
    const oid = new ObjectId();
    await docs.insertMany([
      { _id: 'x', n: 1 },
      { _id: 'y', n: 2 },
      { _id: oid, n: 3 },
    ]);

    expect(await docs.findOne({ _id: 'y' })).toEqual({ _id: 'y', n: 2 });
    expect(await docs.findOne({ _id: oid })).toEqual({ _id: oid, n: 3 });
    expect(await docs.findOne({ _id: 'z' })).toBeNull();

    expect((await docs.updateOne({ _id: 'x' }, { $inc: { n: 10 } })).modifiedCount).toBe(1);
    expect((await docs.updateOne({ _id: oid }, { $set: { n: 30 } })).modifiedCount).toBe(1);
    expect((await docs.updateOne({ _id: 'z' }, { $set: { n: 0 } })).matchedCount).toBe(0);
    await docs.replaceOne({ _id: 'w' }, { n: 4 }, { upsert: true });

    expect((await docs.deleteOne({ _id: 'y' })).deletedCount).toBe(1);
    expect((await docs.deleteMany({ _id: { $in: ['w', 'z'] } })).deletedCount).toBe(1);

    expect(await docs.find().sort({ n: 1 }).toArray()).toEqual([
      { _id: 'x', n: 11 },
      { _id: oid, n: 30 },
    ]);
  });
});
