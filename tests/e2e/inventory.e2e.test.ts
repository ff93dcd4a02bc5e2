import { randomBytes } from 'node:crypto';
import { freePort } from '@msync/infra';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createKafka, type Publisher, type SyncOutcomeRecorded } from '@msync/events';
import { startMiraklSimulator, type RunningMiraklSimulator } from '@msync/mirakl-sim';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { createLogger } from '@msync/platform';
import { eventually, infra, uniqueName, uniqueNamespace, withContext } from '@msync/test-support';
import { connectStore, createTenant, updateStore } from './support/config-api.js';
import {
  offerObserved,
  pollRequest,
  startBackbone,
  type TestBackbone,
} from './support/backbone.js';
import { startFlowServices } from './support/flow-services.js';
import type { ServiceProcess } from './support/services.js';

// Sync Inventory as a seller lives it: a store connected through config-api, the services running
// from their builds on real Kafka, registry and FerretDB, both simulators. ShipBob's stock, less
// the exception quantity and the store's buffer, reaches the store's Mirakl offers in one stock
// import per cycle; digital, inactive and non-marketplace SKUs are left alone.
//
// The store's offers reach the applier as `MiraklOfferObserved` facts, published here the way
// mirakl-poller's offers stream publishes them.

const ADMIN_TOKEN = `e2e-admin-${randomBytes(24).toString('hex')}`;
const ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;
const quiet = createLogger({ level: 'warn', write: () => undefined });
const API_KEY = `e2e-mirakl-key-${randomBytes(8).toString('hex')}`;
const PAT = `e2e-shipbob-pat-${randomBytes(8).toString('hex')}`;

/** Marketplace offers, and what ShipBob holds of each SKU. */
const STOCKED = 'SKU-STOCKED';
const DIGITAL = 'SKU-DIGITAL';
const INACTIVE = 'SKU-INACTIVE';
/** An offer the applier knows of that Mirakl no longer has: its line is refused. */
const GONE = 'SKU-GONE';
/** In ShipBob only: not an offer of the store. */
const NOT_OFFERED = 'SKU-SHIPBOB-ONLY';
const UNTOUCHED_QUANTITY = 99;

const env = infra();
const namespace = uniqueNamespace();
const database = uniqueName('inventory_e2e').replaceAll('-', '_');
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
const inventoryIds = new Map<string, number>();

const offers = () => new Map(mirakl.control.snapshot(shopId).offers.map((o) => [o.sku, o]));
const quantityOf = (sku: string) => offers().get(sku)?.quantity;
const stockImports = () =>
  mirakl.control.snapshot(shopId).imports.filter((i) => i.kind === 'stock' || i.kind === 'offer');
/** Calls that change offer quantities (OF24 is never used: it resets unsent fields). */
const stockCalls = () =>
  mirakl.control.exchanges().filter((e) => ['STO01', 'OF01', 'OF24'].includes(e.operation)).length;
/** Outcomes of the store's stock imports (its daily reconciliation's are not imports, ADR 0088). */
const inventoryOutcomes = (outcome: string) =>
  outcomes.filter(
    (o) =>
      o.envelope.storeId === storeId &&
      o.flow === 'inventory' &&
      o.effectKey.startsWith('inventory:') &&
      o.outcome === outcome,
  );
const applier = () => services.get('sync-applier')!;
const cycles = (result: string) =>
  applier().metric('sync_applier_inventory_cycles_total', { result });

/** A poll of the store's inventory, as the scheduler's job asks for it. */
async function requestInventoryPoll(): Promise<void> {
  await publisher.publish('pollRequested', pollRequest(storeId, 'SHIPBOB', 'inventory'));
}

/** Waits until the applier ended one more cycle with `result` than `before`. */
async function nextCycle(result: string, before: number, what: string): Promise<void> {
  await eventually(async () => (await cycles(result)) > before, what, 60_000);
}

