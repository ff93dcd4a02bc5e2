import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import type { Kafka } from 'kafkajs';
import {
  EventCodec,
  RegistryClient,
  bootstrapTopics,
  createEventConsumer,
  createKafka,
  createPublisher,
  envelope,
  physicalTopic,
  type EventConsumer,
  type EventOf,
  type Publisher,
  type SyncOutcomeRecorded,
} from '@msync/events';
import {
  startMiraklSimulator,
  type MiraklSimulatorOptions,
  type RunningMiraklSimulator,
  type ShopSnapshot,
} from '@msync/mirakl-sim';
import {
  startShipBobSimulator,
  type Order as ShipBobOrder,
  type RunningShipBobSimulator,
  type ShipBobSimulatorOptions,
} from '@msync/shipbob-sim';
import { deleteNamespaceTopics } from '@msync/events/test-support';
import { createLogger, errorMessage } from '@msync/platform';
import { infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import { MongoClient } from 'mongodb';
import type { InfraEnv } from '@msync/infra';
import { caughtUp, deleteGroups } from './consumer-groups.js';
import { startService, type ServiceProcess } from './services.js';

// The orders flow on real infrastructure: config-api, scheduler, both pollers and sync-applier
// started from their builds (own topic namespace and database), both vendor simulators in the
// test's process, a tenant and its token, and the helpers the e2e tests read the outcome with.

export const FLOW_SERVICES = [
  'config-api',
  'scheduler',
  'mirakl-poller',
  'shipbob-poller',
  'sync-applier',
] as const;
export type FlowService = (typeof FLOW_SERVICES)[number];

export const SKUS = ['SKU-MUG', 'SKU-BOWL'] as const;

/** The flows a store switches on or off (config-api's `toggles`). */
export type FlowToggle =
  'offers' | 'inventory' | 'orders' | 'tracking' | 'cancellations' | 'returns';

/** A seller's store as both vendors and config-api know it. */
export interface Shop {
  name: string;
  shopId: number;
  apiKey: string;
  pat: string;
  merchantId: number;
  storeId: string;
  orderIds: string[];
}

/** The streams the orders flow polls: Mirakl orders and ShipBob shipments. */
export type PolledStream = 'orders' | 'shipments';
const STREAM_SYSTEM = { orders: 'MIRAKL', shipments: 'SHIPBOB' } as const;

export interface OrdersFlowOptions {
  /** Prefix of the flow's database name. */
  name: string;
  /** `PATH` of the services' processes (they get no other variable of the test's environment). */
  path: string;
  mirakl?: Omit<MiraklSimulatorOptions, 'port' | 'host'>;
  shipbob?: Omit<ShipBobSimulatorOptions, 'port' | 'host'>;
  /** Environment added to (or overriding) a service's own. */
  env?: Partial<Record<FlowService, Record<string, string>>>;
  /** The servers to use (e.g. a private set from `startPrivateInfra`); default the shared ones. */
  infra?: Pick<InfraEnv, 'KAFKA_BROKERS' | 'SCHEMA_REGISTRY_URL' | 'MONGO_URL'>;
}

/** The poll driver's state: its rounds, and what its last round is doing. */
export interface PollDriving {
  rounds: number;
  lastPublishedAt?: string;
  lastPublishError?: string;
  /** Since when the round waits for the pollers to consume its requests (unset when not). */
  waitingForPollersSince?: string;
  lastCatchUpError?: string;
}

export interface OrdersFlow {
  namespace: string;
  database: string;
  kafka: Kafka;
  publisher: Publisher;
  mirakl: RunningMiraklSimulator;
  shipbob: RunningShipBobSimulator;
  /** Every outcome on `sync.outcome.recorded.v1`, in topic order. */
  outcomes: SyncOutcomeRecorded[];
  /** The offset after the last outcome read (what `outcomes` covers). */
  outcomesReadUpTo(): bigint;
  /** The running process of a service. */
  service(name: FlowService): ServiceProcess;
  /** Starts a service that is not running, with the environment it was first started with. */
  start(name: FlowService): Promise<ServiceProcess>;
  stop(name: FlowService): Promise<void>;
  /** SIGKILL; the service stays down until {@link start}. */
  kill(name: FlowService): Promise<void>;
  /** Everything the service's processes wrote so far, the killed ones' included. */
  logs(name: FlowService): string;
  /** Writes every service's {@link logs} to a new folder named `<prefix>…`; returns the folder. */
  writeLogs(prefix: string): string;
  /** config-api's API as the tenant (or, with `token`, the administrator). */
  api(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; ifMatch?: string },
  ): Promise<{ status: number; body: Record<string, unknown>; etag: string | null }>;
  adminToken: string;
  /** A shop in Mirakl and a merchant with the SKUs in ShipBob; connected by {@link connectStore}. */
  addShop(name: string): Shop;
  /** Connects the store with the toggles, polled every minute unless `settings` say otherwise. */
  connectStore(
    shop: Shop,
    toggles: Partial<Record<FlowToggle, boolean>>,
    settings?: Record<string, unknown>,
  ): Promise<void>;
  /** New orders in Mirakl (`<shop>-<nnn>-A`, two lines), waiting for acceptance. */
  createOrders(shop: Shop, count: number): string[];
  /**
   * Sends `PollRequested` for the stores' Mirakl orders and ShipBob shipments (or only the given
   * streams) every `everyMs`, as the scheduler's jobs do, so a test does not wait a whole
   * `pollIntervalMinutes`. A round waits until the pollers of those streams consumed the previous
   * one: on a slow machine (or while such a poller is down) requests do not pile up faster than
   * they are served; a poller of another stream may be down meanwhile.
   */
  drivePolls(shops: readonly Shop[], everyMs: number, streams?: readonly PolledStream[]): void;
  /** Where the poll driver stands (for a stalled test's report). */
  pollDriving(): PollDriving;
  /** One `PollRequested` per store and stream (default both), as a scheduler job sends it. */
  requestPolls(shops: readonly Shop[], streams?: readonly PolledStream[]): Promise<void>;
  stopDrivingPolls(): Promise<void>;
  /** Stops everything the flow started and removes its topics, groups and database. */
  close(): Promise<void>;
}

