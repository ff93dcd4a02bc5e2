import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { capturingLogger, infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import { systemResolver } from './adapters/vendor-gateways.js';
import {
  ADMIN_TOKEN,
  client,
  configApiHarness,
  eventually,
  type ApiResponse,
  type Harness,
  type Instance,
} from './test-support/harness.js';

const MIRAKL_KEY = 'mirakl-key-A-9f8e7d6c5b4a3921';
const MIRAKL_KEY_B = 'mirakl-key-B-1a2b3c4d5e6f7081';
const MIRAKL_KEY_C = 'mirakl-key-C-77aa88bb99cc0011';
const PAT = 'test-only-shipbob-pat-not-real-4e62';
const { logger, lines } = capturingLogger('debug');
const issuedTokens: string[] = [];

let h: Harness;
let instance: Instance;
let admin: ReturnType<typeof client>;
let alice: ReturnType<typeof client>;
let bob: ReturnType<typeof client>;
let aliceTenant: string;
let storeId = '';
let etag = '';

beforeAll(async () => {
  h = await configApiHarness({
    infra: infra(),
    database: uniqueName('config-api'),
    namespace: uniqueNamespace(),
    logger,
  });
  h.mirakl.control.addShop({ shopId: 4001, apiKey: MIRAKL_KEY, name: 'Acme Outlet' });
  h.mirakl.control.addShop({ shopId: 4002, apiKey: MIRAKL_KEY_B, name: 'Bob Shop' });
  h.mirakl.control.addShop({ shopId: 4003, apiKey: MIRAKL_KEY_C, name: 'Acme Second' });
  h.shipbob.control.world.seedMerchant({ pats: [PAT], withOtherChannel: true });
  instance = await h.start({
    // The system resolver, except one name that an attacker points at a private address.
    resolver: {
      resolve: (host) =>
        host === 'rebind.mirakl.net' ? Promise.resolve(['10.1.2.3']) : systemResolver.resolve(host),
    },
    urlPolicy: {
      allowedHosts: ['*.mirakl.net', 'localhost'],
      trustedOrigins: [new URL(h.mirakl.url).origin],
    },
  });
  admin = client(instance.url, ADMIN_TOKEN);
  const tenantA = await admin('POST', '/v1/tenants', { body: { name: 'Alice Co' } });
  const tenantB = await admin('POST', '/v1/tenants', { body: { name: 'Bob Co' } });
  aliceTenant = tenantA.body.id;
  const tokenA = await admin('POST', '/v1/tokens', {
    body: { name: 'alice', tenantId: aliceTenant },
  });
  const tokenB = await admin('POST', '/v1/tokens', {
    body: { name: 'bob', tenantId: tenantB.body.id },
  });
  issuedTokens.push(tokenA.body.token, tokenB.body.token);
  alice = client(instance.url, tokenA.body.token);
  bob = client(instance.url, tokenB.body.token);
});

afterAll(async () => {
  await h?.close();
});

const patch = (body: unknown, ifMatch = etag) =>
  alice('PATCH', `/v1/stores/${storeId}`, { body, headers: { 'if-match': ifMatch } });

const expectViolation = (res: ApiResponse, field: string, rule: string) => {
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body.errors).toEqual(
    expect.arrayContaining([expect.objectContaining({ field, rule })]),
  );
};

