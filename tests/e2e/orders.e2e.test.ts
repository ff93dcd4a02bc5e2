import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createKafka, type SyncOutcomeRecorded } from '@msync/events';
import { startMiraklSimulator, type RunningMiraklSimulator } from '@msync/mirakl-sim';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { createLogger } from '@msync/platform';
import { eventually, infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import { pollRequest, startBackbone, type TestBackbone } from './support/backbone.js';
import { callConfigApi, connectStore as connect, createTenant } from './support/config-api.js';
import { startFlowServices } from './support/flow-services.js';
import type { ServiceProcess } from './support/services.js';

// The orders flow as a seller lives it: two stores connected through config-api's HTTP API, the
// five services of the flow running from their builds on real Kafka, registry and FerretDB, and
// both vendor simulators. Orders appear in Mirakl; the system accepts them, creates each once in
// ShipBob, and (store A only) ships them in Mirakl with the label's tracking.

const ORDERS_PER_STORE = 20;
const SKUS = ['SKU-MUG', 'SKU-BOWL'];
const ADMIN_TOKEN = `e2e-admin-${randomBytes(24).toString('hex')}`;
const ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;
const quiet = createLogger({ level: 'warn', write: () => undefined });

interface Shop {
  name: string;
  shopId: number;
  apiKey: string;
  pat: string;
  merchantId: number;
  storeId: string;
  orderIds: string[];
}

const env = infra();
const namespace = uniqueNamespace();
const database = uniqueName('orders_e2e').replaceAll('-', '_');
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
let apiUrl = '';
let tenantToken = '';
let driving: ReturnType<typeof setInterval> | undefined;
/** Stores the poll driver asks to be polled, and how many requests it sent per store. */
const driven = new Map<string, number>();

const shopA: Shop = newShop('A');
const shopB: Shop = newShop('B');

function newShop(name: string): Shop {
  return {
    name,
    shopId: 0,
    apiKey: `e2e-mirakl-key-${name}-${randomBytes(8).toString('hex')}`,
    pat: `e2e-shipbob-pat-${name}-${randomBytes(8).toString('hex')}`,
    merchantId: 0,
    storeId: '',
    orderIds: [],
  };
}

/** config-api's API as the tenant calls it. */
const api = (method: string, path: string) =>
  callConfigApi(apiUrl, method, path, { token: tenantToken });

/** What a store's seller may set about ship options (config-api's PATCH fields). */
interface ShipOptions {
  shippingMethods?: Record<string, string>;
  defaultShippingMethod?: string;
}

async function connectStore(
  shop: Shop,
  toggles: { orders: boolean; tracking: boolean },
  shipOptions: ShipOptions = {},
) {
  shop.storeId = await connect(apiUrl, tenantToken, {
    miraklUrl: mirakl.url,
    miraklApiKey: shop.apiKey,
    shipbobPat: shop.pat,
    toggles,
    pollIntervalMinutes: 1,
    settings: { ...shipOptions },
  });
}

/** Creates orders in Mirakl; their shipping type codes take turns from `shippingTypes`. */
function createOrders(shop: Shop, count: number, shippingTypes = ['STD']): string[] {
  const made: string[] = [];
  for (let i = 0; i < count; i++) {
    const orderId = `${shop.name}-${String(shop.orderIds.length + 1).padStart(3, '0')}-A`;
    mirakl.control.createOrder(shop.shopId, {
      orderId,
      shippingTypeCode: shippingTypes[i % shippingTypes.length]!,
      lines: [
        { sku: SKUS[0]!, quantity: 1 + (i % 3) },
        { sku: SKUS[1]!, quantity: 1 },
      ],
    });
    shop.orderIds.push(orderId);
    made.push(orderId);
  }
  return made;
}

/**
 * Asks for a poll of every driven store's orders (Mirakl) and shipments (ShipBob), as the
 * scheduler's jobs do, so a test does not wait a whole `pollIntervalMinutes` between passes.
 */
async function requestPolls(): Promise<void> {
  for (const storeId of driven.keys()) {
    for (const [system, stream] of [
      ['MIRAKL', 'orders'],
      ['SHIPBOB', 'shipments'],
    ] as const) {
      await backbone.publisher.publish('pollRequested', pollRequest(storeId, system, stream));
    }
    driven.set(storeId, (driven.get(storeId) ?? 0) + 1);
  }
}

const miraklOrders = (shop: Shop) => mirakl.control.snapshot(shop.shopId).orders;
const miraklCalls = (shop: Shop, operation?: string) =>
  mirakl.control
    .exchanges()
    .filter(
      (e) =>
        e.caller === String(shop.shopId) && (operation === undefined || e.operation === operation),
    ).length;
const shipbobCalls = (shop: Shop) =>
  shipbob.control.exchanges().filter((e) => e.caller === String(shop.merchantId)).length;
/** ShipBob orders created (201) per reference id, as the simulator's journal saw them. */
const shipbobCreates = (referenceId: string) =>
  shipbob.control
    .exchanges()
    .filter(
      (e) =>
        e.operation === 'POST /order' &&
        e.status === 201 &&
        (e.requestBody as { reference_id?: string } | undefined)?.reference_id === referenceId,
    ).length;
const shipbobOrder = (referenceId: string) =>
  shipbob.control.world.orders.find((o) => o.referenceId === referenceId);
const outcomesOf = (shop: Shop, flow: string, outcome: string) =>
  outcomes.filter(
    (o) => o.envelope.storeId === shop.storeId && o.flow === flow && o.outcome === outcome,
  );

/** Every given order of the shop is SHIPPED in Mirakl with the tracking ShipBob's label has. */
function shippedWithTracking(shop: Shop, orderIds: string[]): boolean {
  const byId = new Map(miraklOrders(shop).map((o) => [o.orderId, o]));
  return orderIds.every((id) => {
    const order = byId.get(id);
    const label = shipbobOrder(id)?.shipments[0]?.tracking;
    return (
      order?.state === 'SHIPPED' &&
      label !== undefined &&
      label !== null &&
      order.tracking?.trackingNumber === label.trackingNumber
    );
  });
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
  outcomes = backbone.outcomes;

  mirakl = await startMiraklSimulator({ port: 0, host: '127.0.0.1', paymentDelayMs: 500 });
  shipbob = await startShipBobSimulator({
    port: 0,
    host: '127.0.0.1',
    // The warehouse labels a shipment a second after the order; ShipBob's own budget per token
    // stays on (150 a minute) but the test's passes fit in it.
    autopilot: { labelAfterMs: 1_000, shipAfterMs: 1_000, deliverAfterMs: null, carrier: 'UPS' },
  });
  for (const shop of [shopA, shopB]) {
    shop.shopId = mirakl.control.addShop({ apiKey: shop.apiKey, name: `Shop ${shop.name}` }).shopId;
    const merchant = shipbob.control.world.seedMerchant({ pats: [shop.pat] });
    shop.merchantId = merchant.id;
    for (const sku of SKUS)
      shipbob.control.world.seedProduct(merchant.id, { sku, stock: { 1: 1_000 } });
  }

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
      // Mirakl's once-a-minute OR11 gate shortened so passes follow each other within a test.
      'mirakl-poller': { OR11_MIN_INTERVAL_MS: '300' },
      'sync-applier': {
        RETRIER_INTERVAL_MS: '500',
        RETRIER_MAX_BACKOFF_MS: '2000',
        // The applier's OR11 reads claim the same gate as the poller, at the same interval.
        OR11_MIN_INTERVAL_MS: '300',
      },
    },
  });
  for (const [name, s] of started) services.set(name, s);
  apiUrl = `http://127.0.0.1:${await services.get('config-api')!.announcedPort('http listening')}`;
  tenantToken = (await createTenant(apiUrl, ADMIN_TOKEN, 'E2E')).token;
});

