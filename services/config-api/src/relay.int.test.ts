import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { capturingLogger, infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import { createSecretBox } from '@msync/stores';
import { reencryptSecrets } from './reencrypt.js';
import {
  ADMIN_TOKEN,
  KEY_A,
  KEY_B,
  client,
  configApiHarness,
  eventually,
  type Harness,
} from './test-support/harness.js';

const MIRAKL_KEY = 'relay-mirakl-key-5c4b3a29';
const PAT = 'relay-shipbob-pat-8d7e6f50';
const { logger } = capturingLogger('info');
let h: Harness;

beforeAll(async () => {
  h = await configApiHarness({
    infra: infra(),
    database: uniqueName('config-api-relay'),
    namespace: uniqueNamespace(),
    logger,
  });
  h.mirakl.control.addShop({ shopId: 5001, apiKey: MIRAKL_KEY, name: 'Relay Shop' });
  h.shipbob.control.world.seedMerchant({ pats: [PAT] });
});

afterAll(async () => {
  await h?.close();
});

async function tenantClient(url: string) {
  const admin = client(url, ADMIN_TOKEN);
  const tenant = await admin('POST', '/v1/tenants', { body: { name: 'Relay Co' } });
  const token = await admin('POST', '/v1/tokens', {
    body: { name: 't', tenantId: tenant.body.id },
  });
  return client(url, token.body.token);
}

describe('publication survives a crash between save and publish', () => {
  let storeId = '';

  it('saves without publishing when the process dies before the relay ran', async () => {
    // The first process saves (the HTTP answer is 2xx) and is gone before its relay runs.
    const crashed = await h.start({ relay: false });
    const api = await tenantClient(crashed.url);
    const created = await api('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: MIRAKL_KEY },
    });
    expect(created.status).toBe(201);
    storeId = created.body.id;
    const saved = await api('PATCH', `/v1/stores/${storeId}`, {
      body: { shipbobPat: PAT, toggles: { inventory: true }, inventoryBuffer: 4 },
      headers: { 'if-match': created.headers.get('etag')! },
    });
    expect(saved.status).toBe(200);
    await crashed.close();
    // Everything on the topics has been read: had anything been published, it would be here.
    await h.events.caughtUp();
    expect(h.events.configs(storeId)).toEqual([]);
    expect(h.events.polls(storeId)).toEqual([]);
    expect((await h.stores()).find((d) => d['_id'] === storeId)).toMatchObject({
      version: 2,
      pendingPublish: true,
      publishedVersion: 0,
      offersPollPending: true,
    });
  });

  it('publishes the latest state and the first offers poll after the restart', async () => {
    await h.start();
    await eventually(
      () => h.events.latestConfig(storeId)?.version === 2,
      'config v2 after restart',
    );
    await eventually(() => h.events.polls(storeId).length === 1, 'first offers poll after restart');
    expect(h.events.latestConfig(storeId)).toMatchObject({
      status: 'CONNECTED',
      inventoryBuffer: 4,
      shipbobConfigured: true,
      toggles: { inventory: true },
    });
    // The marks follow the broker's acknowledgement (the consumer may see the event first).
    await eventually(async () => {
      const doc = (await h.stores()).find((d) => d['_id'] === storeId);
      return doc?.['pendingPublish'] === false && doc['offersPollPending'] === false;
    }, 'the publication marks');
    expect((await h.stores()).find((d) => d['_id'] === storeId)).toMatchObject({
      pendingPublish: false,
      publishedVersion: 2,
      offersPollPending: false,
    });
  });

  it('publishes nothing twice once marked (runs are idempotent)', async () => {
    const before = h.events.configs(storeId).length;
    const again = await h.start();
    await again.api.relay.runOnce();
    // Several more passes of its timer loop, each of which would publish anything still marked.
    const passes = again.api.relay.passes();
    await eventually(() => again.api.relay.passes() >= passes + 3, 'three more relay passes');
    await h.events.caughtUp();
    expect(h.events.configs(storeId)).toHaveLength(before);
    expect(h.events.polls(storeId)).toHaveLength(1);
  });

  it('requests a first poll left pending after its version was published (a crash between the two marks)', async () => {
    await h.db
      .collection<{ _id: string }>('stores')
      .updateOne({ _id: storeId }, { $set: { offersPollPending: true } });
    const configs = h.events.configs(storeId).length;
    const again = await h.start();
    await again.api.relay.runOnce();
    // Every running instance's relay may publish it before one of them marks it: the same event
    // (its idempotency key) each time, which the pollers drop as a repeat.
    await eventually(() => h.events.polls(storeId).length >= 2, 'the pending first poll');
    expect(new Set(h.events.polls(storeId).map((p) => p.envelope.idempotencyKey)).size).toBe(1);
    await eventually(
      async () =>
        (await h.stores()).find((d) => d['_id'] === storeId)?.['offersPollPending'] === false,
      'its mark',
    );
    // Its version was published already: not again.
    await h.events.caughtUp();
    expect(h.events.configs(storeId)).toHaveLength(configs);
  });
});

describe('key rotation', () => {
  it('re-encrypts every secret under the new key; the old key can then be dropped', async () => {
    const both = createSecretBox([
      { id: 'k2', key: Buffer.from(KEY_B, 'base64') },
      { id: 'k1', key: Buffer.from(KEY_A, 'base64') },
    ]);
    const first = await reencryptSecrets(h.db, both);
    expect(first.rewritten).toBeGreaterThan(0);
    const second = await reencryptSecrets(h.db, both);
    expect(second.rewritten).toBe(0);
    const raw = JSON.stringify(await h.stores());
    expect(raw).not.toContain('v1.k1.');
    expect(raw).toContain('v1.k2.');

    // A service holding only the new key still opens the secrets (reconnect re-verifies the key).
    const rotated = await h.start({
      encryptionKeys: [{ id: 'k2', key: Buffer.from(KEY_B, 'base64') }],
    });
    const admin = client(rotated.url, ADMIN_TOKEN);
    const [store] = (await admin('GET', '/v1/stores')).body.items as {
      id: string;
      version: number;
    }[];
    expect(store).toBeDefined();
    const tenants = (await admin('GET', '/v1/tenants')).body.items as { id: string }[];
    const token = await admin('POST', '/v1/tokens', {
      body: { name: 'r', tenantId: tenants[0]!.id },
    });
    const api = client(rotated.url, token.body.token);
    const off = await api('POST', `/v1/stores/${store!.id}/disconnect`);
    expect(off.status).toBe(200);
    const on = await api('POST', `/v1/stores/${store!.id}/connect`);
    expect(on.status).toBe(200);
    expect((await api('GET', `/v1/stores/${store!.id}/fulfillment-centers`)).status).toBe(200);
  });
});
