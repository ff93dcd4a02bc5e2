import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createKafka, type Publisher, type SyncOutcomeRecorded } from '@msync/events';
import { startMiraklSimulator, type RunningMiraklSimulator } from '@msync/mirakl-sim';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { createLogger } from '@msync/platform';
import { eventually, infra, uniqueName, uniqueNamespace, withContext } from '@msync/test-support';
import { callConfigApi, connectStore, createTenant } from './support/config-api.js';
import { pollRequest, startBackbone, type TestBackbone } from './support/backbone.js';
import { startFlowServices } from './support/flow-services.js';
import type { ServiceProcess } from './support/services.js';

// Stock reconciliation as an operator lives it (ADR 0088): a store whose offers and stock the
// services keep in sync; someone changes an offer's quantity in Mirakl behind the product's back;
// `POST /v1/stores/{id}/reconcile` reads Mirakl's quantities (a full OF52 export), the activity
// names the drifted SKU, the metric counts it, and the next stock import sets it right again.

const ADMIN_TOKEN = `e2e-admin-${randomBytes(24).toString('hex')}`;
const ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;
const quiet = createLogger({ level: 'warn', write: () => undefined });
const API_KEY = `e2e-mirakl-key-${randomBytes(8).toString('hex')}`;
const PAT = `e2e-shipbob-pat-${randomBytes(8).toString('hex')}`;

const MUG = 'SKU-MUG';
const BOWL = 'SKU-BOWL';
const BUFFER = 2;

const env = infra();
const namespace = uniqueNamespace();
const database = uniqueName('reconcile_e2e').replaceAll('-', '_');
const kafka = createKafka({
  brokers: env.KAFKA_BROKERS.split(','),
  clientId: 'e2e',
  logger: quiet,
});
let backbone: TestBackbone | undefined;
let publisher: Publisher;
let outcomes: SyncOutcomeRecorded[] = [];
let mirakl: RunningMiraklSimulator;
let shipbob: RunningShipBobSimulator;
const services = new Map<string, ServiceProcess>();
let apiUrl = '';
let tenantToken = '';
let shopId = 0;
let storeId = '';

const quantityOf = (sku: string) =>
  mirakl.control.snapshot(shopId).offers.find((o) => o.sku === sku)?.quantity;
const stockImports = () =>
  mirakl.control.snapshot(shopId).imports.filter((i) => i.kind === 'stock' || i.kind === 'offer');
const ofStore = (o: SyncOutcomeRecorded) => o.envelope.storeId === storeId;
const reconciliations = () =>
  outcomes.filter(
    (o) => ofStore(o) && o.flow === 'inventory' && o.effectKey.startsWith('reconcile:'),
  );
const applier = () => services.get('sync-applier')!;

beforeAll(async () => {
  backbone = await startBackbone({
    kafka,
    logger: quiet,
    namespace,
    registryUrl: env.SCHEMA_REGISTRY_URL,
    mongoUrl: env.MONGO_URL,
    database,
  });
  publisher = backbone.publisher;
  outcomes = backbone.outcomes;

  mirakl = await startMiraklSimulator({
    port: 0,
    host: '127.0.0.1',
    importDelayMs: 100,
    exportDelayMs: 100,
  });
  shipbob = await startShipBobSimulator({ port: 0, host: '127.0.0.1' });
  shopId = mirakl.control.addShop({ apiKey: API_KEY, name: 'Shop Reconcile' }).shopId;
  mirakl.control.upsertOffers(shopId, [
    { sku: MUG, quantity: 0 },
    { sku: BOWL, quantity: 0 },
  ]);
  const merchant = shipbob.control.world.seedMerchant({ pats: [PAT] });
  shipbob.control.world.seedProduct(merchant.id, { sku: MUG, stock: { 1: 20 } });
  shipbob.control.world.seedProduct(merchant.id, { sku: BOWL, stock: { 1: 10 } });

  const started = await startFlowServices({
    path: process.env['PATH'] ?? '',
    infra: env,
    namespace,
    database,
    encryptionKeys: ENCRYPTION_KEYS,
    adminToken: ADMIN_TOKEN,
    miraklUrl: mirakl.url,
    shipbobUrl: shipbob.url,
    tuning: {
      'config-api': { RELAY_INTERVAL_MS: '200' },
      scheduler: { SCHEDULER_PROCESS_EVERY_MS: '500' },
      // Exports a second apart instead of a minute: the reconciliation follows the first pass.
      'mirakl-poller': { OF52_MIN_INTERVAL_MS: '1000', OF53_POLL_INTERVAL_MS: '200' },
      'shipbob-poller': { INVENTORY_SHARE_WINDOW_MS: '1' },
      'sync-applier': {
        RETRIER_INTERVAL_MS: '500',
        RETRIER_MAX_BACKOFF_MS: '2000',
        MIRAKL_IMPORT_POLL_INTERVAL_MS: '200',
        MIRAKL_STOCK_IMPORT_MIN_INTERVAL_MS: '1',
      },
    },
  });
  for (const [name, s] of started) services.set(name, s);
  apiUrl = `http://127.0.0.1:${await services.get('config-api')!.announcedPort('http listening')}`;
  tenantToken = (await createTenant(apiUrl, ADMIN_TOKEN, 'E2E reconcile')).token;
});