afterAll(async () => {
  if (driving) clearInterval(driving);
  // Stopped one by one, by their own process ids.
  for (const s of services.values()) await s.stop();
  await mirakl?.close();
  await shipbob?.close();
  await backbone?.close();
});

describe('the orders flow across the services', () => {
  it('accepts, creates once in ShipBob and ships with tracking for A; B is accepted and created but gets no tracking', async () => {
    // A maps two Mirakl shipping types and sends any other as Expedited; B keeps the defaults.
    await connectStore(
      shopA,
      { orders: true, tracking: true },
      {
        shippingMethods: { STD: 'Standard', 'EXP-2D': '2-Day' },
        defaultShippingMethod: 'Expedited',
      },
    );
    await connectStore(shopB, { orders: true, tracking: false });
    const shippingTypes = ['STD', 'EXP-2D', 'PICKUP'];
    createOrders(shopA, ORDERS_PER_STORE, shippingTypes);
    createOrders(shopB, ORDERS_PER_STORE, shippingTypes);

    // The scheduler's first poll of a newly connected store is immediate, without the driver.
    await eventually(
      () => miraklCalls(shopA, 'OR11') > 0 && miraklCalls(shopB, 'OR11') > 0,
      "the scheduler's first poll of both stores reaching Mirakl",
      30_000,
    );

    driven.set(shopA.storeId, 0);
    driven.set(shopB.storeId, 0);
    driving = setInterval(() => void requestPolls().catch(() => undefined), 2_000);

    await eventually(
      () => shippedWithTracking(shopA, shopA.orderIds),
      `all ${ORDERS_PER_STORE} orders of A SHIPPED in Mirakl with their tracking`,
      120_000,
    );
    await eventually(
      () =>
        shopB.orderIds.every((id) => shipbobOrder(id)?.shipments[0]?.tracking) &&
        outcomesOf(shopB, 'tracking', 'SKIPPED').length >= ORDERS_PER_STORE,
      "B's orders created and labeled in ShipBob, their tracking SKIPPED",
      60_000,
    );

    for (const id of [...shopA.orderIds, ...shopB.orderIds]) expect(shipbobCreates(id)).toBe(1);
    const shipOptionOf: Record<string, string> = {
      STD: 'Standard',
      'EXP-2D': '2-Day',
      PICKUP: 'Expedited',
    };
    expect(shopA.orderIds.map((id) => shipbobOrder(id)?.shippingMethod)).toEqual(
      shopA.orderIds.map((_, i) => shipOptionOf[shippingTypes[i % shippingTypes.length]!]),
    );
    expect(new Set(shopB.orderIds.map((id) => shipbobOrder(id)?.shippingMethod))).toEqual(
      new Set(['Standard']),
    );
    const accepted = (shop: Shop) =>
      miraklOrders(shop).filter(
        (o) => shop.orderIds.includes(o.orderId) && o.acceptedLines.length === 2,
      ).length;
    expect([accepted(shopA), accepted(shopB)]).toEqual([ORDERS_PER_STORE, ORDERS_PER_STORE]);
    expect(miraklOrders(shopB).map((o) => o.state)).toEqual(
      Array<string>(ORDERS_PER_STORE).fill('SHIPPING'),
    );
    expect([miraklCalls(shopB, 'OR23'), miraklCalls(shopB, 'OR24')]).toEqual([0, 0]);
    expect([miraklCalls(shopA, 'OR23'), miraklCalls(shopA, 'OR24')]).toEqual([
      ORDERS_PER_STORE,
      ORDERS_PER_STORE,
    ]);
    expect(new Set(outcomesOf(shopB, 'tracking', 'SKIPPED').map((o) => o.reason))).toEqual(
      new Set(['flow-disabled']),
    );
    expect(outcomes.filter((o) => o.outcome === 'FAILED')).toEqual([]);

    // One grep follows an order across services (docs/runbook.md): the correlation id of A's
    // accept outcome is on the applier's line for it and on the poller's pass that saw it.
    const accept = outcomesOf(shopA, 'orders', 'APPLIED').find((o) =>
      o.effectKey.includes('accept'),
    )!;
    const linesWith = (service: string, id: string) =>
      services
        .get(service)!
        .output()
        .split('\n')
        .filter((l) => l.includes(id))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const { correlationId } = accept.envelope;
    expect(linesWith('sync-applier', correlationId)).toContainEqual(
      expect.objectContaining({
        msg: 'outcome recorded',
        storeId: shopA.storeId,
        correlationId,
        miraklOrderId: accept.miraklOrderId,
      }),
    );
    expect(linesWith('mirakl-poller', correlationId)).toContainEqual(
      expect.objectContaining({ msg: 'orders polled', storeId: shopA.storeId, correlationId }),
    );
  });

  it('makes no call for a disconnected store while polls keep coming; on reconnect processes once the order skipped in the disconnect race and its new orders', async () => {
    // The race (ADR 0055): an order reported just before the disconnect whose accept is still
    // pending (OR21 answers 503, so the fact waits in the store's lane) is decided after the
    // applier saw the disconnect: SKIPPED, while the poller's cursor and seen-set moved past it.
    mirakl.control.addFault({ operation: 'OR21', kind: 'status', status: 503 });
    const racing = createOrders(shopA, 1)[0]!;
    const failedAccepts = () =>
      mirakl.control
        .exchanges()
        .filter((e) => e.operation === 'OR21' && e.status === 503 && e.path.includes(racing))
        .length;
    await eventually(() => failedAccepts() > 0, 'the racing order reported, its accept failing');
    const disconnected = await api('POST', `/v1/stores/${shopA.storeId}/disconnect`);
    expect([disconnected.status, disconnected.body['status']]).toEqual([200, 'DISCONNECTED']);
    const notConnected = (service: string, stream: string) =>
      services.get(service)!.metric('poll_requests_total', {
        stream,
        outcome: 'store-not-connected',
      });
    // Both pollers have seen the disconnection once they answer a request for A without calling.
    await eventually(
      async () =>
        (await notConnected('mirakl-poller', 'orders')) > 0 &&
        (await notConnected('shipbob-poller', 'shipments')) > 0,
      'both pollers turning down a request for the disconnected store',
    );
    await eventually(
      () =>
        outcomesOf(shopA, 'orders', 'SKIPPED').some(
          (o) => o.effectKey === `accept:${racing}` && o.reason === 'store-not-connected',
        ),
      "the racing order's accept SKIPPED: the store is disconnected",
      30_000,
    );
    mirakl.control.clearFaults();
    const before = { mirakl: miraklCalls(shopA), shipbob: shipbobCalls(shopA) };
    const refusedBefore = {
      mirakl: await notConnected('mirakl-poller', 'orders'),
      shipbob: await notConnected('shipbob-poller', 'shipments'),
    };
    const late = createOrders(shopA, 5);

    // Five more rounds of poll requests for A, each answered by both pollers without a call.
    const POLLS = 5;
    await eventually(
      async () =>
        (await notConnected('mirakl-poller', 'orders')) >= refusedBefore.mirakl + POLLS &&
        (await notConnected('shipbob-poller', 'shipments')) >= refusedBefore.shipbob + POLLS,
      `${POLLS} more poll requests for A answered by both pollers`,
      60_000,
    );
    expect({ mirakl: miraklCalls(shopA), shipbob: shipbobCalls(shopA) }).toEqual(before);
    expect(late.map((id) => miraklOrders(shopA).find((o) => o.orderId === id)?.state)).toEqual(
      Array<string>(5).fill('WAITING_ACCEPTANCE'),
    );

    const reconnected = await api('POST', `/v1/stores/${shopA.storeId}/connect`);
    expect([reconnected.status, reconnected.body['status']]).toEqual([200, 'CONNECTED']);
    await eventually(
      () => shippedWithTracking(shopA, [racing, ...late]),
      'the racing order and the 5 orders created while A was disconnected SHIPPED with tracking',
      90_000,
    );
    for (const id of shopA.orderIds) expect(shipbobCreates(id)).toBe(1);
    expect(shipbob.control.world.orders.filter((o) => o.referenceId.startsWith('A-'))).toHaveLength(
      ORDERS_PER_STORE + 6,
    );
    expect([miraklCalls(shopA, 'OR21') - failedAccepts(), miraklCalls(shopA, 'OR24')]).toEqual([
      ORDERS_PER_STORE + 6,
      ORDERS_PER_STORE + 6,
    ]);
    expect(outcomes.filter((o) => o.outcome === 'FAILED')).toEqual([]);
  });
});