const quiet = createLogger({ level: 'warn', write: () => undefined });

/** Starts the five services of the orders flow and both simulators; a tenant is created. */
export async function startOrdersFlow(options: OrdersFlowOptions): Promise<OrdersFlow> {
  const env = options.infra ?? infra();
  const namespace = uniqueNamespace();
  const database = uniqueName(options.name).replaceAll('-', '_');
  const adminToken = `e2e-admin-${randomBytes(24).toString('hex')}`;
  const encryptionKeys = `k1:${randomBytes(32).toString('base64')}`;
  const kafka = createKafka({
    brokers: env.KAFKA_BROKERS.split(','),
    clientId: 'e2e',
    logger: quiet,
  });
  const outcomes: SyncOutcomeRecorded[] = [];
  let readUpTo = 0n;
  const services = new Map<FlowService, ServiceProcess>();
  const serviceEnv = new Map<FlowService, Record<string, string>>();
  let driving: { stop(): Promise<void> } | undefined;
  const driverState: PollDriving = { rounds: 0 };
  let tenantToken = '';
  let apiUrl = '';

  // Every topic of the namespace, one partition each: the stores' requests keep their order.
  await bootstrapTopics({ kafka, logger: quiet, namespace, partitions: 1 });
  const codec = new EventCodec(new RegistryClient(env.SCHEMA_REGISTRY_URL), namespace);
  const publisher = createPublisher({ kafka, codec, logger: quiet, namespace });
  await publisher.connect();
  const outcomesConsumer: EventConsumer = createEventConsumer({
    kafka,
    codec,
    logger: quiet,
    groupId: `${namespace}e2e-outcomes`,
    topics: ['syncOutcome'],
    dlqProducer: publisher.producer,
    namespace,
    handle: (event) => {
      outcomes.push(event.value);
      readUpTo = BigInt(event.offset) + 1n;
      return Promise.resolve();
    },
  });
  await outcomesConsumer.start();

  const mirakl = await startMiraklSimulator({
    paymentDelayMs: 500,
    ...options.mirakl,
    port: 0,
    host: '127.0.0.1',
  });
  const shipbob = await startShipBobSimulator({
    // The warehouse labels a shipment a second after the order; ShipBob's own budget per token
    // stays on (150 a minute).
    autopilot: { labelAfterMs: 1_000, shipAfterMs: 1_000, deliverAfterMs: null, carrier: 'UPS' },
    ...options.shipbob,
    port: 0,
    host: '127.0.0.1',
  });

  const common = {
    PATH: options.path,
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL,
    MONGO_URL: env.MONGO_URL,
    MONGO_DB: database,
    TOPIC_NAMESPACE: namespace,
    ENCRYPTION_KEYS: encryptionKeys,
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '10000',
  };
  const own: Record<FlowService, Record<string, string>> = {
    'config-api': {
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      ADMIN_BOOTSTRAP_TOKEN: adminToken,
      MIRAKL_TRUSTED_ORIGINS: new URL(mirakl.url).origin,
      SHIPBOB_BASE_URL: shipbob.url,
      RELAY_INTERVAL_MS: '200',
    },
    scheduler: { SCHEDULER_PROCESS_EVERY_MS: '500' },
    'mirakl-poller': {
      MIRAKL_TRUSTED_HOSTS: '127.0.0.1',
      // Mirakl's once-a-minute OR11 gate shortened so passes follow each other within a test.
      OR11_MIN_INTERVAL_MS: '300',
    },
    'shipbob-poller': { SHIPBOB_BASE_URL: shipbob.url },
    'sync-applier': {
      MIRAKL_TRUSTED_ORIGINS: new URL(mirakl.url).origin,
      SHIPBOB_BASE_URL: shipbob.url,
      RETRIER_INTERVAL_MS: '500',
      RETRIER_MAX_BACKOFF_MS: '2000',
      // The applier's OR11 reads claim the same gate as the poller, at the same interval.
      OR11_MIN_INTERVAL_MS: '300',
    },
  };
  for (const name of FLOW_SERVICES)
    serviceEnv.set(name, { ...common, ...own[name], ...options.env?.[name] });

  const earlierLogs = new Map<FlowService, string>();
  const start = async (name: FlowService): Promise<ServiceProcess> => {
    const running = services.get(name);
    if (running && running.child.exitCode === null && running.child.signalCode === null)
      throw new Error(`${name} is already running`);
    if (running) earlierLogs.set(name, (earlierLogs.get(name) ?? '') + running.output());
    const started = await startService(name, serviceEnv.get(name)!);
    services.set(name, started);
    return started;
  };
  const logs = (name: FlowService): string =>
    (earlierLogs.get(name) ?? '') + (services.get(name)?.output() ?? '');
  const service = (name: FlowService): ServiceProcess => {
    const running = services.get(name);
    if (!running) throw new Error(`${name} was never started`);
    return running;
  };

  const api: OrdersFlow['api'] = async (method, path, call = {}) => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${call.token ?? tenantToken}`,
    };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.ifMatch) headers['if-match'] = call.ifMatch;
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers,
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
      etag: response.headers.get('etag'),
    };
  };

  const requestPolls = async (
    shops: readonly Shop[],
    streams: readonly PolledStream[] = ['orders', 'shipments'],
  ): Promise<void> => {
    for (const shop of shops) {
      for (const stream of streams) {
        const system = STREAM_SYSTEM[stream];
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
  };

  const pollTopic = [physicalTopic('pollRequested', namespace)];
  /** The pollers of the driven streams read every request so far (a stopped one is not waited for). */
  const pollersCaughtUp = async (streams: readonly PolledStream[] = ['orders', 'shipments']) => {
    for (const stream of streams) {
      const poller = STREAM_SYSTEM[stream] === 'MIRAKL' ? 'mirakl-poller' : 'shipbob-poller';
      if (!(await caughtUp(kafka, `${namespace}${poller}`, pollTopic))) return false;
    }
    return true;
  };
  const drive = (shops: readonly Shop[], everyMs: number, streams?: readonly PolledStream[]) => {
    let stopped = false;
    const pause = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
    const rounds = (async () => {
      while (!stopped) {
        const began = Date.now();
        driverState.rounds++;
        await requestPolls(shops, streams).then(
          () => (driverState.lastPublishedAt = new Date().toISOString()),
          (error: unknown) => (driverState.lastPublishError = errorMessage(error)),
        );
        driverState.waitingForPollersSince = new Date().toISOString();
        const pollersDone = () =>
          pollersCaughtUp(streams).catch((error: unknown) => {
            driverState.lastCatchUpError = `${new Date().toISOString()} ${errorMessage(error)}`;
            return false;
          });
        while (!stopped && !(await pollersDone())) await pause(250);
        delete driverState.waitingForPollersSince;
        await pause(began + everyMs - Date.now());
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        await rounds;
      },
    };
  };

  const closeAll = async () => {
    await driving?.stop();
    // Stopped one by one, by their own process ids.
    for (const s of services.values()) await s.stop();
    await outcomesConsumer.stop();
    await publisher.disconnect();
    await mirakl.close();
    await shipbob.close();
    const mongo = new MongoClient(env.MONGO_URL, { retryWrites: false });
    await mongo.connect();
    await mongo
      .db(database)
      .dropDatabase()
      .catch(() => undefined);
    await mongo.close();
    await deleteNamespaceTopics(kafka, namespace);
    await deleteGroups(kafka, namespace);
  };

  try {
    await Promise.all(FLOW_SERVICES.map((name) => start(name)));
    apiUrl = `http://127.0.0.1:${await service('config-api').announcedPort('http listening')}`;
    const tenant = await api('POST', '/v1/tenants', { token: adminToken, body: { name: 'E2E' } });
    expect(tenant.status).toBe(201);
    const token = await api('POST', '/v1/tokens', {
      token: adminToken,
      body: { name: 'e2e', tenantId: tenant.body['id'] },
    });
    expect(token.status).toBe(201);
    tenantToken = String(token.body['token']);
  } catch (error) {
    await closeAll();
    throw error;
  }

  return {
    namespace,
    database,
    kafka,
    publisher,
    mirakl,
    shipbob,
    outcomes,
    outcomesReadUpTo: () => readUpTo,
    service,
    start,
    stop: (name) => service(name).stop(),
    kill: (name) => service(name).kill(),
    logs,
    writeLogs: (prefix) => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      for (const name of FLOW_SERVICES) writeFileSync(join(dir, `${name}.log`), logs(name));
      return dir;
    },
    api,
    adminToken,
    addShop(name) {
      const shop: Shop = {
        name,
        shopId: 0,
        apiKey: `e2e-mirakl-key-${name}-${randomBytes(8).toString('hex')}`,
        pat: `e2e-shipbob-pat-${name}-${randomBytes(8).toString('hex')}`,
        merchantId: 0,
        storeId: '',
        orderIds: [],
      };
      shop.shopId = mirakl.control.addShop({ apiKey: shop.apiKey, name: `Shop ${name}` }).shopId;
      const merchant = shipbob.control.world.seedMerchant({ pats: [shop.pat] });
      shop.merchantId = merchant.id;
      for (const sku of SKUS)
        shipbob.control.world.seedProduct(merchant.id, { sku, stock: { 1: 10_000 } });
      return shop;
    },
    async connectStore(shop, toggles, settings = {}) {
      const connected = await api('POST', '/v1/stores', {
        body: { miraklUrl: mirakl.url, miraklApiKey: shop.apiKey },
      });
      expect(connected.status).toBe(201);
      shop.storeId = String(connected.body['id']);
      const current = await api('GET', `/v1/stores/${shop.storeId}`);
      const configured = await api('PATCH', `/v1/stores/${shop.storeId}`, {
        ifMatch: current.etag ?? '',
        body: { shipbobPat: shop.pat, toggles, pollIntervalMinutes: 1, ...settings },
      });
      expect([configured.status, configured.body['status']]).toEqual([200, 'CONNECTED']);
    },
    createOrders(shop, count) {
      const made: string[] = [];
      for (let i = 0; i < count; i++) {
        const orderId = `${shop.name}-${String(shop.orderIds.length + 1).padStart(3, '0')}-A`;
        mirakl.control.createOrder(shop.shopId, {
          orderId,
          lines: [
            { sku: SKUS[0], quantity: 1 + (i % 3) },
            { sku: SKUS[1], quantity: 1 },
          ],
        });
        shop.orderIds.push(orderId);
        made.push(orderId);
      }
      return made;
    },
    drivePolls(shops, everyMs, streams) {
      if (driving) throw new Error('polls are already being driven');
      driving = drive(shops, everyMs, streams);
    },
    pollDriving: () => ({ ...driverState }),
    requestPolls,
    async stopDrivingPolls() {
      await driving?.stop();
      driving = undefined;
    },
    close: closeAll,
  };
}

