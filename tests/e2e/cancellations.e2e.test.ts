import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  EventCodec,
  RegistryClient,
  bootstrapTopics,
  createEventConsumer,
  createKafka,
  createPublisher,
  envelope,
  type EventConsumer,
  type EventOf,
  type Publisher,
  type SyncOutcomeRecorded,
} from '@msync/events';
import { startMiraklSimulator, type RunningMiraklSimulator } from '@msync/mirakl-sim';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { createLogger } from '@msync/platform';
import { eventually, infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import { MongoClient } from 'mongodb';
import { startService, type ServiceProcess } from './support/services.js';

// Cancellations both ways as a seller lives them: stores connected and configured through
// config-api's HTTP API, the services running from their builds on real Kafka, registry and
// FerretDB, and both vendor simulators. ShipBob labels nothing by itself here: the test decides
// when a shipment is labeled or canceled in ShipBob and when the operator cancels in Mirakl.
//
// Store A: Sync Cancelations on, marketplace cancellations NOT sent to ShipBob (the default).
// Store B: Sync Cancelations on with its second switch: marketplace cancellations cancel in ShipBob.

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
}

const env = infra();
const namespace = uniqueNamespace();
const database = uniqueName('cancel_e2e').replaceAll('-', '_');
const kafka = createKafka({
  brokers: env.KAFKA_BROKERS.split(','),
  clientId: 'e2e',
  logger: quiet,
});
let publisher: Publisher;
let outcomesConsumer: EventConsumer;
const outcomes: SyncOutcomeRecorded[] = [];
let mirakl: RunningMiraklSimulator;
let shipbob: RunningShipBobSimulator;
const services = new Map<string, ServiceProcess>();
let apiUrl = '';
let tenantToken = '';
let driving: ReturnType<typeof setInterval> | undefined;

const shopA = newShop('A');
const shopB = newShop('B');

function newShop(name: string): Shop {
  return {
    name,
    shopId: 0,
    apiKey: `e2e-mirakl-key-${name}-${randomBytes(8).toString('hex')}`,
    pat: `e2e-shipbob-pat-${name}-${randomBytes(8).toString('hex')}`,
    merchantId: 0,
    storeId: '',
  };
}

