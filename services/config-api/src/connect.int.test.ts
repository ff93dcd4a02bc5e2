import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { capturingLogger, infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import {
  ADMIN_TOKEN,
  client,
  configApiHarness,
  type ApiResponse,
  type Harness,
  type Instance,
} from './test-support/harness.js';

// Connecting a store the way sellers really do it: the URL from the browser's address bar, keys
// pasted with stray characters, short demo secrets, a slow marketplace.

const KEY_DASHBOARD = 'connect-key-dashboard-3f2e1d0c';
const KEY_SHARED = 'connect-key-shared-8a7b6c5d';
const KEY_SHORT = 'k3y9';
const KEY_SLOW = 'connect-key-slow-1029384756';
const SHORT_PAT = 'sim-pat';
const { logger } = capturingLogger('warn');

let h: Harness;
let instance: Instance;
let alice: ReturnType<typeof client>;
let bob: ReturnType<typeof client>;

beforeAll(async () => {
  h = await configApiHarness({
    infra: infra(),
    database: uniqueName('config-api-connect'),
    namespace: uniqueNamespace(),
    logger,
  });
  h.mirakl.control.addShop({ shopId: 9101, apiKey: KEY_DASHBOARD, name: 'Dashboard Shop' });
  h.mirakl.control.addShop({ shopId: 9102, apiKey: KEY_SHARED, name: 'Shared Shop' });
  h.mirakl.control.addShop({ shopId: 9103, apiKey: KEY_SHORT, name: 'Short Key Shop' });
  h.mirakl.control.addShop({ shopId: 9104, apiKey: KEY_SLOW, name: 'Slow Shop' });
  h.shipbob.control.world.seedMerchant({ pats: [SHORT_PAT] });
  instance = await h.start();
  const admin = client(instance.url, ADMIN_TOKEN);
  const tokenOf = async (name: string) => {
    const tenant = await admin('POST', '/v1/tenants', { body: { name } });
    return (await admin('POST', '/v1/tokens', { body: { name, tenantId: tenant.body.id } })).body
      .token;
  };
  alice = client(instance.url, await tokenOf('Alice Co'));
  bob = client(instance.url, await tokenOf('Bob Co'));
});

afterAll(async () => {
  await h?.close();
});

const expectViolation = (res: ApiResponse, field: string, rule: string) => {
  expect(res.status).toBe(422);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body.errors).toEqual(
    expect.arrayContaining([expect.objectContaining({ field, rule })]),
  );
};

const a01Calls = () => h.mirakl.control.exchanges().filter((e) => e.operation === 'A01').length;

describe('the Mirakl URL a seller pastes', () => {
  it('accepts the dashboard address (path, query, fragment) and keeps only the origin', async () => {
    // What the address bar shows while the seller is logged in to the Mirakl back office.
    const pasted = `${h.mirakl.url}/mmp/shop/order/list?x=1#y`;
    const res = await alice('POST', '/v1/stores', {
      body: { miraklUrl: pasted, miraklApiKey: KEY_DASHBOARD },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ miraklUrl: h.mirakl.url, miraklShopId: '9101' });
    // The seller API lives at <origin>/api, where the simulator serves it too.
    const verification = h.mirakl.control.exchanges().filter((e) => e.operation === 'A01');
    expect(verification.at(-1)?.path).toBe('/api/account');
    const raw = await h.db.collection('stores').findOne({ _id: res.body.id as never });
    expect(raw).toMatchObject({ miraklBaseUrl: h.mirakl.url });
  });
});

describe('one live store per Mirakl shop', () => {
  it('refuses a second store for the same shop whatever path the URL carries', async () => {
    const first = await alice('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: KEY_SHARED },
    });
    expect(first.status).toBe(201);
    for (const path of ['/api/api', '/api/api/', '/API', '/some/where/api']) {
      const other = await bob('POST', '/v1/stores', {
        body: { miraklUrl: `${h.mirakl.url}${path}`, miraklApiKey: KEY_SHARED },
      });
      expect({ path, status: other.status }).toEqual({ path, status: 409 });
      expect(other.body.existingStoreId).toBeUndefined();
    }
    const live = (await client(instance.url, ADMIN_TOKEN)('GET', '/v1/stores')).body.items.filter(
      (s) => s['miraklShopId'] === '9102',
    );
    expect(live).toHaveLength(1);
  });
});

