import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  capturingLogger,
  eventually,
  infra,
  uniqueName,
  uniqueNamespace,
} from '@msync/test-support';
import {
  ADMIN_TOKEN,
  client,
  configApiHarness,
  tenantClient,
  type Harness,
} from './test-support/harness.js';
import { startReporterProcess, type ReporterProcess } from './test-support/service-process.js';

// config-api's report operations (ADR 0072) against the real reporter, started from its build on
// the same topics: the tenant check here, the preview, the test send through SMTP (Mailpit) and
// the history there; the reporter's refusals become config-api problems.

const MIRAKL_KEY = 'reports-mirakl-key-5c4b3a29';
const MIRAKL_KEY_B = 'reports-mirakl-key-b-7d6e5f40';
const { logger } = capturingLogger('warn');
let h: Harness;
let reporter: ReporterProcess;
let alice: ReturnType<typeof client>;
let bob: ReturnType<typeof client>;
let storeId = '';
let quietStoreId = '';
const address = `${uniqueName('seller')}@reports.example`;

beforeAll(async () => {
  const env = infra();
  const database = uniqueName('config-api-reports');
  h = await configApiHarness({ infra: env, database, namespace: uniqueNamespace(), logger });
  h.mirakl.control.addShop({ shopId: 4101, apiKey: MIRAKL_KEY, name: 'Acme Outlet' });
  h.mirakl.control.addShop({ shopId: 4102, apiKey: MIRAKL_KEY_B, name: 'Quiet Shop' });
  reporter = await startReporterProcess({
    path: process.env['PATH'] ?? '',
    infra: env,
    namespace: h.namespace,
    database,
  });
  const instance = await h.start({ reporterUrl: reporter.url });
  const admin = client(instance.url, ADMIN_TOKEN);
  alice = await tenantClient(admin, instance.url, 'Alice Co');
  bob = await tenantClient(admin, instance.url, 'Bob Co');

  const store = await alice('POST', '/v1/stores', {
    body: { miraklUrl: h.mirakl.url, miraklApiKey: MIRAKL_KEY },
  });
  storeId = store.body.id;
  const configured = await alice('PATCH', `/v1/stores/${storeId}`, {
    body: { reportEmail: address },
    headers: { 'if-match': store.headers.get('etag') ?? '' },
  });
  expect(configured.status).toBe(200);
  quietStoreId = (
    await alice('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: MIRAKL_KEY_B },
    })
  ).body.id;
}, 180_000);

afterAll(async () => {
  await reporter?.close();
  await h?.close();
});

describe('report operations through the reporter', () => {
  it('previews the e-mail the reporter would send now, once it read the store', async () => {
    let preview = await alice('GET', `/v1/stores/${storeId}/report/preview`);
    await eventually(async () => {
      preview = await alice('GET', `/v1/stores/${storeId}/report/preview`);
      return preview.status === 200 && preview.body['to'] === address;
    }, 'the reporter to read the store with its address');
    expect(preview.body).toMatchObject({
      to: address,
      returnCount: 0,
      timeZone: 'America/New_York',
      subject: expect.stringContaining('Acme Outlet'),
      html: expect.stringContaining('<'),
      text: expect.any(String),
      reportDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
  });

  it('sends a test report to the store address, then refuses another for a while (429)', async () => {
    const sent = await alice('POST', `/v1/stores/${storeId}/report/test`);
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ to: address, subject: expect.stringMatching(/^\[Test\] /) });
    const again = await alice('POST', `/v1/stores/${storeId}/report/test`);
    expect(again.status).toBe(429);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);

    const mailpitUrl = infra().MAILPIT_URL;
    if (!mailpitUrl) throw new Error('MAILPIT_URL is not set: this test reads Mailpit');
    const query = encodeURIComponent(`to:"${address}"`);
    await eventually(async () => {
      const found = (await fetch(`${mailpitUrl}/api/v1/search?query=${query}`).then((r) =>
        r.json(),
      )) as { messages: { Subject: string }[] };
      return found.messages.length === 1 && found.messages[0]!.Subject.startsWith('[Test] ');
    }, 'the one test e-mail in Mailpit');
  });

  it('lists the report history (a test is not a daily report)', async () => {
    const history = await alice('GET', `/v1/stores/${storeId}/reports?limit=5`);
    expect(history.status).toBe(200);
    expect(history.body.items).toEqual([]);
    const bad = await alice('GET', `/v1/stores/${storeId}/reports?limit=0`);
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'limit' })]);
  });

  it('answers 409 naming reportEmail for a store without an address', async () => {
    await eventually(
      async () => (await alice('GET', `/v1/stores/${quietStoreId}/report/preview`)).status === 200,
      'the reporter to read the second store',
    );
    const refused = await alice('POST', `/v1/stores/${quietStoreId}/report/test`);
    expect(refused.status).toBe(409);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'reportEmail' })]);
  });

  it("hides another tenant's store (404) without asking the reporter", async () => {
    for (const [method, path] of [
      ['GET', `/v1/stores/${storeId}/report/preview`],
      ['POST', `/v1/stores/${storeId}/report/test`],
      ['GET', `/v1/stores/${storeId}/reports`],
    ] as const)
      expect((await bob(method, path)).status).toBe(404);
  });

  it('answers 503 when the reporter cannot be reached', async () => {
    await reporter.stop();
    const down = await alice('GET', `/v1/stores/${storeId}/report/preview`);
    expect(down.status).toBe(503);
    expect(down.body['type']).toBe('https://msync.dev/problems/reporter-unavailable');
  });
});
