import { describe, expect, it } from '@jest/globals';
import { scratchDatabases } from '../test-support/scratch-db.js';
import { RECONCILIATION_COLLECTIONS, createReconciliations } from './reconciliations.js';

/** A database on the real server, and the commands sent to it since `commands.length = 0`. */
const connect = scratchDatabases('reconcile');

const offers = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    shopSku: `SKU-${String(from + i).padStart(5, '0')}`,
    quantity: from + i,
  }));

describe('a reconciliation’s chunks, one document each (ADR 0167; real server)', () => {
  it('keeps the run document to its counts, reads the chunks by id, and removes them once the outcomes are recorded', async () => {
    const { db, commands } = await connect();
    const reconciliations = createReconciliations(db);
    const exportedAt = Date.parse('2026-12-06T09:00:00Z');
    const first = await reconciliations.addChunk('s1', 'r1', {
      exportedAt,
      chunk: 0,
      chunkCount: 2,
      offers: offers(0, 1000),
    });
    expect(first.offers).toBeNull();
    const last = await reconciliations.addChunk('s1', 'r1', {
      exportedAt,
      chunk: 1,
      chunkCount: 2,
      offers: offers(1000, 500),
    });
    expect(last).toMatchObject({ exportedAt, chunkCount: 2, offers: 1500, saved: null });

    // The run holds its counts, not the offers: adding a chunk no longer reads them all again.
    const run = await db
      .collection<{ _id: string }>(RECONCILIATION_COLLECTIONS.runs)
      .findOne({ _id: 's1|r1' });
    expect(run).toMatchObject({ got: { c0: 1000, c1: 500 } });
    expect(run).not.toHaveProperty('chunks');
    const chunkDocs = db.collection(RECONCILIATION_COLLECTIONS.chunks);
    expect(
      (await chunkDocs.find({}, { projection: { z: 0 } }).toArray()).map((c) => c._id).sort(),
    ).toEqual(['s1|r1|c0', 's1|r1|c1']);

    commands.length = 0;
    const marketplace = await reconciliations.marketplace('s1', 'r1');
    expect(marketplace.size).toBe(1500);
    expect(marketplace.get('SKU-00000')).toBe(0);
    expect(marketplace.get('SKU-01499')).toBe(1499);
    // Each chunk by its `_id` alone: FerretDB answers that from the one document.
    const chunkReads = commands.filter(
      (c) => c.commandName === 'find' && c.command.find === RECONCILIATION_COLLECTIONS.chunks,
    );
    expect(chunkReads.map((c) => c.command.filter as unknown)).toEqual([
      { _id: 's1|r1|c0' },
      { _id: 's1|r1|c1' },
    ]);

    await reconciliations.markOutcomesRecorded('s1', 'r1');
    expect(await chunkDocs.countDocuments()).toBe(0);
    // A chunk delivered again after it finished changes nothing and keeps no offers.
    const again = await reconciliations.addChunk('s1', 'r1', {
      exportedAt,
      chunk: 1,
      chunkCount: 2,
      offers: offers(1000, 500),
    });
    expect(again.saved).toBeNull();
    expect(await chunkDocs.countDocuments()).toBe(0);
  });

  it('prunes the chunks a run left behind with the runs past the retention', async () => {
    const { db } = await connect();
    const reconciliations = createReconciliations(db);
    const old = Date.parse('2026-10-01T09:00:00Z');
    const recent = Date.parse('2026-12-06T09:00:00Z');
    // A reconciliation that never completed (its second chunk never came), one still running.
    await reconciliations.addChunk('s1', 'old', {
      exportedAt: old,
      chunk: 0,
      chunkCount: 2,
      offers: offers(0, 3),
    });
    await reconciliations.addChunk('s1', 'new', {
      exportedAt: recent,
      chunk: 0,
      chunkCount: 2,
      offers: offers(0, 3),
    });
    await reconciliations.addChunk('s2', 'old', {
      exportedAt: old,
      chunk: 0,
      chunkCount: 2,
      offers: offers(0, 3),
    });

    await reconciliations.prune('s1', recent - 30 * 24 * 3600_000);
    const left = await db
      .collection(RECONCILIATION_COLLECTIONS.chunks)
      .find({}, { projection: { z: 0 } })
      .toArray();
    expect(left.map((c) => c._id).sort()).toEqual(['s1|new|c0', 's2|old|c0']);
    expect((await reconciliations.marketplace('s1', 'new')).size).toBe(3);
  });
});