function setStock(sku: string, onHand: number): void {
  shipbob.control.world.setStock(inventoryIds.get(sku)!, 1, onHand);
}

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

  mirakl = await startMiraklSimulator({ port: 0, host: '127.0.0.1', importDelayMs: 100 });
  shipbob = await startShipBobSimulator({ port: 0, host: '127.0.0.1' });
  shopId = mirakl.control.addShop({ apiKey: API_KEY, name: 'Shop Inventory' }).shopId;
  mirakl.control.upsertOffers(
    shopId,
    [STOCKED, DIGITAL, INACTIVE].map((sku) => ({ sku, quantity: UNTOUCHED_QUANTITY })),
  );
  const merchant = shipbob.control.world.seedMerchant({ pats: [PAT] });
  const seed = (sku: string, onHand: number, flags: { isDigital?: boolean; isActive?: boolean }) =>
    inventoryIds.set(
      sku,
      shipbob.control.world.seedProduct(merchant.id, { sku, stock: { 1: onHand }, ...flags })
        .variants[0]!.inventoryId,
    );
  seed(STOCKED, 20, {});
  seed(DIGITAL, 40, { isDigital: true });
  seed(INACTIVE, 40, { isActive: false });
  seed(GONE, 7, {});
  seed(NOT_OFFERED, 30, {});
  // Three units on orders no center could allocate.
  shipbob.control.world.inventoryItem(inventoryIds.get(STOCKED)!).exception = 3;

  // config-api asks the applier's ops port for the catalog view (ADR 0089): a port known ahead.
  const applierOps = await freePort();
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
      'config-api': {
        RELAY_INTERVAL_MS: '200',
        APPLIER_URL: `http://127.0.0.1:${applierOps}`,
      },
      scheduler: { SCHEDULER_PROCESS_EVERY_MS: '500' },
      // Every request reads the account: the test drives its own cycles.
      'shipbob-poller': { INVENTORY_SHARE_WINDOW_MS: '1' },
      // Mirakl's once-a-minute stock imports shortened so cycles follow each other in a test.
      'sync-applier': {
        RETRIER_INTERVAL_MS: '500',
        RETRIER_MAX_BACKOFF_MS: '2000',
        MIRAKL_IMPORT_POLL_INTERVAL_MS: '200',
        MIRAKL_STOCK_IMPORT_MIN_INTERVAL_MS: '1',
        // New offers' stock asked for at once, however recently asked before (ADR 0155).
        OFFERS_STOCK_QUIET_MS: '200',
        OFFERS_STOCK_MIN_INTERVAL_MS: '1000',
        OPS_PORT: String(applierOps),
      },
    },
  });
  for (const [name, s] of started) services.set(name, s);
  apiUrl = `http://127.0.0.1:${await services.get('config-api')!.announcedPort('http listening')}`;
  tenantToken = (await createTenant(apiUrl, ADMIN_TOKEN, 'E2E inventory')).token;
});

afterAll(async () => {
  for (const s of services.values()) await s.stop();
  await mirakl?.close();
  await shipbob?.close();
  await backbone?.close();
});

