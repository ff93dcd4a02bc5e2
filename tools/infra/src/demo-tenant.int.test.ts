import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { capturingLogger, infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import {
  ADMIN_TOKEN,
  client,
  configApiHarness,
  type Harness,
  type Instance,
} from '../../../services/config-api/src/test-support/harness.js';
import { DEMO_TENANT_NAME, ensureDemoTenant } from './demo-tenant.js';

const { logger } = capturingLogger('warn');
let h: Harness;
let instance: Instance;

beforeAll(async () => {
  h = await configApiHarness({
    infra: infra(),
    database: uniqueName('demo-tenant'),
    namespace: uniqueNamespace(),
    logger,
  });
  instance = await h.start({ relay: false });
});

afterAll(async () => {
  await h?.close();
});

const tenantsNamed = async (name: string) =>
  (await client(instance.url, ADMIN_TOKEN)('GET', '/v1/tenants')).body.items.filter(
    (t) => t['name'] === name,
  );

describe('the demo tenant of the local run', () => {
  it('is created once and its saved token reused on every later start', async () => {
    const first = await ensureDemoTenant({ apiUrl: instance.url, adminToken: ADMIN_TOKEN });
    expect(first.tenantName).toBe(DEMO_TENANT_NAME);
    const me = await client(instance.url, first.token)('GET', '/v1/whoami');
    expect(me.body).toEqual({
      role: 'tenant',
      tenantId: first.tenantId,
      tenantName: DEMO_TENANT_NAME,
    });

    const again = await ensureDemoTenant({
      apiUrl: instance.url,
      adminToken: ADMIN_TOKEN,
      savedToken: first.token,
    });
    expect(again).toEqual(first);
    expect(await tenantsNamed(DEMO_TENANT_NAME)).toHaveLength(1);
    const tokens = await client(instance.url, ADMIN_TOKEN)(
      'GET',
      `/v1/tokens?tenantId=${first.tenantId}`,
    );
    expect(tokens.body.items).toHaveLength(1);
  });

  it('issues a new token for the same tenant when the saved one no longer works', async () => {
    const [tenant] = await tenantsNamed(DEMO_TENANT_NAME);
    const next = await ensureDemoTenant({
      apiUrl: instance.url,
      adminToken: ADMIN_TOKEN,
      savedToken: 'msync_revoked-or-from-a-wiped-database-000000',
    });
    expect(next.tenantId).toBe(tenant!.id);
    expect((await client(instance.url, next.token)('GET', '/v1/whoami')).status).toBe(200);
    expect(await tenantsNamed(DEMO_TENANT_NAME)).toHaveLength(1);
  });
});
