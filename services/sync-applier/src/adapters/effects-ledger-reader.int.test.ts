import { afterEach, describe, expect, it } from '@jest/globals';
import { connectMongo, type MongoHandle } from '@msync/platform';
import { infra, uniqueName } from '@msync/test-support';
import {
  EFFECTS_COLLECTION,
  createEffectsLedger,
  createEffectsLedgerReader,
} from './effects-ledger.js';

let mongo: MongoHandle | undefined;
afterEach(async () => {
  await mongo?.db.dropDatabase();
  await mongo?.close();
  mongo = undefined;
});

describe('the read-only view of the effects ledger', () => {
  it('reads claimed and done entries with their times, legacy ones included, and writes nothing', async () => {
    mongo = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('ledger_reader').replaceAll('-', '_'),
      appName: 'ledger-test',
    });
    const { db } = mongo;
    const reader = createEffectsLedgerReader(db);
    expect(await reader.read('s1', 'accept:O-1')).toBeNull();
    expect(await db.listCollections({ name: EFFECTS_COLLECTION }).toArray()).toEqual([]);

    const ledger = await createEffectsLedger(db);
    await ledger.claim('s1', 'accept:O-1', { action: 'accept', factKey: 'f1' });
    expect(await reader.read('s1', 'accept:O-1')).toEqual({
      entry: { status: 'claimed' },
      claimedAt: expect.any(Date),
      doneAt: null,
    });
    await ledger.markDone('s1', 'accept:O-1', { miraklOrderId: 'O-1' });
    await ledger.markOutcomeRecorded('s1', 'accept:O-1');
    const done = await reader.read('s1', 'accept:O-1');
    expect(done).toMatchObject({
      entry: { status: 'done', externalIds: { miraklOrderId: 'O-1' }, outcomeRecorded: true },
    });
    expect(done!.doneAt!.getTime()).toBeGreaterThanOrEqual(done!.claimedAt!.getTime());

    await db.collection(EFFECTS_COLLECTION).insertOne({
      storeId: 's1',
      effectKey: 'ship:O-9',
      action: 'ship',
      factKey: 'old-fact',
      status: 'claimed',
      claimedAt: new Date(),
    });
    expect(await createEffectsLedgerReader(db).read('s1', 'ship:O-9')).toMatchObject({
      entry: { status: 'claimed' },
    });
  });
});