describe('the inventory flow across the services', () => {
  it('pushes stock less exception and buffer to the offers, once per cycle, and nothing while the flow is off', async () => {
    storeId = await connectStore(apiUrl, tenantToken, {
      miraklUrl: mirakl.url,
      miraklApiKey: API_KEY,
      shipbobPat: PAT,
      toggles: { inventory: false },
      pollIntervalMinutes: 1,
      settings: { inventoryBuffer: 2 },
    });
    // The store's offers, as mirakl-poller reports them.
    await publisher.publish(
      'offerObserved',
      [STOCKED, DIGITAL, INACTIVE, GONE].map((shopSku, i) =>
        offerObserved(storeId, {
          shopSku,
          offerId: String(1000 + i),
          quantity: UNTOUCHED_QUANTITY,
        }),
      ),
    );

    // Switching the flow on: the first cycle pushes every offer SKU in one import.
    await updateStore(apiUrl, tenantToken, storeId, { toggles: { inventory: true } });
    await eventually(
      () => inventoryOutcomes('APPLIED').length === 1,
      'the first import APPLIED',
      60_000,
    );
    expect(quantityOf(STOCKED)).toBe(20 - 3 - 2);
    for (const sku of [DIGITAL, INACTIVE])
      withContext(sku, () => expect(quantityOf(sku)).toBe(UNTOUCHED_QUANTITY));
    expect(stockImports()).toHaveLength(1);
    expect(stockImports()[0]).toMatchObject({ kind: 'stock', lines: 2, linesInError: 1 });
    const history = mirakl.control.snapshot(shopId).stockHistory.map((h) => h.sku);
    expect(history).toEqual([STOCKED]);
    // The refused line is an outcome of its own, naming the SKU.
    await eventually(() => inventoryOutcomes('FAILED').length === 1, 'the refused SKU FAILED');
    expect(inventoryOutcomes('FAILED')[0]).toMatchObject({
      subjectId: GONE,
      reason: 'stock-rejected',
    });
    // The seller sees both lines in the store's catalog, through config-api (ADR 0089).
    const catalog = await fetch(`${apiUrl}/v1/stores/${storeId}/catalog/skus`, {
      headers: { authorization: `Bearer ${tenantToken}` },
    });
    expect(catalog.status).toBe(200);
    const rows = ((await catalog.json()) as { items: { sku: string }[] }).items;
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          sku: STOCKED,
          fulfillable: 20,
          exception: 3,
          buffer: 2,
          quantity: 15,
          pushed: expect.objectContaining({ quantity: 15, result: 'APPLIED' }),
        }),
        expect.objectContaining({
          sku: GONE,
          pushed: expect.objectContaining({ result: 'FAILED', reason: 'stock-rejected' }),
        }),
      ]),
    );

    // A cycle where nothing changed: no import.
    const unchanged = await cycles('unchanged');
    await requestInventoryPoll();
    await nextCycle('unchanged', unchanged, 'a cycle without changes');
    expect(stockImports()).toHaveLength(1);

    // Stock moves for an offer, a digital SKU and a SKU that is no offer: one import, one line.
    setStock(STOCKED, 30);
    setStock(DIGITAL, 10);
    setStock(NOT_OFFERED, 5);
    const imported = await cycles('imported');
    await requestInventoryPoll();
    await nextCycle('imported', imported, 'the import of the changed SKU');
    expect(quantityOf(STOCKED)).toBe(30 - 3 - 2);
    expect(quantityOf(DIGITAL)).toBe(UNTOUCHED_QUANTITY);
    expect(stockImports()).toHaveLength(2);
    expect(stockImports()[1]).toMatchObject({ lines: 1, linesInError: 0 });

    // The flow off: the cycle is SKIPPED and Mirakl is not called.
    await updateStore(apiUrl, tenantToken, storeId, { toggles: { inventory: false } });
    setStock(STOCKED, 50);
    const skipped = inventoryOutcomes('SKIPPED').length;
    const callsBefore = stockCalls();
    await requestInventoryPoll();
    await eventually(
      () => inventoryOutcomes('SKIPPED').length > skipped,
      'the cycle SKIPPED with the flow off',
      60_000,
    );
    expect(inventoryOutcomes('SKIPPED').at(-1)).toMatchObject({ reason: 'flow-disabled' });
    expect(quantityOf(STOCKED)).toBe(30 - 3 - 2);
    expect(stockImports()).toHaveLength(2);
    expect(stockCalls()).toBe(callsBefore);

    // On again with a new buffer: every SKU is computed again and pushed in one import.
    await updateStore(apiUrl, tenantToken, storeId, {
      toggles: { inventory: true },
      inventoryBuffer: 5,
    });
    await eventually(
      () => quantityOf(STOCKED) === 50 - 3 - 5,
      'the quantity with the new buffer',
      60_000,
    );
    expect(stockImports()).toHaveLength(3);
    expect(stockImports()[2]).toMatchObject({ lines: 2 });

    // Without Sync Offers, the scheduler's daily `reconcile` poll compares Mirakl's quantities
    // (ADR 0088); its first run comes as the flow is switched on.
    await eventually(
      () =>
        outcomes.some(
          (o) => o.envelope.storeId === storeId && o.effectKey.startsWith('reconcile:'),
        ),
      'the daily stock reconciliation',
      30_000,
    );
  });

  it('pushes a new offer’s stock once its offer is written, the applier asking for the cycle to end (ADR 0155)', async () => {
    // A SKU ShipBob held all along becomes an offer of the store.
    mirakl.control.upsertOffers(shopId, [{ sku: NOT_OFFERED, quantity: UNTOUCHED_QUANTITY }]);
    const poller = services.get('shipbob-poller')!;
    const asked = () =>
      poller.metric('poll_requests_total', { stream: 'inventory:offers-changed' });
    const before = await asked();
    await publisher.publish('offerObserved', [
      offerObserved(storeId, {
        shopSku: NOT_OFFERED,
        offerId: '2000',
        quantity: UNTOUCHED_QUANTITY,
      }),
    ]);
    // On hand 5, no exception, buffer 5.
    await eventually(() => quantityOf(NOT_OFFERED) === 0, 'the new offer’s stock pushed', 60_000);
    await eventually(async () => (await asked()) > before, 'the applier’s request served');
    expect(await applier().metric('sync_applier_offers_stock_requests_total')).toBeGreaterThan(0);
  });
});
