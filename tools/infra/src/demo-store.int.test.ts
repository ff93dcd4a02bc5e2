import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { capturingLogger, infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import {
  ADMIN_TOKEN,
  client,
  configApiHarness,
  type Harness,
  type Instance,
} from '../../../services/config-api/src/test-support/harness.js';
import { ensureDemoStore } from './demo-store.js';
import { ensureDemoTenant } from './demo-tenant.js';

const { logger } = capturingLogger('warn');
const MIRAKL_KEY = 'demo-store-test-key-2001';
const PAT = 'demo-store-test-pat';
let h: Harness;
let instance: Instance;

beforeAll(async () => {
  h = await configApiHarness({
    infra: infra(),
    database: uniqueName('demo-store'),
    namespace: uniqueNamespace(),
    logger,
  });
  h.mirakl.control.addShop({ shopId: 2001, apiKey: MIRAKL_KEY, name: 'Demo shop' });
  h.shipbob.control.world.seedMerchant({ pats: [PAT] });
  instance = await h.start({ relay: false });
});

afterAll(async () => {
  await h?.close();
});

describe('the demo store of the local run', () => {
  it('is connected with Order Sync, Tracking, Sync Offers and Sync Inventory on, and the same store is reconnected on later starts', async () => {
    const tenant = await ensureDemoTenant({ apiUrl: instance.url, adminToken: ADMIN_TOKEN });
    const options = {
      apiUrl: instance.url,
      token: tenant.token,
      miraklUrl: h.mirakl.url,
      miraklApiKey: MIRAKL_KEY,
      shipbobPat: PAT,
      pollIntervalMinutes: 1,
      inventoryBuffer: 2,
    };
    const first = await ensureDemoStore(options);
    const api = client(instance.url, tenant.token);
    const stored = await api('GET', `/v1/stores/${first.storeId}`);
    expect(stored.body).toMatchObject({
      status: 'CONNECTED',
      miraklShopId: '2001',
      toggles: { orders: true, tracking: true, offers: true, inventory: true },
      inventoryBuffer: 2,
      pollIntervalMinutes: 1,
    });
    expect(stored.body.shipbob).not.toBeNull();
    expect(first.name).toBe('Demo shop');
    // The first polls are asked under the version that turned the flows on.
    expect(stored.headers.get('etag')).toBe(`"${first.configVersion}"`);

    // Disconnected meanwhile (e.g. in the UI): the next start connects the same store again.
    expect((await api('POST', `/v1/stores/${first.storeId}/disconnect`)).status).toBe(200);
    const again = await ensureDemoStore(options);
    expect(again).toMatchObject({ storeId: first.storeId, name: first.name });
    expect(again.configVersion).toBeGreaterThan(first.configVersion!);
    expect((await api('GET', `/v1/stores/${first.storeId}`)).body['status']).toBe('CONNECTED');
    expect((await api('GET', '/v1/stores')).body.items).toHaveLength(1);
  });
});
