import { afterEach, describe, expect, it } from '@jest/globals';
import { MongoClient, type Db } from 'mongodb';
import { infra, uniqueName } from '@msync/test-support';
import { ENTRIES_PER_CHUNK, SLACK_CHUNKS, createChunkedMap, type MapEntry } from './chunked-map.js';

let client: MongoClient | undefined;
let dbName: string | undefined;
afterEach(async () => {
  if (client && dbName) await client.db(dbName).dropDatabase();
  await client?.close();
  client = undefined;
});

async function connect(): Promise<Db> {
  client = new MongoClient(infra().MONGO_URL, { retryWrites: false, monitorCommands: true });
  await client.connect();
  dbName = uniqueName('chunkmap').replaceAll('-', '_');
  return client.db(dbName);
}

interface Line {
  quantity: number;
  note?: string;
}
const entries = (from: number, to: number, quantity: (i: number) => number) =>
  Array.from({ length: to - from }, (_, i): MapEntry<Line> => [
    `SKU-${from + i}`,
    { quantity: quantity(from + i) },
  ]);
const asObject = (map: Map<string, Line>) =>
  Object.fromEntries([...map].map(([k, v]) => [k, v.quantity]));

describe('a per-owner map in chunks (real server)', () => {
  it('reads what the writes left, in order: last value wins, null removes, owners apart', async () => {
    const db = await connect();
    const map = createChunkedMap<Line, { buffer: number }>(db, { name: 'lines' });
    expect(
      await map.write(
        's1',
        entries(0, 1_200, (i) => i),
        { set: { buffer: 2 } },
      ),
    ).toBe(true);
    expect(
      await map.write('s1', [
        ['SKU-7', { quantity: -7 }],
        ['SKU-8', null],
      ]),
    ).toBe(true);
    await map.write(
      's2',
      entries(0, 3, () => 1),
    );

    const { entries: s1, meta } = await map.read('s1');
    expect(s1.size).toBe(1_199);
    expect(s1.get('SKU-7')).toEqual({ quantity: -7 });
    expect(s1.has('SKU-8')).toBe(false);
    expect(s1.get('SKU-1199')).toEqual({ quantity: 1_199 });
    expect(meta).toEqual({ buffer: 2 });
    expect(asObject((await map.read('s2')).entries)).toEqual({
      'SKU-0': 1,
      'SKU-1': 1,
      'SKU-2': 1,
    });
    expect((await map.read('nobody')).entries.size).toBe(0);
    // 1,200 entries are three chunk documents, the second write one more.
    expect(await db.collection('lines_chunks').countDocuments()).toBe(map.chunksFor(1_200) + 1 + 1);
    expect(map.chunksFor(1_200)).toBe(Math.ceil(1_200 / ENTRIES_PER_CHUNK));
  });

  it('merges a key’s values with the merge given, as $set of their fields would', async () => {
    const db = await connect();
    const map = createChunkedMap<Line>(db, {
      name: 'merged',
      merge: (earlier, later) => ({ ...earlier, ...later }),
    });
    await map.write('s1', [['A', { quantity: 1, note: 'kept' }]]);
    await map.write('s1', [['A', { quantity: 2 }]]);
    expect((await map.read('s1')).entries.get('A')).toEqual({ quantity: 2, note: 'kept' });
  });

  it('compacts once the chunks pile up, and keeps the same map', async () => {
    const db = await connect();
    const map = createChunkedMap<Line>(db, { name: 'piled' });
    const writes = SLACK_CHUNKS + 5;
    for (let w = 0; w < writes; w++)
      await map.write(
        's1',
        entries(0, 10, (i) => i * 100 + w),
      );
    const head = await db
      .collection<{ _id: string; chunks: string[] }>('piled')
      .findOne({ _id: 's1' });
    // Compacted once past the slack, then appended to.
    expect(head!.chunks.length).toBeLessThan(writes);
    expect(await db.collection('piled_chunks').countDocuments()).toBe(head!.chunks.length);
    expect(asObject((await map.read('s1')).entries)).toEqual(
      Object.fromEntries(
        entries(0, 10, (i) => i * 100 + writes - 1).map(([k, v]) => [k, v!.quantity]),
      ),
    );
  });

  it('takes a first write of many chunks as its base: not read and written again at once', async () => {
    const db = await connect();
    // The commands the map sends to its chunks: a compaction would read and insert them again.
    const chunkCommands: string[] = [];
    client!.on('commandStarted', (event) => {
      if ((event.command as Record<string, unknown>)[event.commandName] === 'first_chunks')
        chunkCommands.push(event.commandName);
    });
    const map = createChunkedMap<Line>(db, { name: 'first' });
    const heads = db.collection<{ _id: string; chunks: string[]; base?: number }>('first');
    const many = ENTRIES_PER_CHUNK * (SLACK_CHUNKS + 4);
    await map.write(
      's1',
      entries(0, many, (i) => i),
    );
    const first = await heads.findOne({ _id: 's1' });
    expect(first!.chunks).toHaveLength(SLACK_CHUNKS + 4);
    expect(first!.base).toBe(SLACK_CHUNKS + 4);
    expect(chunkCommands).toEqual(['insert']);

    // A later write appends to it, the first chunks untouched.
    await map.write('s1', [['SKU-0', { quantity: -1 }]]);
    const later = await heads.findOne({ _id: 's1' });
    expect(later!.chunks.slice(0, SLACK_CHUNKS + 4)).toEqual(first!.chunks);
    expect(later!.chunks).toHaveLength(SLACK_CHUNKS + 5);
    const read = (await map.read('s1')).entries;
    expect(read.size).toBe(many);
    expect(read.get('SKU-0')).toEqual({ quantity: -1 });
  });

  it('a write `when` the meta holds a value changes nothing otherwise; reset replaces map and meta', async () => {
    const db = await connect();
    const map = createChunkedMap<Line, { cycle: string }>(db, { name: 'cycles' });
    await map.reset(
      's1',
      { cycle: 'c1' },
      entries(0, 2, () => 1),
    );
    expect(
      await map.write(
        's1',
        entries(2, 3, () => 1),
        { when: { cycle: 'c1' } },
      ),
    ).toBe(true);
    expect(
      await map.write(
        's1',
        entries(3, 4, () => 1),
        { when: { cycle: 'c0' } },
      ),
    ).toBe(false);
    expect(
      await map.write(
        's9',
        entries(3, 4, () => 1),
        { when: { cycle: 'c1' } },
      ),
    ).toBe(false);
    expect([...(await map.read('s1')).entries.keys()]).toEqual(['SKU-0', 'SKU-1', 'SKU-2']);

    await map.reset(
      's1',
      { cycle: 'c2' },
      entries(5, 6, () => 5),
    );
    expect(await map.read('s1')).toEqual({
      entries: new Map([['SKU-5', { quantity: 5 }]]),
      meta: { cycle: 'c2' },
    });
    await map.reset('s1', { cycle: 'c3' });
    expect((await map.read('s1')).entries.size).toBe(0);
    // Replaced chunks are removed; the refused write's chunk too.
    expect(await db.collection('cycles_chunks').countDocuments()).toBe(0);
  });

  it('reads a head written before chunks, and drops its old fields at the next reset', async () => {
    const db = await connect();
    await db.collection<{ _id: string; [field: string]: unknown }>('old').insertOne({
      _id: 's1',
      buffer: 3,
      quantities: { kA: { quantity: 1 }, kB: { quantity: 2 } },
    });
    const map = createChunkedMap<Line, { buffer: number | null }>(db, {
      name: 'old',
      legacy: (head) => ({
        entries: Object.entries((head['quantities'] ?? {}) as Record<string, Line>).map(
          ([k, v]) => [k.slice(1), v] as const,
        ),
        meta: { buffer: (head['buffer'] as number | undefined) ?? null },
      }),
      legacyFields: ['quantities', 'buffer'],
    });
    await map.write('s1', [['B', { quantity: 20 }]]);
    expect(await map.read('s1')).toEqual({
      entries: new Map([
        ['A', { quantity: 1 }],
        ['B', { quantity: 20 }],
      ]),
      meta: { buffer: 3 },
    });
    await map.reset('s1', { buffer: null });
    const head = await db.collection('old').findOne({ _id: 's1' as never });
    expect(head).not.toHaveProperty('quantities');
    expect(head).not.toHaveProperty('buffer');
    expect(await map.read('s1')).toEqual({ entries: new Map(), meta: { buffer: null } });
  });

  it('reads and writes at once: every read sees a whole map, no write is lost', async () => {
    const db = await connect();
    const map = createChunkedMap<Line>(db, { name: 'busy' });
    await map.write(
      's1',
      entries(0, 50, () => 0),
    );
    const writes = Array.from({ length: 2 * SLACK_CHUNKS }, (_, w) =>
      map.write('s1', [[`SKU-${w}`, { quantity: w + 1 }]]),
    );
    const reads = Array.from({ length: 10 }, () => map.read('s1'));
    await Promise.all(writes);
    for (const read of await Promise.all(reads)) expect(read.entries.size).toBe(50);
    const final = (await map.read('s1')).entries;
    expect(final.size).toBe(50);
    // Each of the first keys was written once concurrently: none of those writes is lost.
    for (let w = 0; w < 2 * SLACK_CHUNKS; w++)
      expect([`SKU-${w}`, final.get(`SKU-${w}`)?.quantity]).toEqual([`SKU-${w}`, w + 1]);
  });
});