async function api(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; ifMatch?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; etag: string | null }> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.token ?? tenantToken}`,
  };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.ifMatch) headers['if-match'] = options.ifMatch;
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    etag: response.headers.get('etag'),
  };
}

async function connectStore(shop: Shop, settings: Record<string, unknown>): Promise<void> {
  const connected = await api('POST', '/v1/stores', {
    body: { miraklUrl: mirakl.url, miraklApiKey: shop.apiKey },
  });
  expect(connected.status).toBe(201);
  shop.storeId = String(connected.body['id']);
  const current = await api('GET', `/v1/stores/${shop.storeId}`);
  const configured = await api('PATCH', `/v1/stores/${shop.storeId}`, {
    ifMatch: current.etag ?? '',
    body: { shipbobPat: shop.pat, pollIntervalMinutes: 1, ...settings },
  });
  expect([configured.status, configured.body['status']]).toEqual([200, 'CONNECTED']);
}

/** Polls of both stores' orders and shipments, as the scheduler's jobs ask, without waiting minutes. */
async function requestPolls(): Promise<void> {
  for (const shop of [shopA, shopB]) {
    for (const [system, stream] of [
      ['MIRAKL', 'orders'],
      ['SHIPBOB', 'shipments'],
    ] as const) {
      const now = new Date();
      const command: EventOf<'pollRequested'> = {
        envelope: envelope({
          storeId: shop.storeId,
          idempotencyKey: `e2e:${shop.storeId}:${stream}:${now.toISOString()}:${randomUUID()}`,
          source: 'e2e-poll-driver',
          occurredAt: now,
          observedAt: now,
          correlationId: randomUUID(),
        }),
        system,
        stream,
        reason: 'schedule',
        since: null,
        configVersion: null,
      };
      await publisher.publish('pollRequested', command);
    }
  }
}

function createOrder(shop: Shop, name: string): string {
  const orderId = `${shop.name}-${name}-A`;
  mirakl.control.createOrder(shop.shopId, {
    orderId,
    lines: [
      { sku: SKUS[0]!, quantity: 2 },
      { sku: SKUS[1]!, quantity: 1 },
    ],
  });
  return orderId;
}

const miraklOrder = (shop: Shop, orderId: string) =>
  mirakl.control.snapshot(shop.shopId).orders.find((o) => o.orderId === orderId);
const or29Calls = (shop: Shop, orderId: string) =>
  mirakl.control
    .exchanges()
    .filter(
      (e) =>
        e.caller === String(shop.shopId) &&
        e.operation === 'OR29' &&
        e.path.includes(encodeURIComponent(orderId)),
    ).length;
const shipbobOrder = (referenceId: string) =>
  shipbob.control.world.orders.find((o) => o.referenceId === referenceId);
const shipbobStatuses = (referenceId: string) =>
  shipbobOrder(referenceId)?.shipments.map((s) => s.status) ?? [];
const shipbobCancelCalls = (referenceId: string) => {
  const id = shipbobOrder(referenceId)?.id;
  return shipbob.control
    .exchanges()
    .filter(
      (e) => e.operation === 'POST /order/{orderId}:cancel' && e.path.includes(`/order/${id}:`),
    ).length;
};
const shipbobCreates = (referenceId: string) =>
  shipbob.control
    .exchanges()
    .filter(
      (e) =>
        e.operation === 'POST /order' &&
        e.status === 201 &&
        (e.requestBody as { reference_id?: string } | undefined)?.reference_id === referenceId,
    ).length;
const outcomeOf = (shop: Shop, effectKey: string) =>
  outcomes.filter((o) => o.envelope.storeId === shop.storeId && o.effectKey === effectKey);
const firstOutcome = (shop: Shop, effectKey: string) => outcomeOf(shop, effectKey)[0];

beforeAll(async () => {
  await bootstrapTopics({ kafka, logger: quiet, namespace, partitions: 1 });
  const codec = new EventCodec(new RegistryClient(env.SCHEMA_REGISTRY_URL), namespace);
  publisher = createPublisher({ kafka, codec, logger: quiet, namespace });
  await publisher.connect();
  outcomesConsumer = createEventConsumer({
    kafka,
    codec,
    logger: quiet,
    groupId: `${namespace}e2e-outcomes`,
    topics: ['syncOutcome'],
    dlqProducer: publisher.producer,
    namespace,
    handle: (event) => {
      outcomes.push(event.value);
      return Promise.resolve();
    },
  });
  await outcomesConsumer.start();

  mirakl = await startMiraklSimulator({ port: 0, host: '127.0.0.1', paymentDelayMs: 500 });
  // No autopilot: shipments stay unlabeled until the test labels or cancels them.
  shipbob = await startShipBobSimulator({ port: 0, host: '127.0.0.1' });
  for (const shop of [shopA, shopB]) {
    shop.shopId = mirakl.control.addShop({ apiKey: shop.apiKey, name: `Shop ${shop.name}` }).shopId;
    const merchant = shipbob.control.world.seedMerchant({ pats: [shop.pat] });
    shop.merchantId = merchant.id;
    for (const sku of SKUS)
      shipbob.control.world.seedProduct(merchant.id, { sku, stock: { 1: 1_000 } });
  }

  const common = {
    PATH: process.env['PATH'] ?? '',
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL,
    MONGO_URL: env.MONGO_URL,
    MONGO_DB: database,
    TOPIC_NAMESPACE: namespace,
    ENCRYPTION_KEYS,
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '10000',
  };
  const started = await Promise.all([
    startService('config-api', {
      ...common,
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      ADMIN_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      MIRAKL_TRUSTED_ORIGINS: new URL(mirakl.url).origin,
      SHIPBOB_BASE_URL: shipbob.url,
      RELAY_INTERVAL_MS: '200',
    }),
    startService('scheduler', { ...common, SCHEDULER_PROCESS_EVERY_MS: '500' }),
    startService('mirakl-poller', {
      ...common,
      MIRAKL_TRUSTED_HOSTS: '127.0.0.1',
      OR11_MIN_INTERVAL_MS: '300',
    }),
    startService('shipbob-poller', { ...common, SHIPBOB_BASE_URL: shipbob.url }),
    startService('sync-applier', {
      ...common,
      MIRAKL_TRUSTED_ORIGINS: new URL(mirakl.url).origin,
      // The applier reads an order (OR11) before each cancellation: no minute between two here.
      OR11_MIN_INTERVAL_MS: '200',
      SHIPBOB_BASE_URL: shipbob.url,
      RETRIER_INTERVAL_MS: '500',
      RETRIER_MAX_BACKOFF_MS: '2000',
    }),
  ]);
  for (const s of started) services.set(s.name, s);
  apiUrl = `http://127.0.0.1:${await services.get('config-api')!.announcedPort('http listening')}`;

  const tenant = await api('POST', '/v1/tenants', { token: ADMIN_TOKEN, body: { name: 'E2E' } });
  expect(tenant.status).toBe(201);
  const token = await api('POST', '/v1/tokens', {
    token: ADMIN_TOKEN,
    body: { name: 'e2e', tenantId: tenant.body['id'] },
  });
  expect(token.status).toBe(201);
  tenantToken = String(token.body['token']);

  const on = { orders: true, tracking: true, cancellations: true };
  await connectStore(shopA, { toggles: on });
  await connectStore(shopB, { toggles: on, cancelShipBobOnMarketplaceCancel: true });
  driving = setInterval(() => void requestPolls().catch(() => undefined), 2_000);
});

