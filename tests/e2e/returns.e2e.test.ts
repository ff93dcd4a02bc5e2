import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createKafka,
  envelope,
  type EventOf,
  type Publisher,
  type SyncOutcomeRecorded,
} from '@msync/events';
import { startMiraklSimulator, type RunningMiraklSimulator } from '@msync/mirakl-sim';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { createLogger } from '@msync/platform';
import { eventually, infra, uniqueName, uniqueNamespace, withContext } from '@msync/test-support';
import { pollRequest, startBackbone, type TestBackbone } from './support/backbone.js';
import { callConfigApi, connectStore, createTenant } from './support/config-api.js';
import { flowServiceEnv, startFlowServices, type FlowSystem } from './support/flow-services.js';
import { startService, type ServiceProcess } from './support/services.js';

// Sync Returns and the daily report as a seller lives them: a store connected through
// config-api with returns approved, the flow's services and the reporter running from their
// builds on real Kafka, registry, FerretDB and Mailpit, both simulators. An order ships; the
// buyer opens an incident in Mirakl; one ShipBob return is created at the return center; it is
// completed in ShipBob; the next report (the scheduler's command, published here as its 09:00
// job would) arrives in Mailpit with the five columns, and a second command that day sends
// nothing.

const SKU = 'SKU-RET-MUG';
const RETURN_CENTER = '1';
const ADMIN_TOKEN = `e2e-admin-${randomBytes(24).toString('hex')}`;
const ENCRYPTION_KEYS = `k1:${randomBytes(32).toString('base64')}`;
const MIRAKL_KEY = `e2e-mirakl-key-R-${randomBytes(8).toString('hex')}`;
const PAT = `e2e-shipbob-pat-R-${randomBytes(8).toString('hex')}`;
/** A second store of the same seller, never approved for returns (so Sync Returns stays off). */
const MIRAKL_KEY_UNAPPROVED = `e2e-mirakl-key-U-${randomBytes(8).toString('hex')}`;
const PAT_UNAPPROVED = `e2e-shipbob-pat-U-${randomBytes(8).toString('hex')}`;
const REPORT_ADDRESS = `${uniqueName('returns')}@seller.example`;
const quiet = createLogger({ level: 'warn', write: () => undefined });

const env = infra();
const namespace = uniqueNamespace();
const database = uniqueName('returns_e2e').replaceAll('-', '_');
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
let unapprovedShopId = 0;
let unapprovedStoreId = '';
let unapprovedMerchantId = 0;
let driving: ReturnType<typeof setInterval> | undefined;

const api = (method: string, path: string, call: { body?: unknown; ifMatch?: string } = {}) =>
  callConfigApi(apiUrl, method, path, { token: tenantToken, ...call });

/** Polls the stores' Mirakl orders and ShipBob shipments and returns, as the scheduler's jobs do. */
async function requestPolls(): Promise<void> {
  for (const id of [storeId, unapprovedStoreId]) await requestStorePolls(id);
}

async function requestStorePolls(storeId: string): Promise<void> {
  for (const [system, stream] of [
    ['MIRAKL', 'orders'],
    ['SHIPBOB', 'shipments'],
    ['SHIPBOB', 'returns'],
  ] as const)
    await publisher.publish('pollRequested', pollRequest(storeId, system, stream));
}

/** The scheduler's 09:00 command for today in New York (its job's key, so copies are one). */
async function requestReport(): Promise<string> {
  const reportDate = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'America/New_York',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
  const command: EventOf<'reportRequested'> = {
    envelope: envelope({
      storeId,
      idempotencyKey: `scheduler:${storeId}:report:${reportDate}:${randomUUID()}`,
      source: 'scheduler',
      occurredAt: new Date(),
    }),
    reportDate,
    timeZone: 'America/New_York',
  };
  await publisher.publish('reportRequested', command);
  return reportDate;
}

interface MailpitMessage {
  Subject: string;
  HTML: string;
  Text: string;
}

async function mailsTo(address: string): Promise<MailpitMessage[]> {
  const base = env.MAILPIT_URL;
  if (!base) throw new Error('MAILPIT_URL is not set: this test reads Mailpit');
  const query = encodeURIComponent(`to:"${address}"`);
  const found = (await fetch(`${base}/api/v1/search?query=${query}`).then((r) => r.json())) as {
    messages: { ID: string }[];
  };
  return Promise.all(
    found.messages.map(
      async (m) =>
        (await fetch(`${base}/api/v1/message/${m.ID}`).then((r) => r.json())) as MailpitMessage,
    ),
  );
}

const reportOutcomes = () =>
  outcomes.filter((o) => o.envelope.storeId === storeId && o.flow === 'report');
const returnCreates = () =>
  shipbob.control.exchanges().filter((e) => e.operation === 'POST /return' && e.status === 201);

