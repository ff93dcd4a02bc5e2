import { afterEach, describe, expect, it } from '@jest/globals';
import { connectMongo, type MongoHandle } from '@msync/platform';
import { infra, uniqueName } from '@msync/test-support';
import { EFFECTS_COLLECTION, createEffectsLedger, effectId } from './effects-ledger.js';
import { createLedgerSnapshots } from './ledger-snapshots.js';

let mongo: MongoHandle | undefined;
afterEach(async () => {
  await mongo?.db.dropDatabase();
  await mongo?.close();
  mongo = undefined;
});

const connect = async () =>
  (mongo = await connectMongo(infra().MONGO_URL, {
    dbName: uniqueName('ledger').replaceAll('-', '_'),
    appName: 'ledger-test',
  }));

/**
 * A ledger whose collection holds `s1`'s `product:OLD`, done, in the layout before keyed ids (an
 * ObjectId `_id`, found by store and effect key).
 */
async function withLegacyProduct() {
  const { db } = await connect();
  await createEffectsLedger(db);
  await db.collection(EFFECTS_COLLECTION).insertOne({
    storeId: 's1',
    effectKey: 'product:OLD',
    action: 'product',
    factKey: 'old-fact',
    status: 'done',
    claimedAt: new Date(),
    externalIds: { shipbobProductId: '1' },
  });
  return createEffectsLedger(db);
}

