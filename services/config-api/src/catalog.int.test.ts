import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { envelope, type EventOf } from '@msync/events';
import {
  capturingLogger,
  eventually,
  infra,
  uniqueName,
  uniqueNamespace,
} from '@msync/test-support';
import {
  ADMIN_TOKEN,
  KEY_A,
  client,
  configApiHarness,
  tenantClient,
  type Harness,
  type Instance,
} from './test-support/harness.js';
import { startApplierProcess, type ServiceProcess } from './test-support/service-process.js';

// config-api's catalog view (ADR 0089) against the real sync-applier, started from its build on
// the same topics and database: the tenant check and the query rules here, the data there.

const MIRAKL_KEY = 'catalog-mirakl-key-4e3d2c1b';
const { logger } = capturingLogger('warn');
let h: Harness;
let applier: ServiceProcess;
let instance: Instance;
let alice: ReturnType<typeof client>;
let bob: ReturnType<typeof client>;
let storeId = '';

const facts = (id: string) => {
  const common = (key: string) =>
    envelope({ storeId: id, idempotencyKey: key, source: 'test', occurredAt: Date.now() });
  const offer: EventOf<'offerObserved'> = {
    envelope: common(`mirakl:${id}:offer:SKU-MUG:1`),
    offerId: '3001',
    shopSku: 'SKU-MUG',
    productSku: null,
    productTitle: null,
    quantity: 0,
    active: true,
    deleted: false,
    lastUpdated: Date.now(),
    more: [],
  };
  const level: EventOf<'inventoryObserved'> = {
    envelope: common(`shipbob:${id}:inventory:c1:SKU-MUG`),
    sku: 'SKU-MUG',
    inventoryId: 'inv-mug',
    fulfillable: 5,
    onHand: 6,
    committed: 1,
    exception: 1,
    active: true,
    digital: false,
    cycleId: 'c1',
    endOfCycle: true,
    fullCycle: true,
    nothingChanged: false,
    more: [],
  };
  return { offer, level };
};

beforeAll(async () => {
  const env = infra();
  const database = uniqueName('config-api-catalog');
  h = await configApiHarness({ infra: env, database, namespace: uniqueNamespace(), logger });
  h.mirakl.control.addShop({ shopId: 4201, apiKey: MIRAKL_KEY, name: 'Catalog Shop' });
  applier = await startApplierProcess({
    path: process.env['PATH'] ?? '',
    infra: env,
    namespace: h.namespace,
    database,
    encryptionKeys: `k1:${KEY_A}`,
  });
  instance = await h.start({ applierUrl: applier.url });
  const admin = client(instance.url, ADMIN_TOKEN);
  alice = await tenantClient(admin, instance.url, 'Alice Co');
  bob = await tenantClient(admin, instance.url, 'Bob Co');
  storeId = (
    await alice('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: MIRAKL_KEY },
    })
  ).body.id;
  const { offer, level } = facts(storeId);
  await h.publisher.publish('offerObserved', offer);
  await h.publisher.publish('inventoryObserved', level);
}, 180_000);

afterAll(async () => {
  await applier?.close();
  await h?.close();
});

describe('the catalog view through the applier', () => {
  it("shows each flow's last cycle once the applier handled the facts", async () => {
    let cycles = await alice('GET', `/v1/stores/${storeId}/catalog`);
    await eventually(async () => {
      cycles = await alice('GET', `/v1/stores/${storeId}/catalog`);
      // The offers outcome reaches the view at the applier's next commit (ADR 0097).
      return (
        cycles.status === 200 && cycles.body['inventory'] !== null && cycles.body['offers'] !== null
      );
    }, 'the applier to end the inventory cycle and record the offer');
    // Flows are off on a new store: both cycles are there, nothing acted on.
    expect(cycles.body).toMatchObject({
      offers: { skus: 1, created: 0, skipped: 1, errors: 0 },
      inventory: { cycleId: 'c1', result: 'skipped', skus: 0, errors: 0 },
    });
  });

  it('lists the SKU table, searchable', async () => {
    const page = await alice('GET', `/v1/stores/${storeId}/catalog/skus?q=mug&limit=10`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 1, nextAfter: null });
    expect(page.body.items).toEqual([
      expect.objectContaining({
        sku: 'SKU-MUG',
        offer: true,
        shipbobProductId: null,
        offerResult: expect.objectContaining({ outcome: 'SKIPPED' }),
        fulfillable: 5,
        exception: 1,
        buffer: 0,
        quantity: 4,
        pushed: null,
      }),
    ]);
    const none = await alice('GET', `/v1/stores/${storeId}/catalog/skus?q=bowl`);
    expect(none.body).toMatchObject({ items: [], total: 0 });
  });

  it('refuses bad query parameters naming each', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      [`q=${'x'.repeat(101)}`, 'q'],
      ['after=', 'after'],
      ['sort=sku', 'sort'],
    ] as const) {
      const bad = await alice('GET', `/v1/stores/${storeId}/catalog/skus?${query}`);
      expect(bad.status).toBe(422);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
      expect(bad.body.errors).toEqual([expect.objectContaining({ field })]);
    }
  });

  it("hides another tenant's store (404)", async () => {
    expect((await bob('GET', `/v1/stores/${storeId}/catalog`)).status).toBe(404);
    expect((await bob('GET', `/v1/stores/${storeId}/catalog/skus`)).status).toBe(404);
  });

  it('answers 503 without APPLIER_URL, naming it', async () => {
    const bare = await h.start({ relay: false });
    const admin = client(bare.url, ADMIN_TOKEN);
    const answer = await admin('GET', `/v1/stores/${storeId}/catalog`);
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({
      type: 'https://msync.dev/problems/catalog-unavailable',
      detail: expect.stringContaining('APPLIER_URL'),
    });
  });

  it('answers 503 when the applier cannot be reached', async () => {
    await applier.stop();
    const down = await alice('GET', `/v1/stores/${storeId}/catalog/skus`);
    expect(down.status).toBe(503);
    expect(down.body['type']).toBe('https://msync.dev/problems/catalog-unavailable');
  });
});