beforeAll(async () => {
  backbone = await startBackbone({
    kafka: createKafka({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'e2e', logger: quiet }),
    logger: quiet,
    namespace,
    registryUrl: env.SCHEMA_REGISTRY_URL,
    mongoUrl: env.MONGO_URL,
    database,
  });
  ({ publisher, outcomes } = backbone);

  mirakl = await startMiraklSimulator({ port: 0, host: '127.0.0.1', paymentDelayMs: 500 });
  shipbob = await startShipBobSimulator({
    port: 0,
    host: '127.0.0.1',
    autopilot: { labelAfterMs: 1_000, shipAfterMs: 1_000, deliverAfterMs: null, carrier: 'UPS' },
  });
  shopId = mirakl.control.addShop({ apiKey: MIRAKL_KEY, name: 'Returns Shop' }).shopId;
  const merchant = shipbob.control.world.seedMerchant({ pats: [PAT] });
  shipbob.control.world.seedProduct(merchant.id, { sku: SKU, stock: { 1: 100 } });
  unapprovedShopId = mirakl.control.addShop({
    apiKey: MIRAKL_KEY_UNAPPROVED,
    name: 'Unapproved Shop',
  }).shopId;
  const unapproved = shipbob.control.world.seedMerchant({ pats: [PAT_UNAPPROVED] });
  unapprovedMerchantId = unapproved.id;
  shipbob.control.world.seedProduct(unapproved.id, { sku: SKU, stock: { 1: 100 } });

  const system: FlowSystem = {
    path: process.env['PATH'] ?? '',
    infra: env,
    namespace,
    database,
    encryptionKeys: ENCRYPTION_KEYS,
    adminToken: ADMIN_TOKEN,
    miraklUrl: mirakl.url,
    shipbobUrl: shipbob.url,
  };
  // The reporter first: config-api's REPORTER_URL names its ops port.
  const { PATH, KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGO_URL, MONGO_DB, TOPIC_NAMESPACE } =
    flowServiceEnv('scheduler', system);
  const reporter = await startService('reporter', {
    PATH: PATH!,
    KAFKA_BROKERS: KAFKA_BROKERS!,
    SCHEMA_REGISTRY_URL: SCHEMA_REGISTRY_URL!,
    MONGO_URL: MONGO_URL!,
    MONGO_DB: MONGO_DB!,
    TOPIC_NAMESPACE: TOPIC_NAMESPACE!,
    SMTP_URL: env.SMTP_URL,
    LOG_LEVEL: 'info',
  });
  services.set('reporter', reporter);
  const reporterPort = await reporter.announcedPort('ops endpoint listening');
  const started = await startFlowServices({
    ...system,
    tuning: {
      'config-api': { RELAY_INTERVAL_MS: '200', REPORTER_URL: `http://127.0.0.1:${reporterPort}` },
      scheduler: { SCHEDULER_PROCESS_EVERY_MS: '500' },
      'mirakl-poller': { OR11_MIN_INTERVAL_MS: '300' },
      'sync-applier': { RETRIER_INTERVAL_MS: '500', RETRIER_MAX_BACKOFF_MS: '2000' },
    },
  });
  for (const [name, s] of started) services.set(name, s);
  apiUrl = `http://127.0.0.1:${await services.get('config-api')!.announcedPort('http listening')}`;
  tenantToken = (await createTenant(apiUrl, ADMIN_TOKEN, 'E2E Returns')).token;
}, 240_000);

afterAll(async () => {
  if (driving) clearInterval(driving);
  for (const s of services.values()) await s.stop();
  await mirakl?.close();
  await shipbob?.close();
  await backbone?.close();
});