afterAll(async () => {
  for (const s of services.values()) await s.stop();
  await mirakl?.close();
  await shipbob?.close();
  await backbone?.close();
});

describe('stock reconciliation across the services', () => {
  it('finds a quantity changed in Mirakl behind the product’s back, reports and counts it, and the next import fixes it', async () => {
    storeId = await connectStore(apiUrl, tenantToken, {
      miraklUrl: mirakl.url,
      miraklApiKey: API_KEY,
      shipbobPat: PAT,
      toggles: { offers: true, inventory: true },
      pollIntervalMinutes: 1,
      settings: { inventoryBuffer: BUFFER },
    });
    // The services bring the offers in (offers stream) and push their stock (inventory stream).
    await eventually(
      () => quantityOf(MUG) === 20 - BUFFER && quantityOf(BOWL) === 10 - BUFFER,
      'the first stock import',
      90_000,
    );
    const importsBefore = stockImports().length;

    // Someone sets the mug's quantity in Mirakl's back office.
    mirakl.control.upsertOffers(shopId, [{ sku: MUG, quantity: 3 }]);
    // Mirakl shows the quantities as the import completes; the applier records them as pushed
    // once it has read that status, and SKUs not recorded yet are pending, not compared. A
    // reconciliation that came first compares nothing: ask again until both SKUs are compared.
    let correlationId = '';
    const ours = () => reconciliations().filter((o) => o.envelope.correlationId === correlationId);
    for (let attempt = 1; ; attempt++) {
      const requested = await callConfigApi(apiUrl, 'POST', `/v1/stores/${storeId}/reconcile`, {
        token: tenantToken,
      });
      expect(requested.status).toBe(202);
      correlationId = String(requested.body['correlationId']);
      await eventually(() => ours().length === 1, 'the reconciliation in the activity', 60_000);
      if (ours()[0]!.externalIds['compared'] !== '0' || attempt === 10) break;
    }
    expect(ours()[0]).toMatchObject({
      outcome: 'APPLIED',
      reason: 'drift',
      externalIds: { compared: '2', drifted: '1', persistent: '0' },
    });
    expect(ours()[0]!.detail).toContain(`${MUG} (Mirakl 3, computed ${20 - BUFFER})`);
    // Counted once the outcomes are out.
    await eventually(
      async () =>
        (await applier().metric('sync_applier_inventory_drift_skus_total', { kind: 'drift' })) ===
        1,
      'the drifted SKU counted',
      30_000,
    );
    // The store's activity in config-api shows it.
    await eventually(
      async () => {
        const activity = await callConfigApi(
          apiUrl,
          'GET',
          `/v1/stores/${storeId}/activity?flow=inventory`,
          { token: tenantToken },
        );
        return JSON.stringify(activity.body).includes(`${MUG} (Mirakl 3`);
      },
      'the drift in the store activity',
      30_000,
    );

    // The next inventory cycle (nothing changed in ShipBob) sends the drifted SKU again, alone.
    await publisher.publish('pollRequested', pollRequest(storeId, 'SHIPBOB', 'inventory'));
    await eventually(() => quantityOf(MUG) === 20 - BUFFER, 'the mug set right', 60_000);
    const fix = stockImports().slice(importsBefore);
    withContext(JSON.stringify(fix), () => expect(fix.at(-1)).toMatchObject({ lines: 1 }));
    expect(quantityOf(BOWL)).toBe(10 - BUFFER);
  });

  it('forgets the store’s drift gauge once the store is deleted', async () => {
    const drifting = () =>
      applier().metric('sync_applier_inventory_drifting_skus', { store: storeId });
    expect(await drifting()).toBe(1);
    const store = await callConfigApi(apiUrl, 'GET', `/v1/stores/${storeId}`, {
      token: tenantToken,
    });
    const deleted = await callConfigApi(apiUrl, 'DELETE', `/v1/stores/${storeId}`, {
      token: tenantToken,
      ifMatch: store.etag ?? '',
    });
    expect(deleted.status).toBe(204);
    await eventually(async () => (await drifting()) === 0, 'the gauge of the deleted store gone');
  });
});
