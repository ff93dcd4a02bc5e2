import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createKafka, envelope, subjectsOfOutcome, type SyncOutcomeRecorded } from '@msync/events';
import { outcomesPerSubject } from '@msync/events/test-support';
import { startMiraklSimulator, type RunningMiraklSimulator } from '@msync/mirakl-sim';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { createLogger } from '@msync/platform';
import { eventually, infra, uniqueName, uniqueNamespace, withContext } from '@msync/test-support';
import { pollRequest, startBackbone, type TestBackbone } from './support/backbone.js';
import { callConfigApi, connectStore as connect, createTenant } from './support/config-api.js';
import { startFlowService, startFlowServices, type FlowSystem } from './support/flow-services.js';
import type { ServiceProcess } from './support/services.js';

// Sync Offers as a seller lives it: a store's Mirakl catalog becomes ShipBob products through
// config-api, the scheduler, mirakl-poller's OF52 exports and the applier, on real Kafka, registry
// and FerretDB with both simulators. A SKU ShipBob already has (as a SKU, or mapped by another
// sales channel) is reused; a second cycle creates only what is new; a store with the flow off
// gets nothing; a mirakl-poller stopped while Mirakl prepares an export leaves the catalog to the
// next one.

const ADMIN_TOKEN = `e2e-admin-${randomBytes(24).toString('hex')}`;
const ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;
const quiet = createLogger({ level: 'warn', write: () => undefined });
const NEW_SKUS = ['OF-1', 'OF-2', 'OF-3', 'OF-4', 'OF-5'];

interface Shop {
  name: string;
  shopId: number;
  apiKey: string;
  pat: string;
  merchantId: number;
  storeId: string;
}

const env = infra();
const namespace = uniqueNamespace();
const database = uniqueName('offers_e2e').replaceAll('-', '_');
const kafka = createKafka({
  brokers: env.KAFKA_BROKERS.split(','),
  clientId: 'e2e',
  logger: quiet,
});
let backbone: TestBackbone;
let outcomes: SyncOutcomeRecorded[] = [];
let mirakl: RunningMiraklSimulator;
let shipbob: RunningShipBobSimulator;
const services = new Map<string, ServiceProcess>();
let system: FlowSystem;
let apiUrl = '';
let tenantToken = '';

const newShop = (name: string): Shop => ({
  name,
  shopId: 0,
  apiKey: `e2e-mirakl-key-${name}-${randomBytes(8).toString('hex')}`,
  pat: `e2e-shipbob-pat-${name}-${randomBytes(8).toString('hex')}`,
  merchantId: 0,
  storeId: '',
});
const shopA = newShop('A');
const shopB = newShop('B');
const shopC = newShop('C');

const api = (method: string, path: string) =>
  callConfigApi(apiUrl, method, path, { token: tenantToken });

async function connectStore(shop: Shop, offers: boolean): Promise<void> {
  shop.storeId = await connect(apiUrl, tenantToken, {
    miraklUrl: mirakl.url,
    miraklApiKey: shop.apiKey,
    shipbobPat: shop.pat,
    toggles: { offers, orders: false, tracking: false },
    pollIntervalMinutes: 60,
  });
}

/** Asks for a pass over a store's offers now, as the scheduler's job does at its interval. */
const requestOffersPoll = (shop: Shop) =>
  backbone.publisher.publish('pollRequested', pollRequest(shop.storeId, 'MIRAKL', 'offers'));

/** The shop's offers outcomes, one per offer (an outcome of many offers, ADR 0161, once each). */
const outcomesOf = (shop: Shop, outcome?: string) =>
  outcomesPerSubject(
    outcomes.filter(
      (o) =>
        o.envelope.storeId === shop.storeId &&
        o.flow === 'offers' &&
        (outcome === undefined || o.outcome === outcome),
    ),
  );
/** The ShipBob product an offer's outcome names, whether it stands for that offer alone or many. */
const productNamed = (o: SyncOutcomeRecorded) =>
  o.externalIds[o.subjectId] ?? o.externalIds['shipbobProductId'];
const subjects = (shop: Shop, outcome: string) =>
  outcomesOf(shop, outcome)
    .map((o) => o.subjectId)
    .sort();
const productsOf = (shop: Shop) =>
  shipbob.control.world.products.filter((p) => p.merchantId === shop.merchantId);
/** Products of the merchant that carry `sku` as a variant SKU or a channel's seller SKU. */
const carrying = (shop: Shop, sku: string) =>
  productsOf(shop).filter((p) =>
    p.variants.some((v) => v.sku === sku || v.channelMetadata.some((m) => m.sellerSku === sku)),
  );
const productCreates = (shop: Shop) =>
  shipbob.control
    .exchanges()
    .filter(
      (e) =>
        e.caller === String(shop.merchantId) && e.operation === 'POST /product' && e.status === 201,
    ).length;
