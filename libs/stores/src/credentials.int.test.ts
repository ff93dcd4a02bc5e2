import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from '@jest/globals';
import { connectMongo, type MongoHandle } from '@msync/platform';
import { infra, uniqueName } from '@msync/test-support';
import { createStoreCredentials } from './credentials.js';
import { STORES_COLLECTION, type StoreCredentialFields } from './document.js';
import { createSecretBox, type EncryptionKey } from './secret-box.js';

const API_KEY = 'test-only-mirakl-key-0001';
const PAT = 'test-only-shipbob-pat-0001';
const WEBHOOK_SECRET = `whsec_${Buffer.alloc(24, 5).toString('base64')}`;
const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });

let handle: MongoHandle | undefined;
afterEach(async () => {
  await handle?.db.dropDatabase();
  await handle?.close();
  handle = undefined;
});

async function database() {
  handle = await connectMongo(infra().MONGO_URL, {
    dbName: uniqueName('stores').replace(/-/g, '_'),
    appName: 'test',
  });
  return handle.db;
}

function storeDoc(
  box: ReturnType<typeof createSecretBox>,
  version: number,
  apiKey = API_KEY,
): StoreCredentialFields & Record<string, unknown> {
  return {
    _id: 'store-1',
    status: 'CONNECTED',
    version,
    miraklBaseUrl: 'https://shop.mirakl.net',
    miraklShopId: '2001',
    miraklApiKey: { sealed: box.seal(apiKey), last4: '0001' },
    shipbob: { pat: { sealed: box.seal(PAT), last4: '0001' }, channelId: '77' },
    shipbobWebhook: { secret: { sealed: box.seal(WEBHOOK_SECRET), last4: '' } },
    // Fields config-api keeps that readers ignore.
    tenantId: 'tenant-1',
    settings: { pollIntervalMinutes: 15 },
  };
}

describe('store credentials from the stores collection', () => {
  it('opens the secrets in process and never shows them when printed', async () => {
    const db = await database();
    const box = createSecretBox([key('k1')]);
    await db
      .collection<StoreCredentialFields & Record<string, unknown>>(STORES_COLLECTION)
      .insertOne(storeDoc(box, 1));

    const port = createStoreCredentials({ db, secretBox: box });
    const creds = await port.get('store-1');
    expect(creds?.miraklApiKey?.reveal()).toBe(API_KEY);
    expect(creds?.shipbobPat?.reveal()).toBe(PAT);
    expect(creds?.shipbobWebhookSecret?.reveal()).toBe(WEBHOOK_SECRET);
    expect(creds).toMatchObject({ version: 1, miraklShopId: '2001', shipbobChannelId: '77' });
    for (const shown of [
      JSON.stringify(creds),
      inspect(creds, { depth: 5 }),
      String(creds?.miraklApiKey),
    ])
      for (const secret of [API_KEY, PAT, WEBHOOK_SECRET]) expect(shown).not.toContain(secret);
    expect(await port.get('no-such-store')).toBeNull();

    // Stores never subscribed to webhooks have no secret.
    const { shipbobWebhook: _w, ...withoutWebhook } = storeDoc(box, 1);
    await db
      .collection<StoreCredentialFields & Record<string, unknown>>(STORES_COLLECTION)
      .insertOne({ ...withoutWebhook, _id: 'store-2' });
    expect((await port.get('store-2'))?.shipbobWebhookSecret).toBeNull();
  });

  it('reuses a read until it expires or a newer version is known', async () => {
    const db = await database();
    const box = createSecretBox([key('k1')]);
    const stores = db.collection<StoreCredentialFields & Record<string, unknown>>(
      STORES_COLLECTION,
    );
    await stores.insertOne(storeDoc(box, 1));
    let clock = 0;
    const port = createStoreCredentials({ db, secretBox: box, ttlMs: 1_000, now: () => clock });
    expect((await port.get('store-1'))?.version).toBe(1);

    await stores.replaceOne({ _id: 'store-1' }, storeDoc(box, 2, 'test-only-mirakl-key-0002'));
    expect((await port.get('store-1'))?.version).toBe(1);
    expect((await port.get('store-1', { atLeastVersion: 2 }))?.miraklApiKey?.reveal()).toBe(
      'test-only-mirakl-key-0002',
    );

    await stores.replaceOne({ _id: 'store-1' }, storeDoc(box, 3));
    clock += 999;
    expect((await port.get('store-1'))?.version).toBe(2);
    clock += 1;
    expect((await port.get('store-1'))?.version).toBe(3);
  });

  it('opens values sealed with an older key of the ring (rotation in progress)', async () => {
    const db = await database();
    const old = key('k1');
    await db
      .collection<StoreCredentialFields & Record<string, unknown>>(STORES_COLLECTION)
      .insertOne(storeDoc(createSecretBox([old]), 1));

    const rotated = createSecretBox([key('k2'), old]);
    const creds = await createStoreCredentials({ db, secretBox: rotated }).get('store-1');
    expect(creds?.miraklApiKey?.reveal()).toBe(API_KEY);

    const withoutOld = createStoreCredentials({ db, secretBox: createSecretBox([key('k2')]) });
    await expect(withoutOld.get('store-1')).rejects.toMatchObject({ reason: 'unknown-key-id' });
  });
});