/** What the simulators' state and journals say about a flow's shops and orders. */
export function flowReadings(flow: Pick<OrdersFlow, 'mirakl' | 'shipbob' | 'outcomes'>) {
  const { mirakl, shipbob, outcomes } = flow;
  const miraklOrders = (shop: Shop): ShopSnapshot['orders'] =>
    mirakl.control.snapshot(shop.shopId).orders;
  const miraklCalls = (shop: Shop, operation?: string, status?: (code: number) => boolean) =>
    mirakl.control
      .exchanges()
      .filter(
        (e) =>
          e.caller === String(shop.shopId) &&
          (operation === undefined || e.operation === operation) &&
          (status === undefined || status(e.status)),
      ).length;
  /** Successful (2xx) Mirakl calls of an operation (e.g. OR21, OR24) per order id of their path. */
  const miraklOkCallsPerOrder = (operation: string): Map<string, number> => {
    const perOrder = new Map<string, number>();
    for (const e of mirakl.control.exchanges()) {
      if (e.operation !== operation || e.status < 200 || e.status >= 300) continue;
      const orderId = decodeURIComponent(e.path.split('/')[3] ?? '');
      perOrder.set(orderId, (perOrder.get(orderId) ?? 0) + 1);
    }
    return perOrder;
  };
  const shipbobCalls = (shop: Shop) =>
    shipbob.control.exchanges().filter((e) => e.caller === String(shop.merchantId)).length;
  /** ShipBob orders created per reference id, as the simulator counted them. */
  const shipbobCreates = (referenceId: string) =>
    shipbob.control.world.orderCreates(referenceId).created;
  /** ShipBob's orders by reference id (one per reference id unless something doubled). */
  const shipbobOrdersByReference = (): Map<string, ShipBobOrder[]> => {
    const byReference = new Map<string, ShipBobOrder[]>();
    for (const order of shipbob.control.world.orders)
      byReference.set(order.referenceId, [...(byReference.get(order.referenceId) ?? []), order]);
    return byReference;
  };
  const shipbobOrder = (referenceId: string) =>
    shipbob.control.world.orders.find((o) => o.referenceId === referenceId);
  const outcomesOf = (shop: Shop, flowName: string, outcome: string) =>
    outcomes.filter(
      (o) => o.envelope.storeId === shop.storeId && o.flow === flowName && o.outcome === outcome,
    );

  /** The given orders of the shop that are SHIPPED in Mirakl with the tracking of ShipBob's label. */
  const shippedWithTrackingCount = (shop: Shop, orderIds: readonly string[]): number => {
    const byId = new Map(miraklOrders(shop).map((o) => [o.orderId, o]));
    const labels = new Map(
      shipbob.control.world.orders
        .filter((o) => o.merchantId === shop.merchantId)
        .map((o) => [o.referenceId, o.shipments[0]?.tracking ?? null]),
    );
    return orderIds.filter((id) => {
      const order = byId.get(id);
      const label = labels.get(id);
      return (
        order?.state === 'SHIPPED' &&
        label !== undefined &&
        label !== null &&
        order.tracking?.trackingNumber === label.trackingNumber
      );
    }).length;
  };
  const shippedWithTracking = (shop: Shop, orderIds: readonly string[]): boolean =>
    shippedWithTrackingCount(shop, orderIds) === orderIds.length;

  return {
    miraklOrders,
    miraklCalls,
    miraklOkCallsPerOrder,
    shipbobCalls,
    shipbobCreates,
    shipbobOrdersByReference,
    shipbobOrder,
    outcomesOf,
    shippedWithTrackingCount,
    shippedWithTracking,
  };
}
