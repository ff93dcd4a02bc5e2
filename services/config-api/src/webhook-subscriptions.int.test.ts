import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from '@msync/platform';
import { createSecretBox, createStoreCredentials } from '@msync/stores';
import { capturingLogger, counted, infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import {
  ADMIN_TOKEN,
  KEY_A,
  client,
  configApiHarness,
  eventually,
  type Harness,
  type Instance,
} from './test-support/harness.js';

const MIRAKL_KEY = 'mirakl-key-webhooks-0a1b2c3d4e5f';
const PAT = 'test-only-shipbob-pat-webhooks-a1';
const OTHER_PAT = 'test-only-shipbob-pat-webhooks-b2';
const BASE = 'https://hooks.example.test/msync';
const { logger, lines } = capturingLogger('info');

let h: Harness;
let merchantId = 0;
let otherMerchantId = 0;
let tenantToken = '';
let storeId = '';

beforeAll(async () => {
  h = await configApiHarness({
    infra: infra(),
    database: uniqueName('config-api-webhooks'),
    namespace: uniqueNamespace(),
    logger,
  });
  h.mirakl.control.addShop({ shopId: 4101, apiKey: MIRAKL_KEY, name: 'Hooked Shop' });
  merchantId = h.shipbob.control.world.seedMerchant({ pats: [PAT] }).id;
  otherMerchantId = h.shipbob.control.world.seedMerchant({ pats: [OTHER_PAT] }).id;
});

afterAll(async () => {
  await h?.close();
});

/** config-api with its subscription loop, checking every store every 300 ms. */
async function startWith(publicWebhookBaseUrl: string | null) {
  const metrics = new Registry();
  const instance = await h.start({
    webhooks: true,
    publicWebhookBaseUrl,
    webhookCheckIntervalMs: 300,
    webhookRetryAfterMs: 200,
    metrics,
  });
  const checks = () => counted(metrics, 'config_api_webhook_checks_total', { result: 'ok' });
  /** Waits for `n` more completed checks (each store due at least once more). */
  const moreChecks = async (n: number) => {
    const target = (await checks()) + n;
    await eventually(async () => (await checks()) >= target, `${n} more subscription checks`);
  };
  return { instance, metrics, moreChecks };
}

const subscriptionsOf = (merchant: number) =>
  h.shipbob.control.world.webhooks.all.filter((w) => w.merchantId === merchant);
const storeUrl = () => `${BASE}/webhooks/shipbob/${storeId}`;

async function storeTracking(instance: Instance) {
  const res = await client(instance.url, tenantToken)('GET', `/v1/stores/${storeId}`);
  return { mode: (res.body['tracking'] as { mode: string }).mode, etag: res.headers.get('etag')! };
}

async function change(instance: Instance, path: string, method: string, body?: unknown) {
  const { etag } = await storeTracking(instance);
  const res = await client(instance.url, tenantToken)(method, path, {
    ...(body === undefined ? {} : { body }),
    headers: { 'if-match': etag },
  });
  expect(res.status).toBeLessThan(300);
}

describe('ShipBob webhook subscription lifecycle', () => {
  it('without a public URL a store runs on polling alone and nothing is subscribed', async () => {
    const { instance, moreChecks } = await startWith(null);
    const admin = client(instance.url, ADMIN_TOKEN);
    const tenant = await admin('POST', '/v1/tenants', { body: { name: 'Hooks' } });
    const token = await admin('POST', '/v1/tokens', {
      body: { name: 'hooks', tenantId: tenant.body.id },
    });
    tenantToken = token.body.token;
    const connected = await client(instance.url, tenantToken)('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: MIRAKL_KEY },
    });
    storeId = connected.body.id;
    await change(instance, `/v1/stores/${storeId}`, 'PATCH', {
      shipbobPat: PAT,
      toggles: { tracking: true },
    });
    await moreChecks(2);
    expect(subscriptionsOf(merchantId)).toEqual([]);
    expect((await storeTracking(instance)).mode).toBe('polling');
    await instance.close();
  });

  it('with one, the store gets one subscription with its own sealed secret, however many processes check it', async () => {
    // Two processes check the same stores, as two replicas would.
    const first = await startWith(BASE);
    const second = await startWith(BASE);
    await eventually(() => subscriptionsOf(merchantId).length === 1, 'the subscription');
    await first.moreChecks(4);
    await second.moreChecks(4);
    const [subscription] = subscriptionsOf(merchantId);
    expect(subscriptionsOf(merchantId)).toHaveLength(1);
    expect(subscription).toMatchObject({
      url: storeUrl(),
      topics: ['order.shipped', 'order.shipment.delivered'],
      enabled: true,
    });
    const credentials = createStoreCredentials({
      db: h.db,
      secretBox: createSecretBox([{ id: 'k1', key: Buffer.from(KEY_A, 'base64') }]),
    });
    const secret = (await credentials.get(storeId))?.shipbobWebhookSecret?.reveal();
    expect(secret).toBe(subscription!.secret);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const raw = JSON.stringify(await h.stores());
    expect(raw).not.toContain(secret!.slice('whsec_'.length));
    expect(lines.join('\n')).not.toContain(secret!.slice('whsec_'.length));
    expect((await storeTracking(first.instance)).mode).toBe('webhooks');
    await second.instance.close();
    await first.instance.close();
  });

  it('follows the toggles, repairs what ShipBob disabled or lost, and removes it on disconnect', async () => {
    const { instance, moreChecks } = await startWith(BASE);
    const store = `/v1/stores/${storeId}`;
    const only = () => {
      const all = subscriptionsOf(merchantId);
      return all.length === 1 ? all[0] : undefined;
    };

    await change(instance, store, 'PATCH', { toggles: { cancellations: true } });
    await eventually(
      () => only()?.topics.includes('order.shipment.cancelled') === true,
      'the cancellation topic added',
    );

    const disabled = only()!.id;
    h.shipbob.control.world.webhooks.disable(disabled);
    await eventually(
      () => only()?.enabled === true && only()?.id !== disabled,
      'a disabled subscription replaced',
    );
    const lost = only()!.id;
    h.shipbob.control.world.webhooks.lose(lost);
    await eventually(() => only() !== undefined && only()!.id !== lost, 'a lost one recreated');

    await change(instance, store, 'PATCH', { toggles: { tracking: false, cancellations: false } });
    await eventually(() => subscriptionsOf(merchantId).length === 0, 'removed when toggled off');
    await eventually(
      async () => (await storeTracking(instance)).mode === 'polling',
      'polling once removed',
    );

    await change(instance, store, 'PATCH', { toggles: { tracking: true } });
    await eventually(() => only() !== undefined, 'subscribed again');
    await change(instance, `${store}/disconnect`, 'POST');
    await eventually(() => subscriptionsOf(merchantId).length === 0, 'removed on disconnect');
    await change(instance, `${store}/connect`, 'POST');
    await eventually(() => only() !== undefined, 'subscribed again on reconnect');
    await moreChecks(3);
    expect(subscriptionsOf(merchantId)).toHaveLength(1);
    await instance.close();
  });

  it('a replaced token takes the subscription to its account; delete removes it and erases the secrets', async () => {
    const { instance } = await startWith(BASE);
    const store = `/v1/stores/${storeId}`;
    await change(instance, store, 'PATCH', { shipbobPat: OTHER_PAT });
    await eventually(
      () =>
        subscriptionsOf(merchantId).length === 0 && subscriptionsOf(otherMerchantId).length === 1,
      'the subscription moved to the new account',
    );
    await change(instance, store, 'DELETE');
    await eventually(() => subscriptionsOf(otherMerchantId).length === 0, 'removed on delete');
    await eventually(async () => {
      const doc = (await h.stores()).find((d) => d['_id'] === storeId)!;
      return (
        doc['shipbobWebhook'] === null &&
        Array.isArray(doc['webhookCleanup']) &&
        doc['webhookCleanup'].length === 0
      );
    }, 'the secret and the old tokens erased');
    await instance.close();
  });
});
