import { afterEach, describe, expect, it } from '@jest/globals';
import { ObjectId } from 'mongodb';
import { connectMongo, type MongoHandle } from '@msync/platform';
import { infra, uniqueName } from '@msync/test-support';
import { EFFECTS_COLLECTION, createEffectsLedger, effectId } from './effects-ledger.js';

let handle: MongoHandle | undefined;
afterEach(async () => {
  await handle?.db.dropDatabase();
  await handle?.close();
  handle = undefined;
});

const database = async () => {
  handle = await connectMongo(infra().MONGO_URL, {
    dbName: uniqueName('ledger').replace(/-/g, '_'),
    appName: 'test',
  });
  return handle.db;
};

/** An entry as versions before composite ids wrote it: an ObjectId `_id`. */
const olderEntry = (storeId: string, effectKey: string, status: 'claimed' | 'done') => ({
  _id: new ObjectId(),
  storeId,
  effectKey,
  action: 'create',
  factKey: 'an-older-run',
  status,
  claimedAt: new Date(),
  ...(status === 'done' ? { doneAt: new Date(), externalIds: { shipbobOrderId: '7' } } : {}),
});

describe('the effects ledger on the real MongoDB-compatible server', () => {
  it('keeps each effect under its <store>|<effect> id: claimed once, read and marked by that id', async () => {
    const db = await database();
    const ledger = await createEffectsLedger(db);

    expect(await ledger.read('s1', 'create:MKP-1')).toBeNull();
    expect(await ledger.claim('s1', 'create:MKP-1', { action: 'create', factKey: 'f1' })).toBe(
      true,
    );
    expect(await ledger.claim('s1', 'create:MKP-1', { action: 'create', factKey: 'f2' })).toBe(
      false,
    );
    expect(await ledger.read('s1', 'create:MKP-1')).toEqual({ status: 'claimed' });
    await ledger.markDone('s1', 'create:MKP-1', { shipbobOrderId: '200000' });
    await ledger.markOutcomeRecorded('s1', 'create:MKP-1');

    expect(await ledger.read('s1', 'create:MKP-1')).toEqual({
      status: 'done',
      externalIds: { shipbobOrderId: '200000' },
      outcomeRecorded: true,
    });
    const stored = await db.collection(EFFECTS_COLLECTION).find({}).toArray();
    expect(stored.map((d) => d['_id'])).toEqual([effectId('s1', 'create:MKP-1')]);
    expect(stored[0]).toMatchObject({ storeId: 's1', effectKey: 'create:MKP-1', factKey: 'f1' });
  });

  it('finds and finishes entries of older versions present at start, and claims new effects beside them', async () => {
    const db = await database();
    await db
      .collection(EFFECTS_COLLECTION)
      .insertMany([
        olderEntry('s1', 'create:OLD-1', 'claimed'),
        olderEntry('s1', 'create:OLD-2', 'done'),
      ]);
    const ledger = await createEffectsLedger(db);

    expect(await ledger.read('s1', 'create:OLD-1')).toEqual({ status: 'claimed' });
    expect(await ledger.claim('s1', 'create:OLD-1', { action: 'create', factKey: 'f' })).toBe(
      false,
    );
    await ledger.markDone('s1', 'create:OLD-1', { shipbobOrderId: '1' });
    expect(await ledger.read('s1', 'create:OLD-1')).toMatchObject({ status: 'done' });
    expect(await ledger.read('s1', 'create:OLD-2')).toMatchObject({
      status: 'done',
      externalIds: { shipbobOrderId: '7' },
    });
    expect(await ledger.claim('s1', 'create:NEW-1', { action: 'create', factKey: 'f' })).toBe(true);
    expect(await ledger.read('s1', 'create:NEW-1')).toEqual({ status: 'claimed' });
  });

  it('an entry an older instance writes after start still wins the claim, and is read afterwards', async () => {
    const db = await database();
    const ledger = await createEffectsLedger(db);
    await db.collection(EFFECTS_COLLECTION).insertOne(olderEntry('s1', 'create:MKP-9', 'done'));

    expect(await ledger.claim('s1', 'create:MKP-9', { action: 'create', factKey: 'f' })).toBe(
      false,
    );
    expect(await ledger.read('s1', 'create:MKP-9')).toMatchObject({ status: 'done' });
    expect(await db.collection(EFFECTS_COLLECTION).countDocuments({})).toBe(1);
  });
});
