import { afterEach, describe, expect, it } from '@jest/globals';
import { MongoServerError } from 'mongodb';
import { Registry } from 'prom-client';
import { infra, uniqueName } from '@msync/test-support';
import { connectMongo, type MongoHandle } from './mongo.js';

let handle: MongoHandle | undefined;
afterEach(async () => {
  await handle?.db.dropDatabase();
  await handle?.close();
  handle = undefined;
});

describe('connectMongo on the real MongoDB-compatible server', () => {
  it('pings, and supports what the product relies on: unique claims and conditional updates', async () => {
    handle = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('platform').replace(/-/g, '_'),
      appName: 'test',
    });
    await handle.ping();

    // Effect claims: a unique index on storeId + effectKey makes the second claim fail.
    const effects = handle.db.collection<{ storeId: string; effectKey: string; state: string }>(
      'effects',
    );
    await effects.createIndex({ storeId: 1, effectKey: 1 }, { unique: true });
    await effects.insertOne({ storeId: 's1', effectKey: 'create-order:MKP-1', state: 'claimed' });
    const duplicate = await effects
      .insertOne({ storeId: 's1', effectKey: 'create-order:MKP-1', state: 'claimed' })
      .catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(MongoServerError);
    expect((duplicate as MongoServerError).code).toBe(11000);

    // A conditional update on a stale version changes nothing. (Two such updates racing are NOT
    // serialised by FerretDB; exclusive sections use unique-index claims, see ADR 0012.)
    const stores = handle.db.collection<{ _id: string; version: number; buffer: number }>('stores');
    await stores.insertOne({ _id: 'store-1', version: 1, buffer: 0 });
    const first = await stores.updateOne(
      { _id: 'store-1', version: 1 },
      { $set: { buffer: 2 }, $inc: { version: 1 } },
    );
    const stale = await stores.updateOne(
      { _id: 'store-1', version: 1 },
      { $set: { buffer: 5 }, $inc: { version: 1 } },
    );
    expect([first.modifiedCount, stale.modifiedCount]).toEqual([1, 0]);
    const after = await stores.findOneAndUpdate(
      { _id: 'store-1' },
      { $set: { seen: true } },
      { returnDocument: 'after' },
    );
    expect(after?.version).toBe(2);
  });

  it('counts each command and the time waited for it by collection, leaving handshakes out', async () => {
    const metrics = new Registry();
    handle = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('platform').replace(/-/g, '_'),
      appName: 'test',
      metrics,
    });
    await handle.ping();
    const seen = handle.db.collection<{ _id: string }>('seen');
    await seen.insertOne({ _id: 'a' });
    await seen.findOne({ _id: 'a' });
    await seen.findOne({ _id: 'b' });
    const lines = async (name: string) =>
      (await metrics.getSingleMetricAsString(name))
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`));
    expect(await lines('mongodb_commands_total')).toEqual([
      'mongodb_commands_total{collection="seen",command="insert",result="ok"} 1',
      'mongodb_commands_total{collection="seen",command="find",result="ok"} 2',
    ]);
    const waited = (await lines('mongodb_command_seconds_total')).map((line) => [
      line.slice(0, line.lastIndexOf(' ')),
      Number(line.slice(line.lastIndexOf(' ') + 1)),
    ]);
    expect(waited.map(([series]) => series)).toEqual([
      'mongodb_command_seconds_total{collection="seen",command="insert"}',
      'mongodb_command_seconds_total{collection="seen",command="find"}',
    ]);
    for (const [, seconds] of waited) expect(seconds).toBeGreaterThan(0);
  });

  it('fails with a retriable error naming the problem when the server cannot be reached', async () => {
    const error = await connectMongo('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500', {
      dbName: 'x',
      appName: 'test',
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/cannot connect to MongoDB/);
    expect((error as { kind?: string }).kind).toBe('retriable');
  });
});
