import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, MongoServerError } from 'mongodb';
import { uniqueName, withContext } from '@msync/test-support';
import type { Context } from './components.js';
import { down, status, up, type UpResult } from './infra.js';
import { cacheDir, freePort, ports } from './paths.js';

let state: string;
let ctx: Context;
let result: UpResult;
let client: MongoClient;

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'msync-ferretdb-pg-'));
  // As root, PostgreSQL runs as the postgres user, who must be able to reach the state folder.
  chmodSync(state, 0o755);
  ctx = {
    cache: cacheDir(),
    state,
    ports: { ...ports({}), mongo: await freePort(), postgresql: await freePort() },
    log: () => undefined,
    mongoBackend: 'postgresql',
  };
  // The other servers are "given", so only PostgreSQL and FerretDB start here.
  result = await up({
    ctx,
    env: {
      KAFKA_BROKERS: 'unused:1',
      SCHEMA_REGISTRY_URL: 'http://unused',
      SMTP_URL: 'smtp://unused',
    },
  });
  client = new MongoClient(result.env.MONGO_URL, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  if (ctx) await down({ ctx });
  rmSync(state, { recursive: true, force: true });
});

describe('FerretDB on its PostgreSQL backend', () => {
  it('starts PostgreSQL, then FerretDB on it, in the state folder and on the given ports', async () => {
    expect(result.started).toEqual(['postgresql', 'mongo']);
    expect(result.env.MONGO_URL).toBe(`mongodb://127.0.0.1:${ctx.ports.mongo}/`);
    expect(existsSync(join(state, 'postgresql', 'data', 'PG_VERSION'))).toBe(true);
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
    expect(readFileSync(join(state, 'logs', 'postgresql.log'), 'utf8')).toMatch(
      /database system is shut down/,
    );
    expect(existsSync(join(state, 'postgresql', 'data', 'postmaster.pid'))).toBe(false);
  });
});