const miraklCalls = (shop: Shop, operation?: string) =>
  mirakl.control
    .exchanges()
    .filter(
      (e) =>
        e.caller === String(shop.shopId) && (operation === undefined || e.operation === operation),
    ).length;

beforeAll(async () => {
  backbone = await startBackbone({
    kafka,
    logger: quiet,
    namespace,
    registryUrl: env.SCHEMA_REGISTRY_URL,
    mongoUrl: env.MONGO_URL,
    database,
  });
  outcomes = backbone.outcomes;

  mirakl = await startMiraklSimulator({ port: 0, host: '127.0.0.1', paymentDelayMs: null });
  shipbob = await startShipBobSimulator({ port: 0, host: '127.0.0.1' });
  for (const shop of [shopA, shopB, shopC]) {
    shop.shopId = mirakl.control.addShop({ apiKey: shop.apiKey, name: `Shop ${shop.name}` }).shopId;
    const merchant = shipbob.control.world.seedMerchant({
      pats: [shop.pat],
      withOtherChannel: true,
    });
    shop.merchantId = merchant.id;
    // Already in ShipBob: OF-EXIST as a product SKU; OF-MAPPED as the seller SKU that the
    // merchant's Shopify channel maps to its own product (the seed's advice to sellers).
    const shopify = merchant.channels.find((c) => c.name === 'Shopify Store')!;
    shipbob.control.world.seedProduct(merchant.id, { sku: 'OF-EXIST' });
    shipbob.control.world.seedProduct(merchant.id, {
      sku: 'SHOPIFY-BLUE-MUG',
      sellerSkus: [{ channelId: shopify.id, sellerSku: 'OF-MAPPED' }],
    });
  }
  mirakl.control.upsertOffers(
    shopA.shopId,
    [...NEW_SKUS, 'OF-EXIST', 'OF-MAPPED'].map((sku) => ({ sku, quantity: 3 })),
  );
  mirakl.control.upsertOffers(
    shopB.shopId,
    ['OFB-1', 'OFB-2'].map((sku) => ({ sku, quantity: 3 })),
  );
  mirakl.control.upsertOffers(
    shopC.shopId,
    ['OFC-1', 'OFC-2'].map((sku) => ({ sku, quantity: 3 })),
  );

  system = {
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
      // Mirakl's once-a-minute OF52 and 10 s OF53 shortened so cycles follow each other.
      'mirakl-poller': { OF52_MIN_INTERVAL_MS: '300', OF53_POLL_INTERVAL_MS: '200' },
      'sync-applier': { RETRIER_INTERVAL_MS: '500', RETRIER_MAX_BACKOFF_MS: '2000' },
    },
  };
  const started = await startFlowServices(system);
  for (const [name, s] of started) services.set(name, s);
  apiUrl = `http://127.0.0.1:${await services.get('config-api')!.announcedPort('http listening')}`;
  tenantToken = (await createTenant(apiUrl, ADMIN_TOKEN, 'E2E offers')).token;
});

afterAll(async () => {
  for (const s of services.values()) await s.stop();
  await mirakl?.close();
  await shipbob?.close();
  await backbone?.close();
});