describe('Sync Returns and the daily report across the services', () => {
  it('an incident becomes one ShipBob return; completed, it is in the next report e-mail, once', async () => {
    storeId = await connectStore(apiUrl, tenantToken, {
      miraklUrl: mirakl.url,
      miraklApiKey: MIRAKL_KEY,
      shipbobPat: PAT,
      toggles: { orders: true, tracking: true },
      pollIntervalMinutes: 1,
    });
    let store = await api('GET', `/v1/stores/${storeId}`);
    store = await callConfigApi(apiUrl, 'PUT', `/v1/stores/${storeId}/returns-approval`, {
      token: ADMIN_TOKEN,
      body: { approved: true },
      ifMatch: store.etag ?? '',
    });
    expect(store.status).toBe(200);
    store = await api('PATCH', `/v1/stores/${storeId}`, {
      ifMatch: store.etag ?? '',
      body: {
        toggles: { returns: true },
        returnFulfillmentCenterId: RETURN_CENTER,
        reportEmail: REPORT_ADDRESS,
      },
    });
    withContext(JSON.stringify(store.body), () => expect(store.status).toBe(200));
    // No approval: config-api refuses the returns toggle without it, so it stays off.
    unapprovedStoreId = await connectStore(apiUrl, tenantToken, {
      miraklUrl: mirakl.url,
      miraklApiKey: MIRAKL_KEY_UNAPPROVED,
      shipbobPat: PAT_UNAPPROVED,
      toggles: { orders: true, tracking: true },
      pollIntervalMinutes: 1,
    });

    const orderId = 'RET-001-A';
    const unapprovedOrderId = 'RET-002-A';
    mirakl.control.createOrder(shopId, { orderId, lines: [{ sku: SKU, quantity: 2 }] });
    mirakl.control.createOrder(unapprovedShopId, {
      orderId: unapprovedOrderId,
      lines: [{ sku: SKU, quantity: 1 }],
    });
    driving = setInterval(() => void requestPolls().catch(() => undefined), 2_000);
    const shipped = (shop: number, id: string) =>
      mirakl.control.snapshot(shop).orders.find((o) => o.orderId === id)?.state === 'SHIPPED';
    await eventually(
      () => shipped(shopId, orderId) && shipped(unapprovedShopId, unapprovedOrderId),
      'both orders shipped in Mirakl with their tracking',
      120_000,
    );

    mirakl.control.openIncident(shopId, orderId, { reasonCode: 'DAMAGED' });
    mirakl.control.openIncident(unapprovedShopId, unapprovedOrderId, { reasonCode: 'DAMAGED' });
    await eventually(() => returnCreates().length >= 1, 'the ShipBob return', 60_000);
    await eventually(
      () =>
        outcomes.some(
          (o) =>
            o.envelope.storeId === unapprovedStoreId &&
            o.flow === 'returns' &&
            o.outcome === 'SKIPPED',
        ),
      "the unapproved store's incident decided",
      60_000,
    );
    expect(
      outcomes.find((o) => o.envelope.storeId === unapprovedStoreId && o.flow === 'returns'),
    ).toMatchObject({ outcome: 'SKIPPED', reason: 'flow-disabled' });
    withContext('no return in the unapproved store’s ShipBob account', () =>
      expect(
        shipbob.control.world.returns.all.filter((r) => r.merchantId === unapprovedMerchantId),
      ).toEqual([]),
    );
    const [ret] = shipbob.control.world.returns.all;
    expect(shipbob.control.world.returns.all).toHaveLength(1);
    expect(ret).toMatchObject({
      fulfillmentCenterId: Number(RETURN_CENTER),
      storeOrderId: orderId,
    });
    expect(ret!.items).toEqual([
      expect.objectContaining({ quantity: 2, requestedAction: 'Default' }),
    ]);

    shipbob.control.world.returns.complete(ret!.id);
    // The reporter's projection has it once the preview (through config-api) lists it.
    await eventually(
      async () => {
        const preview = await api('GET', `/v1/stores/${storeId}/report/preview`);
        return preview.status === 200 && preview.body['returnCount'] === 1;
      },
      'the completed return in the report preview',
      60_000,
    );

    const reportDate = await requestReport();
    await eventually(
      async () => (await mailsTo(REPORT_ADDRESS)).length >= 1,
      'the report e-mail',
      60_000,
    );
    const [mail] = await mailsTo(REPORT_ADDRESS);
    expect(mail!.Subject).toContain('Returns Shop');
    for (const column of [
      'Store Order ID',
      'Reference ID',
      'Fulfillment Center',
      'Action Requested',
      'Action Taken',
    ])
      expect(mail!.HTML).toContain(column);
    for (const value of [orderId, ret!.referenceId, 'Cicero (IL)', 'Default', 'Restock'])
      withContext(`the report lists ${value}`, () => {
        expect(mail!.HTML).toContain(value);
        expect(mail!.Text).toContain(value);
      });
    await eventually(() => reportOutcomes().length >= 1, 'the report outcome');
    expect(reportOutcomes()[0]).toMatchObject({ outcome: 'APPLIED' });

    // The same day again: handled (counted by the reporter's consumer), no second e-mail.
    const reporter = services.get('reporter')!;
    const commands = { topic: `${namespace}scheduler.report.requested.v1`, outcome: 'handled' };
    const handledBefore = await reporter.metric('events_consumed_total', commands);
    await requestReport();
    await eventually(
      async () => (await reporter.metric('events_consumed_total', commands)) > handledBefore,
      'the second command handled',
    );
    expect(await mailsTo(REPORT_ADDRESS)).toHaveLength(1);
    expect(reportOutcomes()).toHaveLength(1);
    const history = await api('GET', `/v1/stores/${storeId}/reports`);
    expect(history.body['items']).toEqual([
      expect.objectContaining({ reportDate, returnCount: 1 }),
    ]);

    // The activity shows the incident's return and its ShipBob status.
    await eventually(async () => {
      const items = (await api('GET', `/v1/stores/${storeId}/activity?flow=returns`)).body[
        'items'
      ] as { returnStatus?: { status: string } | null }[];
      return items.some((e) => e.returnStatus?.status === 'Completed');
    }, 'the return and its Completed status in the activity');
  });
});
