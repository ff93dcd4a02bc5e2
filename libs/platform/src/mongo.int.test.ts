import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { MongoServerError } from 'mongodb';
import { Registry } from 'prom-client';
import { eventually, infra, uniqueName } from '@msync/test-support';
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
    // What the driver measured of each command (whole milliseconds: a quick find may take 0).
    const measured = new Map<string, number>();
    handle.client.on('commandSucceeded', (event) => {
      if (event.commandName === 'insert' || event.commandName === 'find')
        measured.set(event.commandName, (measured.get(event.commandName) ?? 0) + event.duration);
    });
    const seen = handle.db.collection<{ _id: string }>('seen');
    // One insert of many documents: long enough to take milliseconds on any server.
    await seen.insertMany(Array.from({ length: 2_000 }, (_, i) => ({ _id: `${i}` })));
    await seen.findOne({ _id: '1' });
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
    const [insert, find] = waited.map(([, seconds]) => seconds as number);
    expect(insert).toBeGreaterThan(0);
    expect(insert).toBeCloseTo(measured.get('insert')! / 1000, 6);
    expect(find).toBeCloseTo(measured.get('find')! / 1000, 6);
  });

  it('fails with a retriable error naming the problem when the server cannot be reached', async () => {
    const error = await connectMongo('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500', {
      dbName: 'x',
      appName: 'test',
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/cannot connect to MongoDB/);
    expect((error as { kind?: string }).kind).toBe('retriable');
  });

  it("connects again on its own when a server restart leaves the driver's server check stuck (ADR 0129)", async () => {
    const proxy = await startProxy(infra().MONGO_URL);
    try {
      const metrics = new Registry();
      handle = await connectMongo(proxy.url, {
        dbName: uniqueName('platform').replace(/-/g, '_'),
        appName: 'test',
        metrics,
        stuckCheckAfterMs: 3_000,
      });
      const things = handle.db.collection<{ _id: string }>('things');
      await things.insertOne({ _id: 'a' });
      const reconnects = async () =>
        Number(
          /^mongodb_client_reconnects_total (\S+)$/m.exec(await metrics.metrics())?.[1] ?? 'NaN',
        );
      let checkEnded = Date.now();
      handle.client.on('serverHeartbeatSucceeded', () => (checkEnded = Date.now()));
      // The server goes away as a restarting one does: it stops answering while reads wait for
      // their replies, then closes every connection at once. The driver checks the server again
      // at once when the last check ended more than 500 ms before; that check can then write to a
      // socket already destroyed and never end. Not every cut catches it: cut until one does.
      for (let cut = 1; (await reconnects()) === 0; cut++) {
        if (cut > 10) throw new Error('no cut left the server check stuck in 10 tries');
        await eventually(() => Date.now() - checkEnded > 600, 'the last server check 600 ms old');
        proxy.hold();
        const reads = [1, 2, 3].map(() =>
          things
            .find({})
            .toArray()
            .catch((e: unknown) => e),
        );
        await eventually(() => proxy.held() >= 3, 'the reads sent and held');
        proxy.closeAll();
        await Promise.all(reads);
        proxy.forward();
        // A check left stuck keeps every operation failing until the client is connected again.
        await eventually(
          () =>
            handle!.ping().then(
              () => true,
              () => false,
            ),
          'a ping answered',
          30_000,
        );
      }
      expect(await reconnects()).toBe(1);
      expect(await things.findOne({ _id: 'a' })).toEqual({ _id: 'a' });
    } finally {
      // Before the proxy goes: its end would close the client's connections under the clean-up.
      await handle?.db.dropDatabase();
      await handle?.close();
      handle = undefined;
      await proxy.close();
    }
  });
});

/**
 * A TCP proxy in front of the server that can stop passing data on (counting the messages it
 * holds back) and close every client connection at once.
 */
async function startProxy(mongoUrl: string) {
  const target = new URL(mongoUrl);
  let holding = false;
  let held = 0;
  const clients = new Set<Socket>();
  const server = createServer((client) => {
    clients.add(client);
    const upstream = connect(Number(target.port), target.hostname);
    client.on('data', (data) => (holding ? held++ : upstream.write(data)));
    upstream.on('data', (data) => holding || client.write(data));
    const end = () => {
      clients.delete(client);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) socket.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mongodb://127.0.0.1:${port}/`,
    hold: () => {
      holding = true;
      held = 0;
    },
    held: () => held,
    forward: () => (holding = false),
    closeAll: () => {
      for (const client of [...clients]) client.end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of [...clients]) client.destroy();
        server.close(() => resolve());
      }),
  };
}