afterAll(async () => {
  if (driving) clearInterval(driving);
  for (const s of services.values()) await s.stop();
  await outcomesConsumer?.stop();
  await publisher?.disconnect();
  await mirakl?.close();
  await shipbob?.close();
  const mongo = new MongoClient(env.MONGO_URL, { retryWrites: false });
  await mongo.connect();
  await mongo
    .db(database)
    .dropDatabase()
    .catch(() => undefined);
  await mongo.close();
  const admin = kafka.admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(namespace));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
});

describe('cancellations across the services', () => {
  const [a1, a2, a3, b1] = ['A-001-A', 'A-002-A', 'A-003-A', 'B-001-A'];

  it('accepts and creates every order in ShipBob once, unlabeled', async () => {
    expect([
      createOrder(shopA, '001'),
      createOrder(shopA, '002'),
      createOrder(shopA, '003'),
      createOrder(shopB, '001'),
    ]).toEqual([a1, a2, a3, b1]);
    await eventually(
      () => [a1, a2, a3, b1].every((id) => shipbobStatuses(id).length === 1),
      'the four orders created in ShipBob',
      120_000,
    );
    for (const id of [a1, a2, a3, b1]) expect(shipbobCreates(id)).toBe(1);
  });

  it('an order canceled in ShipBob is canceled in Mirakl (OR29 once)', async () => {
    shipbob.control.world.cancelShipment(shipbobOrder(a1)!.shipments[0]!.id);
    await eventually(
      () => firstOutcome(shopA, `cancel:${a1}`) !== undefined,
      'the ShipBob cancellation of A-001 decided',
      60_000,
    );
    expect(firstOutcome(shopA, `cancel:${a1}`)).toMatchObject({
      flow: 'cancellations',
      outcome: 'APPLIED',
      target: 'MIRAKL',
    });
    expect(miraklOrder(shopA, a1)?.state).toBe('CANCELED');
    // Mirakl's cancellation comes back as a marketplace cancellation: store A does not send
    // those to ShipBob, and the ShipBob order is canceled anyway.
    await eventually(
      () => firstOutcome(shopA, `cancel-in-shipbob:${a1}`) !== undefined,
      'the marketplace cancellation of A-001 decided',
      60_000,
    );
    expect(firstOutcome(shopA, `cancel-in-shipbob:${a1}`)).toMatchObject({
      outcome: 'SKIPPED',
      reason: 'marketplace-cancel-off',
    });
    expect(or29Calls(shopA, a1)).toBe(1);
  });

  it('a cancellation in ShipBob after the order shipped is FAILED with the reason, and Mirakl is left as it is', async () => {
    shipbob.control.world.labelShipment(shipbobOrder(a2)!.shipments[0]!.id, { carrier: 'UPS' });
    await eventually(
      () => miraklOrder(shopA, a2)?.state === 'SHIPPED',
      'A-002 shipped in Mirakl with its tracking',
      60_000,
    );
    // The merchant cancels the labeled shipment in ShipBob's dashboard.
    shipbob.control.world.cancelShipment(shipbobOrder(a2)!.shipments[0]!.id);
    await eventually(
      () => firstOutcome(shopA, `cancel:${a2}`) !== undefined,
      'the cancellation of A-002 decided',
      60_000,
    );
    expect(firstOutcome(shopA, `cancel:${a2}`)).toMatchObject({
      outcome: 'FAILED',
      reason: 'already-shipped',
      detail: expect.stringContaining('refund it in Mirakl'),
    });
    expect(miraklOrder(shopA, a2)?.state).toBe('SHIPPED');
    expect(or29Calls(shopA, a2)).toBe(0);
  });

  it('a marketplace cancellation with the option on cancels the ShipBob order', async () => {
    mirakl.control.cancelByOperator(shopB.shopId, b1);
    await eventually(
      () => firstOutcome(shopB, `cancel-in-shipbob:${b1}`) !== undefined,
      'the marketplace cancellation of B-001 decided',
      60_000,
    );
    expect(firstOutcome(shopB, `cancel-in-shipbob:${b1}`)).toMatchObject({
      outcome: 'APPLIED',
      target: 'SHIPBOB',
    });
    expect(shipbobStatuses(b1)).toEqual(['Cancelled']);
    // ShipBob's cancellation is then seen by polling: Mirakl has it already, nothing is sent.
    await eventually(
      () => firstOutcome(shopB, `cancel:${b1}`) !== undefined,
      'the ShipBob cancellation of B-001 decided',
      60_000,
    );
    expect(firstOutcome(shopB, `cancel:${b1}`)).toMatchObject({
      outcome: 'DUPLICATE',
      reason: 'already-canceled',
    });
    expect([shipbobCancelCalls(b1), or29Calls(shopB, b1)]).toEqual([1, 0]);
  });

  it('a marketplace cancellation with the option off leaves the ShipBob order alone', async () => {
    mirakl.control.cancelByOperator(shopA.shopId, a3);
    // Counted: the applier's decision about this very cancellation, then the absence of a call.
    await eventually(
      () => firstOutcome(shopA, `cancel-in-shipbob:${a3}`) !== undefined,
      'the marketplace cancellation of A-003 decided',
      60_000,
    );
    expect(firstOutcome(shopA, `cancel-in-shipbob:${a3}`)).toMatchObject({
      outcome: 'SKIPPED',
      reason: 'marketplace-cancel-off',
    });
    expect(shipbobStatuses(a3)).toEqual(['Processing']);
    expect(shipbobCancelCalls(a3)).toBe(0);
  });

  it('created every ShipBob order once and failed only the shipped order', () => {
    for (const id of [a1, a2, a3, b1]) expect(shipbobCreates(id)).toBe(1);
    expect(
      outcomes.filter((o) => o.outcome === 'FAILED').map((o) => [o.effectKey, o.reason]),
    ).toEqual([[`cancel:${a2}`, 'already-shipped']]);
  });
});
