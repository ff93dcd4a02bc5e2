import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoServerError, type MongoClient } from 'mongodb';
import pg from 'pg';
import { uniqueName, withContext } from '@msync/test-support';
import { postgresql, type Context } from './components.js';
import { down, status, type UpResult } from './infra.js';
import { startFerretdbAlone, type FerretdbAlone } from './test-support/ferretdb-alone.js';

let ferretdb: FerretdbAlone;
let ctx: Context;
let result: UpResult;
let client: MongoClient;

beforeAll(async () => {
  ferretdb = await startFerretdbAlone('postgresql');
  ({ ctx, result, client } = ferretdb);
});

afterAll(async () => {
  await ferretdb?.close();
});

describe('FerretDB on its PostgreSQL backend', () => {
  it('starts PostgreSQL, then FerretDB on it, in the state folder and on the given ports', async () => {
    expect(result.started).toEqual(['postgresql', 'mongo']);
    expect(result.env.MONGO_URL).toBe(`mongodb://127.0.0.1:${ctx.ports.mongo}/`);
    expect(existsSync(join(ctx.state, 'postgresql', 'data', 'PG_VERSION'))).toBe(true);
    const rows = await status(ctx);
    expect(rows.map((r) => [r.name, r.healthy])).toEqual(
      expect.arrayContaining([
        ['postgresql', true],
        ['mongo', true],
      ]),
    );
    // FerretDB names the backend it is connected to.
    const log = await client.db('admin').command({ getLog: 'startupWarnings' });
    withContext(`startupWarnings: ${JSON.stringify(log)}`, () =>
      expect(JSON.stringify(log)).toMatch(/Powered by FerretDB v1\.24\.2 and PostgreSQL 16\./),
    );
  });

  it('inserts, finds by _id and by another field, and refuses a duplicate of a unique index', async () => {
    const orders = client
      .db(uniqueName('ferretdb_postgresql'))
      .collection<{ _id: string; store: string; n: number }>('orders');
    await orders.createIndex({ store: 1, n: 1 }, { unique: true });
    await orders.insertMany([
      { _id: 'a', store: 's1', n: 1 },
      { _id: 'b', store: 's1', n: 2 },
      { _id: 'c', store: 's2', n: 1 },
    ]);
    expect(await orders.findOne({ _id: 'b' })).toEqual({ _id: 'b', store: 's1', n: 2 });
    const s1 = await orders.find({ store: 's1' }).sort({ n: 1 }).toArray();
    expect(s1.map((o) => o._id)).toEqual(['a', 'b']);

    const duplicate = await orders
      .insertOne({ _id: 'd', store: 's1', n: 2 })
      .catch((e: unknown) => e);
    withContext(`insert of a duplicate answered ${String(duplicate)}`, () => {
      expect(duplicate).toBeInstanceOf(MongoServerError);
      expect((duplicate as MongoServerError).code).toBe(11000);
    });
    const sameId = await orders.insertOne({ _id: 'a', store: 's3', n: 9 }).catch((e: unknown) => e);
    expect((sameId as MongoServerError).code).toBe(11000);
    expect(await orders.countDocuments({})).toBe(3);
  });

  it('finds large documents by `_id` and by an indexed field through indexes, not by reading every document', async () => {
    const dbName = uniqueName('ferretdb_postgresql');
    const chunks = client
      .db(dbName)
      .collection<{ _id: string; owner: string; e: string[] }>('chunks');
    await chunks.createIndex({ owner: 1 });
    // Documents of about 30 kB, as a map's chunks are: PostgreSQL keeps them out of line.
    const ids = Array.from({ length: 40 }, (_, i) => `store|${String(i).padStart(4, '0')}`);
    await chunks.insertMany(
      ids.map((_id, i) => ({
        _id,
        owner: `owner-${i % 4}`,
        e: Array.from({ length: 500 }, (_, k) => `SKU-${i}-${k}-${(i * 7919 + k * 104729) % 1e9}`),
      })),
    );
    const sql = new pg.Client({ connectionString: postgresql.url(ctx) });
    await sql.connect();
    try {
      // Documents read by scans (building an index reads the table too: none yet) and index scans.
      const scans = async () => {
        const { rows } = await sql.query<{ seq_tup_read: string; idx_scan: string | null }>(
          `SELECT seq_tup_read, idx_scan FROM pg_stat_user_tables WHERE schemaname = $1 AND relname LIKE 'chunks%'`,
          [dbName],
        );
        expect(rows).toHaveLength(1);
        return { scanned: Number(rows[0]!.seq_tup_read), index: Number(rows[0]!.idx_scan ?? 0) };
      };
      const before = await scans();
      for (const id of ids.slice(0, 10))
        expect((await chunks.findOne({ _id: id }))?.e).toHaveLength(500);
      for (const owner of ['owner-1', 'owner-2'])
        expect(await chunks.find({ owner }).toArray()).toHaveLength(10);
      // An idle backend reports its counts within about 10 s.
      const counted = (s: typeof before) => s.index + s.scanned / ids.length >= before.index + 12;
      let after = await scans();
      for (const deadline = Date.now() + 30_000; !counted(after) && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        after = await scans();
      }
      withContext(`before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`, () => {
        expect(after.index - before.index).toBeGreaterThanOrEqual(12);
        expect(after.scanned).toBe(before.scanned);
      });
    } finally {
      await sql.end();
    }
  });

  it('stops both cleanly, FerretDB before PostgreSQL', async () => {
    await client.close();
    const stopped = await down({ ctx });
    expect(stopped).toEqual(['mongo', 'postgresql']);
    const rows = await status(ctx);
    expect(rows.filter((r) => r.name === 'mongo' || r.name === 'postgresql')).toEqual([
      expect.objectContaining({ name: 'postgresql', healthy: false }),
      expect.objectContaining({ name: 'mongo', healthy: false }),
    ]);
    // A clean shutdown (SIGINT: fast), not a crash: PostgreSQL says so and removes its pid file.
    expect(readFileSync(join(ctx.state, 'logs', 'postgresql.log'), 'utf8')).toMatch(
      /database system is shut down/,
    );
    expect(existsSync(join(ctx.state, 'postgresql', 'data', 'postmaster.pid'))).toBe(false);
  });
});