describe('access control', () => {
  it('answers 401 without a token or with an unknown one, and serves the OpenAPI document to anyone', async () => {
    expect((await client(instance.url)('GET', '/v1/stores')).status).toBe(401);
    expect(
      (await client(instance.url, 'not-a-real-token-0000000')('GET', '/v1/stores')).status,
    ).toBe(401);
    const doc = await client(instance.url)('GET', '/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
  });

  it('lets only an admin manage tenants and tokens', async () => {
    expect((await alice('GET', '/v1/tenants')).status).toBe(403);
    expect(
      (await alice('POST', '/v1/tokens', { body: { name: 'x', tenantId: null } })).status,
    ).toBe(403);
    const tenants = await admin('GET', '/v1/tenants');
    expect(tenants.body.items.map((t) => t.name)).toEqual(['Alice Co', 'Bob Co']);
    expect((await alice('GET', '/v1/whoami')).body).toEqual({
      role: 'tenant',
      tenantId: aliceTenant,
      tenantName: 'Alice Co',
    });
    expect((await admin('GET', '/v1/whoami')).body).toEqual({
      role: 'admin',
      tenantId: null,
      tenantName: null,
    });
  });

  it('stores tokens only as hashes and can revoke them', async () => {
    const issued = await admin('POST', '/v1/tokens', {
      body: { name: 'temp', tenantId: aliceTenant },
    });
    issuedTokens.push(issued.body.token);
    const raw = JSON.stringify(await h.db.collection('api_tokens').find({}).toArray());
    for (const token of issuedTokens) expect(raw).not.toContain(token);
    const listed = await admin('GET', `/v1/tokens?tenantId=${aliceTenant}`);
    expect(listed.body.items).toHaveLength(2);
    expect(JSON.stringify(listed.body)).not.toContain(issued.body.token);
    expect((await client(instance.url, issued.body.token)('GET', '/v1/stores')).status).toBe(200);
    expect((await admin('DELETE', `/v1/tokens/${issued.body.id}`)).status).toBe(204);
    expect((await client(instance.url, issued.body.token)('GET', '/v1/stores')).status).toBe(401);
  });

  it('refuses to connect a store with an admin token', async () => {
    const res = await admin('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: MIRAKL_KEY },
    });
    expect(res.status).toBe(403);
  });
});

describe('connecting a store', () => {
  it('refuses a wrong key with a clear error and stores nothing', async () => {
    const res = await alice('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: 'wrong-key-000000' },
    });
    expect(res.status).toBe(422);
    expectViolation(res, 'miraklApiKey', 'credentials-rejected');
    expect(await h.db.collection('stores').countDocuments()).toBe(0);
  });

  it.each([
    ['http://acme.mirakl.net', 'https-required'],
    ['https://127.0.0.1/', 'allowed-host'],
    ['https://10.0.0.8/', 'allowed-host'],
    ['https://169.254.169.254/latest/meta-data', 'allowed-host'],
    ['https://[::1]/', 'allowed-host'],
    ['https://evil.example.com/', 'allowed-host'],
    ['https://user:pw@acme.mirakl.net/', 'no-credentials-in-url'],
    ['https://acme.mirakl.net:8443/', 'standard-port'],
    ['https://rebind.mirakl.net/', 'public-address'],
    ['https://localhost/', 'public-address'],
    ['not a url', 'url'],
  ])('refuses the Mirakl URL %s (%s)', async (miraklUrl, rule) => {
    const res = await alice('POST', '/v1/stores', {
      body: { miraklUrl, miraklApiKey: MIRAKL_KEY },
    });
    expect(res.status).toBe(422);
    expectViolation(res, 'miraklUrl', rule);
  });

  it('connects with a verified key: CONNECTED with shop id and name, key masked, first offers sync requested', async () => {
    const res = await alice('POST', '/v1/stores', {
      body: { miraklUrl: `${h.mirakl.url}/`, miraklApiKey: MIRAKL_KEY },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'CONNECTED',
      miraklShopId: '4001',
      miraklShopName: 'Acme Outlet',
      miraklApiKey: '••••3921',
      shipbob: null,
      pollIntervalMinutes: 15,
      inventoryBuffer: 0,
      reportWhenEmpty: false,
      shippingMethods: {},
      defaultShippingMethod: 'Standard',
      cancelShipBobOnMarketplaceCancel: false,
      version: 1,
    });
    storeId = res.body.id;
    etag = res.headers.get('etag')!;
    expect(etag).toBe('"1"');
    await eventually(() => h.events.polls(storeId).length === 1, 'the first offers poll');
    expect(h.events.polls(storeId)[0]).toMatchObject({
      system: 'MIRAKL',
      stream: 'offers',
      reason: 'store-connected',
    });
    await eventually(() => h.events.latestConfig(storeId)?.version === 1, 'config v1');
    expect(h.events.latestConfig(storeId)).toMatchObject({
      status: 'CONNECTED',
      tenantId: aliceTenant,
    });
  });

  it('refuses the same shop twice, pointing to the existing store (but not to another tenant)', async () => {
    const again = await alice('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: MIRAKL_KEY },
    });
    expect(again.status).toBe(409);
    expect(again.body.existingStoreId).toBe(storeId);
    const other = await bob('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: MIRAKL_KEY },
    });
    expect(other.status).toBe(409);
    expect(other.body.existingStoreId).toBeUndefined();
  });

  it('hides one tenant’s stores from another (404), shows them to the admin', async () => {
    expect((await bob('GET', `/v1/stores/${storeId}`)).status).toBe(404);
    expect(
      (
        await bob('PATCH', `/v1/stores/${storeId}`, {
          body: { inventoryBuffer: 3 },
          headers: { 'if-match': etag },
        })
      ).status,
    ).toBe(404);
    expect((await bob('POST', `/v1/stores/${storeId}/disconnect`)).status).toBe(404);
    expect((await bob('DELETE', `/v1/stores/${storeId}`)).status).toBe(404);
    expect((await bob('GET', `/v1/stores/${storeId}/fulfillment-centers`)).status).toBe(404);
    expect((await bob('GET', '/v1/stores')).body.items).toEqual([]);
    expect((await admin('GET', `/v1/stores/${storeId}`)).status).toBe(200);
    expect((await alice('GET', '/v1/stores')).body.items.map((s: { id: string }) => s.id)).toEqual([
      storeId,
    ]);
  });
});