describe('Sync Offers across the services', () => {
  it('turns a catalog into ShipBob products without duplicates, over two cycles', async () => {
    await connectStore(shopA, true);
    const productsBefore = productsOf(shopA).length;

    // Cycle 1: the scheduler's first offers poll of the store, a full OF52 export.
    await eventually(
      () => outcomesOf(shopA).length >= NEW_SKUS.length + 2,
      'an offers outcome for every offer of A',
      90_000,
    );
    expect(subjects(shopA, 'APPLIED')).toEqual(NEW_SKUS);
    expect(subjects(shopA, 'DUPLICATE')).toEqual(['OF-EXIST', 'OF-MAPPED']);
    expect(productsOf(shopA).length - productsBefore).toBe(NEW_SKUS.length);
    for (const sku of [...NEW_SKUS, 'OF-EXIST', 'OF-MAPPED'])
      withContext(`products carrying ${sku}`, () => expect(carrying(shopA, sku)).toHaveLength(1));
    // Each reused offer's outcome names the product that carries it: OF-MAPPED the Shopify one.
    for (const sku of ['OF-EXIST', 'OF-MAPPED']) {
      const reused = outcomesOf(shopA, 'DUPLICATE').find((o) => o.subjectId === sku)!;
      withContext(`the product of ${sku}`, () =>
        expect(productNamed(reused)).toBe(String(carrying(shopA, sku)[0]?.id)),
      );
    }
    expect(carrying(shopA, 'OF-MAPPED')[0]?.variants[0]?.sku).toBe('SHOPIFY-BLUE-MUG');

    // Cycle 2: one new offer, one deactivated; everything else unchanged and quiet.
    mirakl.control.upsertOffers(shopA.shopId, [
      { sku: 'OF-6', quantity: 1 },
      { sku: 'OF-1', active: false },
    ]);
    const before = outcomesOf(shopA).length;
    await requestOffersPoll(shopA);
    await eventually(
      () => outcomesOf(shopA).length >= before + 2,
      'the second cycle outcomes (OF-6 and the deactivated OF-1)',
      60_000,
    );
    const second = outcomesOf(shopA).slice(before);
    expect(second.map((o) => [o.subjectId, o.outcome]).sort()).toEqual([
      ['OF-1', 'DUPLICATE'],
      ['OF-6', 'APPLIED'],
    ]);
    expect(productCreates(shopA)).toBe(NEW_SKUS.length + 1);
    expect(carrying(shopA, 'OF-6')).toHaveLength(1);
    expect(carrying(shopA, 'OF-1')).toHaveLength(1);
    const exports = mirakl.control
      .exchanges()
      .filter((e) => e.caller === String(shopA.shopId) && e.operation === 'OF52')
      .map((e) => (e.requestBody as Record<string, unknown>)['last_request_date']);
    withContext('one full export, then differentials', () => {
      expect(exports[0]).toBeUndefined();
      expect(exports.slice(1).every((d) => typeof d === 'string')).toBe(true);
    });

    // The seller sees the flow in the store's activity.
    await eventually(
      async () => {
        const page = await api('GET', `/v1/stores/${shopA.storeId}/activity?flow=offers`);
        const items = (page.body['items'] ?? []) as SyncOutcomeRecorded[];
        return (
          page.status === 200 &&
          items.flatMap((item) => subjectsOfOutcome(item)).length >= NEW_SKUS.length + 4
        );
      },
      'the offers outcomes in the activity',
      30_000,
    );
    expect(outcomes.filter((o) => o.outcome === 'FAILED')).toEqual([]);
  });

  it('changes nothing for a store whose Sync Offers is off', async () => {
    await connectStore(shopB, false);
    const completed = () =>
      services
        .get('mirakl-poller')!
        .metric('poll_requests_total', { stream: 'offers', outcome: 'completed' });
    const completedBefore = await completed();
    await requestOffersPoll(shopB);
    await eventually(
      async () => (await completed()) > completedBefore,
      'the poller finishing the offers request for B',
      30_000,
    );
    // Facts of B that reach the applier anyway (observed before the seller switched the flow
    // off) are skipped.
    const now = Date.now();
    for (const sku of ['OFB-1', 'OFB-2']) {
      await backbone.publisher.publish('offerObserved', {
        envelope: envelope({
          storeId: shopB.storeId,
          idempotencyKey: `e2e:${shopB.storeId}:offer:${sku}:${now}`,
          source: 'e2e',
          occurredAt: now,
          observedAt: now,
          correlationId: randomUUID(),
        }),
        offerId: sku,
        shopSku: sku,
        productSku: null,
        productTitle: null,
        quantity: 3,
        active: true,
        deleted: false,
        lastUpdated: now,
        more: [],
      });
    }
    await eventually(
      () => outcomesOf(shopB, 'SKIPPED').length === 2,
      'both offers of B SKIPPED',
      30_000,
    );
    expect(outcomesOf(shopB).map((o) => o.reason)).toEqual(['flow-disabled', 'flow-disabled']);
    expect([miraklCalls(shopB, 'OF52'), miraklCalls(shopB, 'OF21')]).toEqual([0, 0]);
    expect(productCreates(shopB)).toBe(0);
    // config-api checked the token when it was given; nothing has asked for products since.
    expect(
      shipbob.control
        .exchanges()
        .filter((e) => e.caller === String(shopB.merchantId) && e.operation.includes('/product')),
    ).toEqual([]);
  });

  it('a rollout while Mirakl prepares the export: the poller stops at once with exit code 0, and the next one syncs the catalog (ADR 0186)', async () => {
    // Mirakl is slow to prepare the store's export: it stays PENDING until released.
    mirakl.control.holdExports(shopC.shopId, true);
    await connectStore(shopC, true);
    await eventually(() => miraklCalls(shopC, 'OF53') >= 2, 'the export being prepared', 60_000);
    const stopping = services.get('mirakl-poller')!;
    await stopping.stop();
    withContext('stopped by itself, not killed by the harness nor by its shutdown timeout', () => {
      expect(stopping.child.signalCode).toBeNull();
      expect(stopping.child.exitCode).toBe(0);
      expect(stopping.output()).not.toContain('shutdown timed out');
    });
    expect(miraklCalls(shopC, 'OF54')).toBe(0);

    // The next process (a rollout's new pod) takes the request again.
    mirakl.control.holdExports(shopC.shopId, false);
    services.set('mirakl-poller', await startFlowService('mirakl-poller', system));
    await eventually(
      () => outcomesOf(shopC).length >= 2,
      'an offers outcome for every offer of C',
      90_000,
    );
    expect(subjects(shopC, 'APPLIED')).toEqual(['OFC-1', 'OFC-2']);
    expect(productCreates(shopC)).toBe(2);
  });
});