describe('the effects ledger on the real MongoDB-compatible server', () => {
  it('claims an effect once, under its key id, and records it done then recorded', async () => {
    const { db } = await connect();
    const ledger = await createEffectsLedger(db);
    const details = { action: 'create' as const, factKey: 'fact-1' };

    expect(await ledger.read('s1', 'create:O-1')).toBeNull();
    expect(await ledger.claim('s1', 'create:O-1', details)).toBe(true);
    expect(await ledger.claim('s1', 'create:O-1', details)).toBe(false);
    expect(await ledger.claim('s2', 'create:O-1', details)).toBe(true);
    expect(await ledger.read('s1', 'create:O-1')).toEqual({ status: 'claimed' });

    await ledger.markDone('s1', 'create:O-1', { shipbobOrderId: '77' });
    expect(await ledger.read('s1', 'create:O-1')).toEqual({
      status: 'done',
      externalIds: { shipbobOrderId: '77' },
      outcomeRecorded: false,
    });
    await ledger.markOutcomeRecorded('s1', 'create:O-1');
    expect(await ledger.read('s1', 'create:O-1')).toMatchObject({ outcomeRecorded: true });
    const stored = await db
      .collection<{ _id: string }>(EFFECTS_COLLECTION)
      .find({}, { projection: { _id: 1 } })
      .toArray();
    expect(stored.map((d) => d._id).sort()).toEqual([
      effectId('s1', 'create:O-1'),
      effectId('s2', 'create:O-1'),
    ]);
  });

  it('keeps progress on a claimed effect only, and records a done effect without a claim once', async () => {
    const { db } = await connect();
    const ledger = await createEffectsLedger(db);
    const details = { action: 'push-stock' as const, factKey: 'fact-1' };

    expect(await ledger.claim('s1', 'inventory:c1', details)).toBe(true);
    await ledger.noteProgress('s1', 'inventory:c1', { importId: 'sto-1', via: 'STO01' });
    expect(await ledger.read('s1', 'inventory:c1')).toEqual({
      status: 'claimed',
      progress: { importId: 'sto-1', via: 'STO01' },
    });
    await ledger.markDone('s1', 'inventory:c1', { importId: 'sto-1' });
    await ledger.noteProgress('s1', 'inventory:c1', { importId: 'sto-9' });
    expect(await ledger.read('s1', 'inventory:c1')).toMatchObject({
      status: 'done',
      externalIds: { importId: 'sto-1' },
    });

    await ledger.recordDone('s1', 'inventory:c2', details, { noImport: 'true' });
    await ledger.recordDone('s1', 'inventory:c2', details, { noImport: 'false' });
    await ledger.recordDone('s1', 'inventory:c1', details, { noImport: 'true' });
    expect(await ledger.read('s1', 'inventory:c2')).toEqual({
      status: 'done',
      externalIds: { noImport: 'true' },
      outcomeRecorded: true,
    });
    expect(await ledger.read('s1', 'inventory:c1')).toMatchObject({
      externalIds: { importId: 'sto-1' },
    });
    expect(await ledger.claim('s1', 'inventory:c2', details)).toBe(false);
  });

  it('still finds, updates and guards an entry written before entries had key ids', async () => {
    const { db } = await connect();
    await createEffectsLedger(db); // the index, as an earlier release made it
    await db.collection(EFFECTS_COLLECTION).insertOne({
      storeId: 's1',
      effectKey: 'ship:O-9',
      action: 'ship',
      factKey: 'old-fact',
      status: 'claimed',
      claimedAt: new Date(),
    });
    const ledger = await createEffectsLedger(db);

    expect(await ledger.read('s1', 'ship:O-9')).toEqual({ status: 'claimed' });
    expect(await ledger.claim('s1', 'ship:O-9', { action: 'ship', factKey: 'new-fact' })).toBe(
      false,
    );
    await ledger.markDone('s1', 'ship:O-9', { miraklOrderId: 'O-9' });
    expect(await ledger.read('s1', 'ship:O-9')).toMatchObject({ status: 'done' });
    expect(await db.collection(EFFECTS_COLLECTION).countDocuments({})).toBe(1);
  });

  it('reads many entries of a store in one query, legacy ones included, and none of another store', async () => {
    const ledger = await withLegacyProduct();
    await ledger.claim('s1', 'product:A', { action: 'product', factKey: 'f-a' });
    await ledger.recordDone('s1', 'product:B', { action: 'product', factKey: 'f-b' }, { id: '2' });
    await ledger.claim('s2', 'product:C', { action: 'product', factKey: 'f-c' });

    const found = await ledger.readMany('s1', [
      'product:A',
      'product:B',
      'product:C',
      'product:OLD',
      'product:NONE',
    ]);
    expect(Object.fromEntries(found)).toEqual({
      'product:A': { status: 'claimed' },
      'product:B': { status: 'done', externalIds: { id: '2' }, outcomeRecorded: true },
      'product:OLD': {
        status: 'done',
        externalIds: { shipbobProductId: '1' },
        outcomeRecorded: false,
      },
    });
    expect((await ledger.readMany('s1', [])).size).toBe(0);
  });

  it('given entries of several actions, when many are read for one action (ADR 0165), then only its entries are found, legacy ones included', async () => {
    const ledger = await withLegacyProduct();
    await ledger.claim('s1', 'product:A', { action: 'product', factKey: 'f-a' });
    await ledger.claim('s1', 'push-stock:7', { action: 'push-stock', factKey: 'f-7' });
    await ledger.claim('s2', 'product:A', { action: 'product', factKey: 'f-a2' });
    const keys = ['product:A', 'product:OLD', 'push-stock:7', 'product:NONE'];

    const products = await ledger.readMany('s1', keys, 'product');
    expect([...products.keys()].sort()).toEqual(['product:A', 'product:OLD']);
    const all = await ledger.readMany('s1', keys);
    expect([...all.keys()].sort()).toEqual(['product:A', 'product:OLD', 'push-stock:7']);
  });

  it("answers a batch's first read of an effect from the snapshot, every later read from the database", async () => {
    const { db } = await connect();
    const ledger = await createEffectsLedger(db);
    const snapshots = createLedgerSnapshots(ledger);
    await ledger.claim('s1', 'product:A', { action: 'product', factKey: 'f-a' });

    const release = await snapshots.hold('s1', ['product:A', 'product:B']);
    expect(snapshots.size).toBe(2);
    // Both move on in the database after the snapshot.
    await ledger.markDone('s1', 'product:A', { id: '1' });
    await ledger.claim('s1', 'product:B', { action: 'product', factKey: 'f-b' });

    expect(await snapshots.ledger.read('s1', 'product:A')).toEqual({ status: 'claimed' });
    expect(await snapshots.ledger.read('s1', 'product:A')).toMatchObject({ status: 'done' });
    // The snapshot's claim is still a compare-and-set against the database.
    expect(await snapshots.ledger.read('s1', 'product:B')).toBeNull();
    expect(
      await snapshots.ledger.claim('s1', 'product:B', { action: 'product', factKey: 'f-b2' }),
    ).toBe(false);
    expect(snapshots.size).toBe(0);

    // Released: what was not taken is let go, but not what a later batch holds.
    const first = await snapshots.hold('s1', ['product:C']);
    const second = await snapshots.hold('s1', ['product:C', 'product:D']);
    first();
    expect(snapshots.size).toBe(2);
    second();
    release();
    expect(snapshots.size).toBe(0);
  });

  it('an entry an older instance writes after start still wins the claim, and is read afterwards', async () => {
    const { db } = await connect();
    const ledger = await createEffectsLedger(db);
    await db.collection(EFFECTS_COLLECTION).insertOne({
      storeId: 's1',
      effectKey: 'create:MKP-9',
      action: 'create',
      factKey: 'an-older-run',
      status: 'done',
      claimedAt: new Date(),
      doneAt: new Date(),
      externalIds: { shipbobOrderId: '7' },
    });

    expect(await ledger.claim('s1', 'create:MKP-9', { action: 'create', factKey: 'f' })).toBe(
      false,
    );
    expect(await ledger.read('s1', 'create:MKP-9')).toMatchObject({
      status: 'done',
      externalIds: { shipbobOrderId: '7' },
    });
    expect(await db.collection(EFFECTS_COLLECTION).countDocuments({})).toBe(1);
  });
});