describe('several stores per tenant', () => {
  it('connects a second shop for the same tenant, each with its own first offers poll', async () => {
    const second = await alice('POST', '/v1/stores', {
      body: { miraklUrl: `${h.mirakl.url}/api`, miraklApiKey: MIRAKL_KEY_C },
    });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ miraklShopId: '4003', miraklShopName: 'Acme Second' });
    const listed = (await alice('GET', '/v1/stores')).body.items.map((s) => s.id);
    expect(listed).toEqual([storeId, second.body.id]);
    await eventually(() => h.events.polls(second.body.id).length === 1, 'second store poll');
  });
});

describe('configuring a store', () => {
  it('needs If-Match and refuses a stale version', async () => {
    const missing = await alice('PATCH', `/v1/stores/${storeId}`, { body: { inventoryBuffer: 2 } });
    expect(missing.status).toBe(428);
    const stale = await patch({ inventoryBuffer: 2 }, '"0"');
    expect(stale.status).toBe(412);
    expect(stale.body.currentVersion).toBe(1);
  });

  it('rejects unknown fields, invalid e-mail, negative buffer, a poll interval below 1, each naming field and rule', async () => {
    expectViolation(await patch({ colour: 'blue' }), 'colour', 'unknown-field');
    expectViolation(
      await patch({ toggles: { teleport: true } }),
      'toggles.teleport',
      'unknown-field',
    );
    expectViolation(await patch({ reportEmail: 'not-an-email' }), 'reportEmail', 'invalid_format');
    expectViolation(await patch({ inventoryBuffer: -1 }), 'inventoryBuffer', 'too_small');
    expectViolation(await patch({ inventoryBuffer: 1.5 }), 'inventoryBuffer', 'invalid_type');
    expectViolation(await patch({ pollIntervalMinutes: 0 }), 'pollIntervalMinutes', 'too_small');
    expectViolation(await patch({ reportWhenEmpty: 'yes' }), 'reportWhenEmpty', 'invalid_type');
    expect((await patch({ inventoryBuffer: -1 })).status).toBe(422);
  });

  it('answers 413 for an oversized body, 415 for a non-JSON body, 400 for malformed JSON', async () => {
    const big = await patch({ reportEmail: `${'a'.repeat(20_000)}@example.com` });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toContain('application/problem+json');
    const text = await alice('PATCH', `/v1/stores/${storeId}`, {
      raw: 'inventoryBuffer=2',
      headers: { 'if-match': etag, 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const broken = await alice('PATCH', `/v1/stores/${storeId}`, {
      raw: '{"inventoryBuffer": ',
      headers: { 'if-match': etag, 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
  });

  it('logs a client that hangs up halfway through its body as a client abort (info), not as a failure', async () => {
    const from = lines.length;
    const { hostname, port } = new URL(instance.url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(
      [
        `PATCH /v1/stores/${storeId} HTTP/1.1`,
        `Host: ${hostname}`,
        `Authorization: Bearer ${issuedTokens[0]}`,
        'Content-Type: application/json',
        `If-Match: ${etag}`,
        'Content-Length: 1000',
        '',
        '{"inventoryBuffer": ',
      ].join('\r\n'),
    );
    await new Promise((r) => socket.write('', r));
    socket.destroy();
    await eventually(
      () => lines.slice(from).some((l) => l.includes('"msg":"client aborted the request"')),
      'the client abort in the log',
    );
    const logged = lines.slice(from).map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(logged.find((l) => l.msg === 'client aborted the request')?.level).toBe('info');
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
    expect((await alice('GET', `/v1/stores/${storeId}`)).body.version).toBe(1);
  });

  it('allows no sync toggle before a ShipBob PAT is verified, and refuses a wrong PAT', async () => {
    expectViolation(
      await patch({ toggles: { inventory: true } }),
      'toggles.inventory',
      'shipbob-pat-required',
    );
    expectViolation(
      await patch({ cancelShipBobOnMarketplaceCancel: true }),
      'cancelShipBobOnMarketplaceCancel',
      'shipbob-pat-required',
    );
    const wrong = await patch({ shipbobPat: 'wrong-pat-123456' });
    expect(wrong.status).toBe(422);
    expectViolation(wrong, 'shipbobPat', 'credentials-rejected');
  });

  it('verifies the PAT, finds the writable channel, and saves toggles, buffer, e-mail and interval together', async () => {
    const res = await patch({
      shipbobPat: PAT,
      reportEmail: 'ops@acme.example',
      reportWhenEmpty: true,
      toggles: { offers: true, inventory: true, orders: true },
      inventoryBuffer: 5,
      pollIntervalMinutes: 5,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      shipbob: { pat: '••••4e62', channelName: 'SMA' },
      reportEmail: 'ops@acme.example',
      reportWhenEmpty: true,
      toggles: { offers: true, inventory: true, orders: true, tracking: false, returns: false },
      inventoryBuffer: 5,
      pollIntervalMinutes: 5,
      version: 2,
    });
    etag = res.headers.get('etag')!;
    await eventually(() => h.events.latestConfig(storeId)?.version === 2, 'config v2');
    const event = h.events.latestConfig(storeId)!;
    expect(event).toMatchObject({
      shipbobConfigured: true,
      shipbobChannelId: res.body.shipbob?.channelId,
      inventoryBuffer: 5,
      pollIntervalMinutes: 5,
      reportWhenEmpty: true,
      toggles: { offers: true, inventory: true, orders: true, returns: false },
    });
    expect(JSON.stringify(event)).not.toContain(PAT);
  });

  it('switches on canceling ShipBob orders on marketplace cancellations, under Sync Cancelations, and publishes it', async () => {
    expectViolation(
      await patch({ cancelShipBobOnMarketplaceCancel: 'yes' }),
      'cancelShipBobOnMarketplaceCancel',
      'invalid_type',
    );
    const on = await patch({
      toggles: { cancellations: true },
      cancelShipBobOnMarketplaceCancel: true,
    });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({
      toggles: { cancellations: true },
      cancelShipBobOnMarketplaceCancel: true,
    });
    etag = on.headers.get('etag')!;
    await eventually(
      () => h.events.latestConfig(storeId)?.version === on.body.version,
      'the configuration with the option',
    );
    expect(h.events.latestConfig(storeId)).toMatchObject({
      toggles: { cancellations: true },
      cancelShipBobOnMarketplaceCancel: true,
    });
    const kept = await patch({ inventoryBuffer: 6 });
    expect(kept.body.cancelShipBobOnMarketplaceCancel).toBe(true);
    etag = kept.headers.get('etag')!;
  });

  it('sets which incident reasons become ShipBob returns and the requested action, stores codes any document key could not hold, and publishes them', async () => {
    expectViolation(
      await patch({ returnReasons: { DAMAGED: 'maybe' } }),
      'returnReasons.DAMAGED',
      'invalid_value',
    );
    expectViolation(
      await patch({ returnRequestedAction: 'Recycle' }),
      'returnRequestedAction',
      'invalid_value',
    );
    const set = await patch({
      returnReasons: { DAMAGED: 'create', 'CHANGED.MIND': 'ignore', $LOST: 'ignore' },
      returnRequestedAction: 'Restock',
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      returnReasons: { DAMAGED: 'create', 'CHANGED.MIND': 'ignore', $LOST: 'ignore' },
      returnRequestedAction: 'Restock',
    });
    etag = set.headers.get('etag')!;
    await eventually(
      () => h.events.latestConfig(storeId)?.version === set.body.version,
      'the configuration with the return settings',
    );
    expect(h.events.latestConfig(storeId)).toMatchObject({
      returnReasons: { DAMAGED: 'create', 'CHANGED.MIND': 'ignore', $LOST: 'ignore' },
      returnRequestedAction: 'Restock',
    });
    const cleared = await patch({ returnReasons: {}, returnRequestedAction: 'Default' });
    expect(cleared.body).toMatchObject({ returnReasons: {}, returnRequestedAction: 'Default' });
    etag = cleared.headers.get('etag')!;
  });

  it('lists the ShipBob account’s real fulfillment centers', async () => {
    const res = await alice('GET', `/v1/stores/${storeId}/fulfillment-centers`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((c: { id: string }) => c.id)).toEqual(['1', '2']);
  });

  it('refuses Sync Returns until an admin approved returns and a return center is set', async () => {
    expectViolation(
      await patch({ toggles: { returns: true } }),
      'toggles.returns',
      'returns-approval-required',
    );
    expect(
      (await alice('PUT', `/v1/stores/${storeId}/returns-approval`, { body: { approved: true } }))
        .status,
    ).toBe(403);
    const approved = await admin('PUT', `/v1/stores/${storeId}/returns-approval`, {
      body: { approved: true },
    });
    expect(approved.status).toBe(200);
    expect(approved.body.returnsApproved).toBe(true);
    etag = approved.headers.get('etag')!;
    expectViolation(
      await patch({ toggles: { returns: true } }),
      'toggles.returns',
      'return-fulfillment-center-required',
    );
    expectViolation(
      await patch({ toggles: { returns: true }, returnFulfillmentCenterId: '999' }),
      'returnFulfillmentCenterId',
      'known-fulfillment-center',
    );
    const ok = await patch({ toggles: { returns: true }, returnFulfillmentCenterId: '2' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ returnFulfillmentCenterId: '2', toggles: { returns: true } });
    etag = ok.headers.get('etag')!;
    await eventually(() => h.events.latestConfig(storeId)?.toggles.returns === true, 'returns on');
    expect(h.events.latestConfig(storeId)).toMatchObject({
      returnsApproved: true,
      returnFulfillmentCenterId: '2',
    });
  });

  it('lets exactly one of several concurrent edits of the same version win', async () => {
    const answers = await Promise.all([7, 8, 9, 10, 11].map((n) => patch({ inventoryBuffer: n })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 412, 412, 412, 412]);
    const winner = answers.find((a) => a.status === 200)!;
    const current = await alice('GET', `/v1/stores/${storeId}`);
    expect(current.body.inventoryBuffer).toBe(winner.body.inventoryBuffer);
    expect(current.body.version).toBe(winner.body.version);
    etag = current.headers.get('etag')!;
  });

  it('maps Mirakl shipping types to ShipBob ship options: saved, returned, published, replaced as a whole', async () => {
    // Mirakl codes may hold characters a Mongo document key may not.
    const mapping = { STD: 'Standard', 'EXP.2D': '2-Day', $NEXT: 'Overnight' };
    const res = await patch({ shippingMethods: mapping, defaultShippingMethod: 'Expedited' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      shippingMethods: mapping,
      defaultShippingMethod: 'Expedited',
    });
    etag = res.headers.get('etag')!;
    expect(etag).toBe(`"${res.body.version}"`);
    const read = await alice('GET', `/v1/stores/${storeId}`);
    expect([read.headers.get('etag'), read.body.shippingMethods]).toEqual([etag, mapping]);
    await eventually(
      () => h.events.latestConfig(storeId)?.version === res.body.version,
      'the mapping on the topic',
    );
    expect(h.events.latestConfig(storeId)).toMatchObject({
      shippingMethods: mapping,
      defaultShippingMethod: 'Expedited',
    });

    // A mapping replaces the previous one: a shipping type left out is no longer mapped.
    const replaced = await patch({ shippingMethods: { STD: 'Ground' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      shippingMethods: { STD: 'Ground' },
      defaultShippingMethod: 'Expedited',
    });
    const stale = await patch({ shippingMethods: {} });
    expect([stale.status, stale.body.currentVersion]).toEqual([412, replaced.body.version]);
    etag = replaced.headers.get('etag')!;
    const kept = await alice('GET', `/v1/stores/${storeId}`);
    expect(kept.body.shippingMethods).toEqual({ STD: 'Ground' });
  });

  it('refuses a blank, padded, too long or too large ship option mapping, naming the field', async () => {
    const bad = await patch({ shippingMethods: { STD: '' } });
    expect(bad.status).toBe(422);
    expectViolation(bad, 'shippingMethods.STD', 'too_small');
    expectViolation(
      await patch({ shippingMethods: { ' STD': 'Standard' } }),
      'shippingMethods. STD',
      'plain-text',
    );
    expectViolation(
      await patch({ defaultShippingMethod: 'x'.repeat(101) }),
      'defaultShippingMethod',
      'too_big',
    );
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`T${i}`, 'Standard']));
    expectViolation(await patch({ shippingMethods: many }), 'shippingMethods', 'too_big');
    const current = await alice('GET', `/v1/stores/${storeId}`);
    expect([current.headers.get('etag'), current.body.shippingMethods]).toEqual([
      etag,
      { STD: 'Ground' },
    ]);
  });

  it('reads a store saved before ship options existed as unmapped, on Standard', async () => {
    const second = (await alice('GET', '/v1/stores')).body.items[1]!;
    await h.db
      .collection('stores')
      .updateOne(
        { _id: second.id as never },
        { $unset: { 'settings.shippingMethods': '', 'settings.defaultShippingMethod': '' } },
      );
    const read = await alice('GET', `/v1/stores/${second.id}`);
    expect(read.body).toMatchObject({ shippingMethods: {}, defaultShippingMethod: 'Standard' });
  });

  it('refuses removing the PAT while ShipBob toggles are on (validated as a whole)', async () => {
    expectViolation(await patch({ shipbobPat: null }), 'toggles.offers', 'shipbob-pat-required');
  });

  it('switches Sync Returns off when an admin revokes the approval', async () => {
    const revoked = await admin('PUT', `/v1/stores/${storeId}/returns-approval`, {
      body: { approved: false },
      headers: { 'if-match': etag },
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ returnsApproved: false, toggles: { returns: false } });
    const again = await admin('PUT', `/v1/stores/${storeId}/returns-approval`, {
      body: { approved: true },
    });
    expect(again.body).toMatchObject({ returnsApproved: true, toggles: { returns: false } });
    etag = again.headers.get('etag')!;
  });
});

describe('stock reconciliation on demand', () => {
  it('asks the mirakl-poller for a reconciliation (202 with the correlation id), 404 for another tenant', async () => {
    expect((await bob('POST', `/v1/stores/${storeId}/reconcile`)).status).toBe(404);
    const before = h.events.polls(storeId).length;
    const res = await alice('POST', `/v1/stores/${storeId}/reconcile`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ storeId, correlationId: expect.any(String) });
    await eventually(() => h.events.polls(storeId).length === before + 1, 'the request');
    const poll = h.events.polls(storeId).at(-1)!;
    expect(poll).toMatchObject({
      system: 'MIRAKL',
      stream: 'reconcile',
      reason: 'manual',
      since: null,
      configVersion: Number(etag.replaceAll('"', '')),
    });
    expect(poll.envelope.correlationId).toBe(res.body.correlationId);
  });

  it('answers 409 naming the field while Sync Inventory is off', async () => {
    const off = await patch({ toggles: { inventory: false } });
    expect(off.status).toBe(200);
    etag = off.headers.get('etag')!;
    const res = await alice('POST', `/v1/stores/${storeId}/reconcile`);
    expect(res.status).toBe(409);
    expect(res.body.type).toContain('inventory-off');
    expectViolation(res, 'toggles.inventory', 'enabled');
    const on = await patch({ toggles: { inventory: true } });
    expect(on.status).toBe(200);
    etag = on.headers.get('etag')!;
  });
});

describe('disconnect, reconnect, delete', () => {
  it('disconnects (config kept) and reconnects (sync resumes) with an event each time', async () => {
    const off = await alice('POST', `/v1/stores/${storeId}/disconnect`, {
      headers: { 'if-match': etag },
    });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({
      status: 'DISCONNECTED',
      toggles: { offers: true },
      shippingMethods: { STD: 'Ground' },
    });
    await eventually(
      () => h.events.latestConfig(storeId)?.status === 'DISCONNECTED',
      'disconnected event',
    );
    const reconcile = await alice('POST', `/v1/stores/${storeId}/reconcile`);
    expect(reconcile.status).toBe(409);
    expectViolation(reconcile, 'status', 'connected');
    const otherShop = await alice('POST', `/v1/stores/${storeId}/connect`, {
      body: { miraklApiKey: MIRAKL_KEY_B },
    });
    expect(otherShop.status).toBe(422);
    expectViolation(otherShop, 'miraklApiKey', 'credentials-rejected');
    const on = await alice('POST', `/v1/stores/${storeId}/connect`, {
      headers: { 'if-match': off.headers.get('etag')! },
    });
    expect(on.status).toBe(200);
    expect(on.body.status).toBe('CONNECTED');
    etag = on.headers.get('etag')!;
    await eventually(
      () =>
        h.events.latestConfig(storeId)?.status === 'CONNECTED' &&
        h.events.latestConfig(storeId)!.version === on.body.version,
      'reconnected event',
    );
    // Reconnecting asks for no first offers poll again (the one poll besides is a reconciliation).
    expect(h.events.polls(storeId).filter((p) => p.stream === 'offers')).toHaveLength(1);
  });

  it('deletes: secrets erased, record kept, DELETED published, the shop can be connected again', async () => {
    const res = await alice('DELETE', `/v1/stores/${storeId}`, { headers: { 'if-match': etag } });
    expect(res.status).toBe(204);
    expect((await alice('GET', `/v1/stores/${storeId}`)).status).toBe(404);
    const raw = await h.db.collection('stores').findOne({ _id: storeId as never });
    expect(raw).toMatchObject({ status: 'DELETED', miraklApiKey: null, shipbob: null });
    await eventually(() => h.events.latestConfig(storeId)?.status === 'DELETED', 'deleted event');
    expect(h.events.latestConfig(storeId)).toMatchObject({
      shipbobConfigured: false,
      toggles: { returns: false },
    });
    const again = await alice('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: MIRAKL_KEY },
    });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(storeId);
    const bobs = await bob('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: MIRAKL_KEY_B },
    });
    expect(bobs.status).toBe(201);
    await patchPat(bob, bobs.body.id, bobs.headers.get('etag')!);
  });
});

async function patchPat(who: ReturnType<typeof client>, id: string, tag: string) {
  const res = await who('PATCH', `/v1/stores/${id}`, {
    body: { shipbobPat: PAT },
    headers: { 'if-match': tag },
  });
  expect(res.status).toBe(200);
}

describe('secrets', () => {
  it('keeps no plaintext key or PAT in any Mongo document', async () => {
    const collections = await h.db.listCollections().toArray();
    const everything = [];
    for (const c of collections)
      everything.push(...(await h.db.collection(c.name).find({}).toArray()));
    const raw = JSON.stringify(everything);
    expect(raw).toContain('v1.k1.'); // sealed values are there
    for (const secret of [MIRAKL_KEY, MIRAKL_KEY_B, MIRAKL_KEY_C, PAT, ADMIN_TOKEN])
      expect(raw).not.toContain(secret);
  });

  it('never logs a key, PAT or token (every captured line of this suite)', () => {
    expect(lines.length).toBeGreaterThan(10);
    const all = lines.join('\n');
    for (const secret of [
      MIRAKL_KEY,
      MIRAKL_KEY_B,
      MIRAKL_KEY_C,
      PAT,
      ADMIN_TOKEN,
      ...issuedTokens,
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});
