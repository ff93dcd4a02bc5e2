import { afterEach, describe, expect, it } from '@jest/globals';
import { Binary, MongoClient, type Db, type Document } from 'mongodb';
import { infra, uniqueName } from '@msync/test-support';
import {
  ENTRIES_PER_CHUNK,
  SLACK_CHUNKS,
  WRITE_SLACK_CHUNKS,
  createChunkedMap,
  createMapCache,
  encodeEntries,
  unpackEntries,
  type MapCacheRead,
  type MapEntry,
} from './chunked-map.js';

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

/** The names of the commands sent to `collection` from now on, in order. */
function chunkCommandsOf(collection: string): string[] {
  const names: string[] = [];
  client!.on('commandStarted', (event) => {
    if ((event.command as Record<string, unknown>)[event.commandName] === collection)
      names.push(event.commandName);
  });
  return names;
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
const asObject = (map: ReadonlyMap<string, Line>) =>
  Object.fromEntries([...map].map(([k, v]) => [k, v.quantity]));

/**
 * Writes one key at a time while reading, enough writes for compactions: every read sees the whole
 * map, and each key's concurrent write survives. Resolves with the final map.
 */
async function readsAndWritesAtOnce(
  map: ReturnType<typeof createChunkedMap<Line>>,
  { readFirst = false } = {},
) {
  await map.write(
    's1',
    entries(0, 50, () => 0),
  );
  if (readFirst) await map.read('s1');
  const writes = Array.from({ length: 2 * SLACK_CHUNKS }, (_, w) =>
    map.write('s1', [[`SKU-${w}`, { quantity: w + 1 }]]),
  );
  const reads = Array.from({ length: 10 }, () => map.read('s1'));
  await Promise.all(writes);
  for (const read of await Promise.all(reads)) expect(read.entries.size).toBe(50);
  const final = (await map.read('s1')).entries;
  expect(final.size).toBe(50);
  for (let w = 0; w < 2 * SLACK_CHUNKS; w++)
    expect([`SKU-${w}`, final.get(`SKU-${w}`)?.quantity]).toEqual([`SKU-${w}`, w + 1]);
  return final;
}

describe('a per-owner map in chunks (real server)', () => {
  it('reads what the writes left, in order: last value wins, null removes, owners apart', async () => {
    const db = await connect();
    const map = createChunkedMap<Line, { buffer: number }>(db, { name: 'lines' });
    // A write resolves with the head's chunks after it, its own last (ADR 0173).
    const first = await map.write(
      's1',
      entries(0, 1_200, (i) => i),
      { set: { buffer: 2 } },
    );
    expect(first).toHaveLength(3);
    const second = await map.write('s1', [
      ['SKU-7', { quantity: -7 }],
      ['SKU-8', null],
    ]);
    expect(second).toEqual([...(first as string[]), expect.any(String)]);
    expect((await map.read('s1')).chunks).toEqual(second);
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

  it('reads chunks written as documents of entries (before ADR 0136) and as text (before ADR 0145) beside later ones', async () => {
    const db = await connect();
    const map = createChunkedMap<Line & { at?: Date }>(db, { name: 'layouts' });
    const at = new Date('2026-03-01T00:00:00Z');
    await db.collection<{ _id: string; e: object[] }>('layouts_chunks').insertOne({
      _id: 's1|old',
      e: [
        { k: 'A', v: { quantity: 1, at } },
        { k: 'B', v: { quantity: 2 } },
      ],
    });
    // As written from ADR 0136 to ADR 0145: JSON text.
    await db.collection<{ _id: string; j: string }>('layouts_chunks').insertOne({
      _id: 's1|text',
      j: encodeEntries([
        ['A', { quantity: 4, at }],
        ['D', { quantity: 5 }],
      ]),
    });
    await db
      .collection<{ _id: string; chunks: string[]; version: number }>('layouts')
      .insertOne({ _id: 's1', chunks: ['s1|old', 's1|text'], version: 1 });

    await map.write('s1', [
      ['B', null],
      ['C', { quantity: 3, at }],
    ]);

    const read = (await map.read('s1')).entries;
    expect([...read]).toEqual([
      ['A', { quantity: 4, at }],
      ['D', { quantity: 5 }],
      ['C', { quantity: 3, at }],
    ]);
    const written = await db
      .collection<{ _id: string; z?: Binary; j?: string }>('layouts_chunks')
      .findOne({ _id: { $nin: ['s1|old', 's1|text'] } });
    expect(written?.j).toBeUndefined();
    expect(written?.z).toBeInstanceOf(Binary);
    expect(unpackEntries(written!.z!)).toEqual([
      ['B', null],
      ['C', { quantity: 3, at }],
    ]);
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

  it('leaves a crowded map to its next read, which compacts it from what it read (ADR 0172)', async () => {
    const db = await connect();
    const commands = chunkCommandsOf('piled_chunks');
    const map = createChunkedMap<Line>(db, { name: 'piled' });
    const heads = db.collection<{ _id: string; chunks: string[]; base?: number }>('piled');
    const writes = SLACK_CHUNKS + 5;
    for (let w = 0; w < writes; w++)
      await map.write(
        's1',
        entries(0, 10, (i) => i * 100 + w),
      );
    // Past twice the base plus the slack, the writes compacted nothing: no chunk was read.
    const piled = (await heads.findOne({ _id: 's1' }))!;
    expect(piled.chunks).toHaveLength(writes);
    expect(commands.splice(0)).toEqual(Array.from({ length: writes }, () => 'insert'));

    const read = await map.read('s1');
    const last = Object.fromEntries(
      entries(0, 10, (i) => i * 100 + writes - 1).map(([k, v]) => [k, v!.quantity]),
    );
    expect(asObject(read.entries)).toEqual(last);
    // Each chunk read once, then the ten entries written as one chunk and the old ones removed.
    expect(commands.filter((c) => c === 'find')).toHaveLength(writes);
    expect(commands.filter((c) => c !== 'find')).toEqual(['insert', 'delete']);
    const compacted = (await heads.findOne({ _id: 's1' }))!;
    expect(compacted.chunks).toHaveLength(1);
    expect(compacted.base).toBe(1);
    expect(await db.collection('piled_chunks').countDocuments()).toBe(1);
    // The read names the chunks and stamp the compaction left: appended to from there.
    expect(read.chunks).toEqual(compacted.chunks);
    expect(read.stamp).toBe(await map.stamp('s1'));
    await map.write('s1', [['SKU-0', { quantity: -1 }]]);
    const since = (await map.appendedSince('s1', read.chunks, 8))!;
    expect(since.appended).toEqual([['SKU-0', { quantity: -1 }]]);
    expect(asObject((await map.read('s1')).entries)).toEqual({ ...last, 'SKU-0': -1 });
  });

  it('takes the chunks of a crowded map of new keys as its base instead of writing them again', async () => {
    const db = await connect();
    const commands = chunkCommandsOf('filled_chunks');
    const map = createChunkedMap<Line>(db, { name: 'filled' });
    const heads = db.collection<{ _id: string; chunks: string[]; base?: number }>('filled');
    // A first catalog written a chunk at a time: every chunk of new keys.
    const writes = SLACK_CHUNKS + 5;
    for (let w = 0; w < writes; w++)
      await map.write(
        's1',
        entries(w * ENTRIES_PER_CHUNK, (w + 1) * ENTRIES_PER_CHUNK, (i) => i),
      );
    const before = await map.stamp('s1');
    commands.splice(0);
    const read = await map.read('s1');
    expect(read.entries.size).toBe(writes * ENTRIES_PER_CHUNK);
    // Compacted, they would be as many chunks: none written, the head's base moved.
    expect(commands).toEqual(Array.from({ length: writes }, () => 'find'));
    const head = (await heads.findOne({ _id: 's1' }))!;
    expect(head.chunks).toHaveLength(writes);
    expect(head.base).toBe(writes);
    expect(read.stamp).toBe(before);
    expect(await map.stamp('s1')).toBe(before);
    // No longer crowded: the next read reads and writes nothing more.
    commands.splice(0);
    await map.read('s1');
    expect(commands).toEqual(Array.from({ length: writes }, () => 'find'));
  });

  it('compacts a map written and never read once it holds four times its base plus the write slack', async () => {
    const db = await connect();
    const map = createChunkedMap<Line>(db, { name: 'unread' });
    const heads = db.collection<{ _id: string; chunks: string[]; base?: number }>('unread');
    // The first write's chunk is the base: compacted by a write past 4 × 1 + WRITE_SLACK_CHUNKS.
    const writes = 4 + WRITE_SLACK_CHUNKS;
    for (let w = 0; w < writes; w++)
      await map.write(
        's1',
        entries(0, 10, (i) => i * 100 + w),
      );
    expect((await heads.findOne({ _id: 's1' }))!.chunks).toHaveLength(writes);
    const left = await map.write(
      's1',
      entries(0, 10, (i) => i * 100 + writes),
    );
    const compacted = (await heads.findOne({ _id: 's1' }))!;
    expect(compacted.chunks).toHaveLength(1);
    // The write resolves with the chunks its compaction left.
    expect(left).toEqual(compacted.chunks);
    expect(compacted.base).toBe(1);
    expect(await db.collection('unread_chunks').countDocuments()).toBe(1);
    expect(asObject((await map.read('s1')).entries)).toEqual(
      Object.fromEntries(entries(0, 10, (i) => i * 100 + writes).map(([k, v]) => [k, v!.quantity])),
    );
  });

  it('takes a first write of many chunks as its base: not read and written again at once', async () => {
    const db = await connect();
    // The commands the map sends to its chunks: a compaction would read and insert them again.
    const chunkCommands = chunkCommandsOf('first_chunks');
    const map = createChunkedMap<Line>(db, { name: 'first' });
    const heads = db.collection<{ _id: string; chunks: string[]; base?: number }>('first');
    const many = ENTRIES_PER_CHUNK * (SLACK_CHUNKS + 4);
    await map.write(
      's1',
      entries(0, many, (i) => i),
    );
    const first = await heads.findOne({ _id: 's1' });
    // The write's chunks are one value of the head (ADR 0152).
    expect(first!.chunks).toHaveLength(1);
    expect(first!.chunks[0]!.split('\n')).toHaveLength(SLACK_CHUNKS + 4);
    expect(first!.base).toBe(SLACK_CHUNKS + 4);
    expect(chunkCommands).toEqual(['insert']);

    // A later write appends to it, the first chunks untouched.
    await map.write('s1', [['SKU-0', { quantity: -1 }]]);
    const later = await heads.findOne({ _id: 's1' });
    expect(later!.chunks).toEqual([first!.chunks[0], expect.stringMatching(/^s1\|[0-9a-f]{24}$/)]);
    const read = await map.read('s1');
    expect(read.chunks).toEqual([...first!.chunks[0]!.split('\n'), later!.chunks[1]]);
    expect(read.entries.size).toBe(many);
    expect(read.entries.get('SKU-0')).toEqual({ quantity: -1 });
    // Every chunk the head names is a document, and no other.
    expect(
      (await db.collection('first_chunks').find({}).toArray()).map((d) => d._id).sort(),
    ).toEqual([...read.chunks].sort());
  });

  it('reads a head of one chunk per value (before ADR 0152), appends a run to it, and compacts it into one value', async () => {
    const db = await connect();
    const map = createChunkedMap<Line>(db, { name: 'runs' });
    const heads = db.collection<{ _id: string; chunks: string[]; base?: number; version: number }>(
      'runs',
    );
    // A write of two chunks, then its head as written before ADR 0152: one id per value.
    await map.write(
      's1',
      entries(0, ENTRIES_PER_CHUNK + 1, (i) => i),
    );
    const runs = (await heads.findOne({ _id: 's1' }))!.chunks[0]!.split('\n');
    expect(runs).toHaveLength(2);
    await heads.updateOne({ _id: 's1' }, { $set: { chunks: runs } });
    const stampBefore = (await map.read('s1')).stamp;

    await map.write(
      's1',
      entries(0, ENTRIES_PER_CHUNK + 1, (i) => i + 1000),
    );
    const head = (await heads.findOne({ _id: 's1' }))!;
    // The two values as they were, then the write's two chunks in one.
    expect(head.chunks.slice(0, 2)).toEqual(runs);
    expect(head.chunks).toHaveLength(3);
    expect(head.chunks[2]!.split('\n')).toHaveLength(2);
    const read = await map.read('s1');
    expect(read.chunks).toHaveLength(4);
    expect(read.stamp).not.toBe(stampBefore);
    expect(read.stamp).toBe(`${head.version}|${head.chunks[2]!.split('\n')[1]}`);
    expect(read.entries.get('SKU-0')).toEqual({ quantity: 1000 });
    expect(read.entries.get(`SKU-${ENTRIES_PER_CHUNK}`)).toEqual({
      quantity: 1000 + ENTRIES_PER_CHUNK,
    });
    // What was appended since the first read of the two values is the write's entries.
    const since = (await map.appendedSince('s1', read.chunks.slice(0, 2), 8))!;
    expect(since.appended).toHaveLength(ENTRIES_PER_CHUNK + 1);
    expect(since.chunks).toEqual(read.chunks);

    // A rewrite (as a compaction) leaves one value, the old chunks removed: the four in one
    // command of a statement each.
    const deletes: Document[] = [];
    client!.on('commandStarted', (event) => {
      if (event.commandName === 'delete' && event.command['delete'] === 'runs_chunks')
        deletes.push(event.command);
    });
    expect(await map.rewrite('s1', (entries, meta) => ({ entries: [...entries], meta }))).toBe(
      true,
    );
    expect(deletes).toHaveLength(1);
    expect((deletes[0]!['deletes'] as { q: unknown }[]).map(({ q }) => q)).toEqual(
      read.chunks.map((_id) => ({ _id })),
    );
    const compacted = (await heads.findOne({ _id: 's1' }))!;
    expect(compacted.chunks).toHaveLength(1);
    const after = await map.read('s1');
    expect(after.chunks).toEqual(compacted.chunks[0]!.split('\n'));
    expect(compacted.base).toBe(after.chunks.length);
    expect(
      (await db.collection('runs_chunks').find({}).toArray()).map((d) => d._id).sort(),
    ).toEqual([...after.chunks].sort());
    expect(asObject(after.entries)).toEqual(asObject(read.entries));
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
    ).toHaveLength(2);
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
      stamp: expect.any(String),
      chunks: expect.any(Array),
    });
    await map.reset('s1', { cycle: 'c3' });
    expect((await map.read('s1')).entries.size).toBe(0);
    // Replaced chunks are removed; the refused write's chunk too.
    expect(await db.collection('cycles_chunks').countDocuments()).toBe(0);
  });

  it('meta reads the head alone; a write of no entries `when` the meta holds a value sets the meta only', async () => {
    const db = await connect();
    const map = createChunkedMap<Line, { cycle: string; at: Date }>(db, { name: 'heads' });
    expect(await map.meta('s1')).toBeNull();
    const at = new Date('2026-03-02T10:00:00Z');
    await map.write(
      's1',
      entries(0, 3, () => 1),
      { set: { cycle: 'c1', at } },
    );
    expect(await map.meta('s1')).toEqual({ cycle: 'c1', at });

    expect(await map.write('s1', [], { set: { cycle: 'c2' }, when: { cycle: 'c0' } })).toBe(false);
    expect(await map.write('s1', [], { set: { cycle: 'c2' }, when: { cycle: 'c1' } })).toHaveLength(
      1,
    );
    expect(await map.meta('s1')).toEqual({ cycle: 'c2', at });
    expect((await map.read('s1')).entries.size).toBe(3);
    expect(await db.collection('heads_chunks').countDocuments()).toBe(1);
  });

  it('the stamp reads the head alone, is the one a read returns, and moves with every change (ADR 0142)', async () => {
    const db = await connect();
    const map = createChunkedMap<Line, { buffer: number }>(db, {
      name: 'stamped',
      cache: createMapCache({ maxEntries: 1_000 }),
    });
    expect(await map.stamp('s1')).toBeNull();
    await map.write(
      's1',
      entries(0, 3, () => 1),
    );
    const first = await map.stamp('s1');
    expect(first).not.toBeNull();
    // Reading changes nothing, from the server or from memory.
    expect((await map.read('s1')).stamp).toBe(first);
    expect((await map.read('s1')).stamp).toBe(first);
    expect(await map.stamp('s1')).toBe(first);
    // Every change moves it: entries, the meta alone, a rewrite, a reset; another owner's not.
    const seen = new Set([first]);
    const moved = async (change: Promise<unknown>) => {
      await change;
      const stamp = await map.stamp('s1');
      expect(seen.has(stamp)).toBe(false);
      seen.add(stamp);
      expect((await map.read('s1')).stamp).toBe(stamp);
    };
    await moved(map.write('s1', [['SKU-0', { quantity: 2 }]]));
    await moved(map.write('s1', [], { set: { buffer: 3 } }));
    await moved(map.rewrite('s1', (kept, meta) => ({ entries: [...kept], meta })));
    await moved(map.reset('s1', {}));
    const last = await map.stamp('s1');
    await map.write(
      's2',
      entries(0, 2, () => 1),
    );
    expect(await map.stamp('s1')).toBe(last);
    // A conditional write that does not apply changes nothing.
    expect(await map.write('s1', [['SKU-0', { quantity: 9 }]], { when: { buffer: 1 } })).toBe(
      false,
    );
    expect(await map.stamp('s1')).toBe(last);
    // A head made again after its owner's was removed is told from the one it replaced.
    await map.write(
      's3',
      entries(0, 2, () => 1),
    );
    const before = await map.stamp('s3');
    await db.collection('stamped').deleteOne({ _id: 's3' as never });
    await map.write(
      's3',
      entries(0, 2, () => 1),
    );
    expect(await map.stamp('s3')).not.toBe(before);
  });

  it('tells what was appended since a read, as written, until the chunks it read are replaced (ADR 0147)', async () => {
    const db = await connect();
    const map = createChunkedMap<Line, { buffer: number }>(db, { name: 'appended' });
    expect(await map.appendedSince('s1', [], 8)).toBeNull();
    await map.write(
      's1',
      entries(0, 3, () => 1),
    );
    const read = await map.read('s1');
    expect(read.chunks).toHaveLength(1);
    // Nothing since: nothing appended, the same chunks and stamp.
    expect(await map.appendedSince('s1', read.chunks, 8)).toEqual({
      appended: [],
      meta: {},
      stamp: read.stamp,
      chunks: read.chunks,
    });
    // Writes since: their entries in write order, as written (a key twice, a removal), the meta.
    await map.write('s1', [['SKU-1', { quantity: 2 }]]);
    await map.write(
      's1',
      [
        ['SKU-1', { quantity: 3, note: 'x' }],
        ['SKU-2', null],
      ],
      {
        set: { buffer: 4 },
      },
    );
    const since = (await map.appendedSince('s1', read.chunks, 8))!;
    expect(since.appended).toEqual([
      ['SKU-1', { quantity: 2 }],
      ['SKU-1', { quantity: 3, note: 'x' }],
      ['SKU-2', null],
    ]);
    expect(since.meta).toEqual({ buffer: 4 });
    expect(since.chunks).toHaveLength(3);
    expect(since.chunks.slice(0, 1)).toEqual(read.chunks);
    expect(since.stamp).toBe(await map.stamp('s1'));
    // More chunks appended than asked for: null.
    expect(await map.appendedSince('s1', read.chunks, 1)).toBeNull();
    expect((await map.appendedSince('s1', since.chunks, 0))!.appended).toEqual([]);
    // A rewrite (as a compaction) replaces the chunks: null for what was read before it.
    await map.rewrite('s1', (kept, meta) => ({ entries: [...kept], meta }));
    expect(await map.appendedSince('s1', since.chunks, 8)).toBeNull();
    const after = await map.read('s1');
    expect(asObject(after.entries)).toEqual({ 'SKU-0': 1, 'SKU-1': 3 });
    expect((await map.appendedSince('s1', after.chunks, 8))!.appended).toEqual([]);
  });

  it('rewrite replaces the map by what it makes of it, with no write lost in between', async () => {
    const db = await connect();
    const map = createChunkedMap<Line, { doubled: number }>(db, { name: 'rewritten' });
    await map.write(
      's1',
      entries(0, 3, () => 1),
    );
    const double = (seen: ReadonlyMap<string, Line>, meta: Partial<{ doubled: number }>) => ({
      entries: [...seen].map(([k, v]): MapEntry<Line> => [k, { quantity: 2 * v.quantity }]),
      meta: { doubled: (meta.doubled ?? 0) + 1 },
    });
    // Writes and rewrites asked at once apply one after the other, in the order asked.
    await Promise.all([
      map.write('s1', [['SKU-3', { quantity: 1 }]]),
      map.rewrite('s1', double),
      map.write('s1', [['SKU-0', { quantity: 5 }]]),
      map.rewrite('s1', double),
    ]);
    expect(asObject((await map.read('s1')).entries)).toEqual({
      'SKU-0': 10,
      'SKU-1': 4,
      'SKU-2': 4,
      'SKU-3': 4,
    });
    expect((await map.read('s1')).meta).toEqual({ doubled: 2 });
    // null leaves the map as it is: nothing written.
    const chunks = await db.collection('rewritten_chunks').countDocuments();
    expect(await map.rewrite('s1', () => null)).toBe(false);
    expect(await db.collection('rewritten_chunks').countDocuments()).toBe(chunks);
    // A map another process changed since this one kept it is read again before it is rewritten.
    const other = createChunkedMap<Line, { doubled: number }>(db, { name: 'rewritten' });
    await other.write('s1', [['SKU-1', { quantity: 7 }]]);
    await map.rewrite('s1', double);
    expect(asObject((await other.read('s1')).entries)).toMatchObject({ 'SKU-1': 14 });
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
      stamp: expect.any(String),
      chunks: expect.any(Array),
    });
    await map.reset('s1', { buffer: null });
    const head = await db.collection('old').findOne({ _id: 's1' as never });
    expect(head).not.toHaveProperty('quantities');
    expect(head).not.toHaveProperty('buffer');
    expect(await map.read('s1')).toEqual({
      entries: new Map(),
      meta: { buffer: null },
      stamp: expect.any(String),
      chunks: expect.any(Array),
    });
  });

  it('reads and writes at once: every read sees a whole map, no write is lost', async () => {
    const db = await connect();
    await readsAndWritesAtOnce(createChunkedMap<Line>(db, { name: 'busy' }));
  });

  describe('with maps kept in memory (ADR 0108)', () => {
    /** The chunk documents each read asks for, by collection. */
    const chunkReads = () => {
      const reads: string[] = [];
      client!.on('commandStarted', (event) => {
        const target = (event.command as Record<string, unknown>)[event.commandName];
        if (event.commandName === 'find' && String(target).endsWith('_chunks'))
          reads.push(String(target));
      });
      return {
        take: () => reads.splice(0).length,
      };
    };

    it('reads the head and only the chunks appended since, and equals a read from scratch', async () => {
      const db = await connect();
      const reads = chunkReads();
      const results: MapCacheRead[] = [];
      const cache = createMapCache({ maxEntries: 10_000, onRead: (_, r) => results.push(r) });
      const kept = createChunkedMap<Line>(db, {
        name: 'kept',
        merge: (earlier, later) => ({ ...earlier, ...later }),
        cache,
      });
      // Another process: the same collections, nothing kept.
      const other = createChunkedMap<Line>(db, {
        name: 'kept',
        merge: (earlier, later) => ({ ...earlier, ...later }),
      });
      await kept.write(
        's1',
        entries(0, 1_200, (i) => i),
      );
      expect((await kept.read('s1')).entries.size).toBe(1_200);
      expect(reads.take()).toBe(3);

      const first = (await kept.read('s1')).entries;
      expect(reads.take()).toBe(0);

      await other.write('s1', [
        ['SKU-3', { quantity: -3, note: 'merged' }],
        ['SKU-4', null],
      ]);
      await kept.write('s1', [['SKU-3', { quantity: 33 }]]);
      const later = await kept.read('s1');
      expect(reads.take()).toBe(2);
      expect(later.entries.get('SKU-3')).toEqual({ quantity: 33, note: 'merged' });
      expect(later.entries.has('SKU-4')).toBe(false);
      // What an earlier read returned stays as it was.
      expect(first.get('SKU-3')).toEqual({ quantity: 3 });
      expect(first.has('SKU-4')).toBe(true);
      reads.take();
      expect(later.entries).toEqual((await other.read('s1')).entries);
      expect(results).toEqual(['miss', 'hit', 'appended']);
      expect(cache.size()).toEqual({ entries: 1_199, maps: 1 });
    });

    it('reads from scratch once another process compacted or reset the map', async () => {
      const db = await connect();
      const cache = createMapCache({ maxEntries: 10_000 });
      const kept = createChunkedMap<Line, { cycle: string }>(db, { name: 'moved', cache });
      const other = createChunkedMap<Line, { cycle: string }>(db, { name: 'moved' });
      await kept.write(
        's1',
        entries(0, 10, () => 1),
      );
      await kept.read('s1');
      // Enough writes elsewhere for a compaction, and a read there that makes it: the chunks
      // kept are gone.
      for (let w = 0; w < SLACK_CHUNKS + 2; w++)
        await other.write('s1', [['SKU-0', { quantity: w }]]);
      await other.read('s1');
      const heads = db.collection<{ _id: string; chunks: string[] }>('moved');
      expect((await heads.findOne({ _id: 's1' }))!.chunks.length).toBeLessThan(SLACK_CHUNKS + 3);
      expect((await kept.read('s1')).entries).toEqual((await other.read('s1')).entries);
      expect((await kept.read('s1')).entries.get('SKU-0')).toEqual({ quantity: SLACK_CHUNKS + 1 });

      await other.reset('s1', { cycle: 'c2' }, [['X', { quantity: 9 }]]);
      expect(await kept.read('s1')).toEqual({
        entries: new Map([['X', { quantity: 9 }]]),
        meta: { cycle: 'c2' },
        stamp: expect.any(String),
        chunks: expect.any(Array),
      });
      await other.reset('s1', { cycle: 'c3' });
      expect(await kept.read('s1')).toEqual({
        entries: new Map(),
        meta: { cycle: 'c3' },
        stamp: expect.any(String),
        chunks: expect.any(Array),
      });
    });

    it('keeps maps within its budget; an idle map gives way, a map too large is never kept', async () => {
      const db = await connect();
      const reads = chunkReads();
      let clock = 0;
      const cache = createMapCache({ maxEntries: 1_000, idleMs: 60_000, now: () => clock });
      const map = createChunkedMap<Line>(db, { name: 'budget', cache });
      await map.write(
        'big',
        entries(0, 1_001, () => 1),
      );
      await map.write(
        'a',
        entries(0, 600, () => 1),
      );
      await map.write(
        'b',
        entries(0, 600, () => 1),
      );
      await map.read('big');
      await map.read('big');
      expect(reads.take()).toBe(2 * 3);
      expect(cache.size()).toEqual({ entries: 0, maps: 0 });

      await map.read('a');
      // `b` does not fit beside `a`, which was read just now: `a` stays, `b` is read each time.
      clock += 30_000;
      await map.read('b');
      await map.read('a');
      reads.take();
      await map.read('b');
      expect(reads.take()).toBe(2);
      expect(cache.size()).toEqual({ entries: 600, maps: 1 });
      await map.read('a');
      expect(reads.take()).toBe(0);

      // `a` idle for longer than a minute: `b` takes its place.
      clock += 61_000;
      await map.read('b');
      await map.read('b');
      expect(reads.take()).toBe(2);
      await map.read('a');
      expect(reads.take()).toBe(2);
    });

    it('reads and writes at once: every read sees a whole map, no write is lost', async () => {
      const db = await connect();
      const map = createChunkedMap<Line>(db, {
        name: 'busykept',
        cache: createMapCache({ maxEntries: 1_000 }),
      });
      const final = await readsAndWritesAtOnce(map, { readFirst: true });
      expect(final).toEqual(
        (await createChunkedMap<Line>(db, { name: 'busykept' }).read('s1')).entries,
      );
    });
  });
});