describe('credentials that cannot be sent as an HTTP header', () => {
  const unusable = [
    ['a line break', 'key-with\r\nX-Injected: yes'],
    ['a bare line feed', 'key-with\nnewline-0000'],
    ['a NUL character', 'key-with\u0000nul-000000'],
    ['a character outside Latin-1', 'key-with-€-sign-000000'],
  ] as const;

  it('refuses such a Mirakl key with 422 on miraklApiKey, without calling Mirakl', async () => {
    const before = a01Calls();
    for (const [, key] of unusable) {
      const res = await alice('POST', '/v1/stores', {
        body: { miraklUrl: h.mirakl.url, miraklApiKey: key },
      });
      expectViolation(res, 'miraklApiKey', 'header-safe');
    }
    expect(a01Calls()).toBe(before);
  });

  it('refuses such a replacement key on reconnect and such a ShipBob PAT, without a vendor call', async () => {
    const [store] = (await alice('GET', '/v1/stores')).body.items;
    expect(store).toBeDefined();
    const mirakl = a01Calls();
    const shipbob = h.shipbob.control.exchanges().length;
    for (const [, secret] of unusable) {
      expectViolation(
        await alice('POST', `/v1/stores/${store!.id}/connect`, {
          body: { miraklApiKey: secret },
        }),
        'miraklApiKey',
        'header-safe',
      );
      expectViolation(
        await alice('PATCH', `/v1/stores/${store!.id}`, {
          body: { shipbobPat: secret },
          headers: { 'if-match': `"${store!.version}"` },
        }),
        'shipbobPat',
        'header-safe',
      );
    }
    expect(a01Calls()).toBe(mirakl);
    expect(h.shipbob.control.exchanges().length).toBe(shipbob);
  });
});

describe('masked secrets', () => {
  it('shows at most a quarter of a secret and never more than four characters', async () => {
    const res = await alice('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: KEY_SHORT },
    });
    expect(res.status).toBe(201);
    // A quarter of four characters is one.
    expect(res.body['miraklApiKey']).toBe('••••9');
    const configured = await alice('PATCH', `/v1/stores/${res.body.id}`, {
      body: { shipbobPat: SHORT_PAT },
      headers: { 'if-match': res.headers.get('etag')! },
    });
    expect(configured.status).toBe(200);
    expect(configured.body.shipbob?.pat).toBe('••••t');
    const raw = JSON.stringify(
      await h.db.collection('stores').findOne({ _id: res.body.id as never }),
    );
    expect(raw).not.toContain(KEY_SHORT);
    expect(raw).not.toContain(SHORT_PAT);
  });
});

describe('a marketplace that does not answer', () => {
  it('stops verifying at the deadline and answers 503 saying how long it waited', async () => {
    const impatient = await h.start({ verificationDeadlineMs: 600 });
    // Each attempt would end at the client's own per-attempt timeout; together far too late.
    h.mirakl.control.addFault({ operation: 'A01', kind: 'latency', ms: 4_000, times: 2 });
    const tenant = await client(impatient.url, ADMIN_TOKEN)('POST', '/v1/tenants', {
      body: { name: 'Slow Co' },
    });
    const token = await client(impatient.url, ADMIN_TOKEN)('POST', '/v1/tokens', {
      body: { name: 'slow', tenantId: tenant.body.id },
    });
    const started = Date.now();
    const res = await client(impatient.url, token.body.token)('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: KEY_SLOW },
    });
    const took = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(String(res.body['detail'])).toMatch(/within 0\.6 s/);
    expect(took).toBeLessThan(3_000);
    expect(await h.db.collection('stores').countDocuments({ miraklShopId: '9104' })).toBe(0);
  });
});
