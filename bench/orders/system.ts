/**
 * The orders scenario shared by `npm run bench -- orders` and `npm run soak`: the five services
 * of the orders flow started from their builds (environment only, production intervals), both
 * simulators in this process at Mirakl's documented call frequencies, and many stores, each with
 * its own Mirakl shop and ShipBob merchant and token, connected through config-api's HTTP API.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import {
  EventCodec,
  RegistryClient,
  bootstrapTopics,
  createEventConsumer,
  createKafka,
  createPublisher,
  type EventConsumer,
  type Publisher,
  type SyncOutcomeRecorded,
} from '@msync/events';
import {
  DOCUMENTED_CALL_FREQUENCY,
  startMiraklSimulator,
  type RunningMiraklSimulator,
} from '@msync/mirakl-sim';
import { createLogger, errorMessage } from '@msync/platform';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import {
  context,
  down,
  freePort,
  up,
  type InfraEnv,
  type MongoBackend,
} from '../../tools/infra/src/index.js';
import { callConfigApi, connectStore, createTenant } from '../../tests/e2e/support/config-api.js';
import {
  FLOW_SERVICES,
  startFlowService,
  type FlowService,
  type FlowSystem,
} from '../../tests/e2e/support/flow-services.js';
import { pollRequest } from '../../tests/e2e/support/backbone.js';
import type {
  MetricQuery,
  MetricSample,
  ServiceProcess,
} from '../../tests/e2e/support/services.js';
import { ProcessSampler } from './process-sampler.js';
import { Timeline } from './timeline.js';

export interface ScenarioSettings {
  /** Stores that receive orders. */
  stores: number;
  /** Stores connected the same way that receive none (calls per idle store). */
  idleStores: number;
  /** New orders per minute in each busy store. */
  ordersPerMinute: number;
  /** Acceptance → payment confirmed (`SHIPPING`) in the Mirakl simulator. */
  paymentDelayMs: number;
  /**
   * ShipBob order → label bought, then label → shipped, by the simulator's warehouse; `null`:
   * no autopilot, labels only through the control API (`shipbobSim.control.world`).
   */
  labelAfterMs: number | null;
  shipAfterMs: number;
  /**
   * `shared`: the infrastructure's MongoDB (`MONGO_URL` or tools/infra's FerretDB). A backend: a
   * FerretDB of this run's own on that backend (ADR 0083), in a temporary folder on free ports,
   * stopped and deleted at the end.
   */
  backend: 'shared' | MongoBackend;
  /** Every store's `pollIntervalMinutes`; default POLL_INTERVAL_MINUTES. */
  pollIntervalMinutes?: number;
  /**
   * ShipBob webhooks on: config-api subscribes each store (`PUBLIC_WEBHOOK_BASE_URL`) to
   * shipbob-poller's receiver on this port, and the simulator delivers them. Unset: webhooks
   * off (no subscription, delivery switched off), tracking by polling alone.
   */
  webhookPort?: number;
  /** Start of the run's topic namespace and database names; default `bench-orders`. */
  runName?: string;
  /** The services' PATH (all they take from this process's environment). */
  path: string;
  say: (line: string) => void;
  /** The toggles every store is connected with; default Order Sync and Tracking. */
  toggles?: Record<string, boolean>;
  /**
   * `per-store` (default): every store its own ShipBob merchant and token. `shared`: one
   * merchant and token held by every store (one ShipBob account, ADR 0075).
   */
  accounts?: 'per-store' | 'shared';
  /**
   * Seeds a store's catalog once its shop and merchant exist (`newAccount`: the merchant was
   * made for it); unset, every merchant gets the orders' two SKUs.
   */
  seedStore?: (store: BenchStore, newAccount: boolean) => void;
  /** Variables added to one service's environment (the bench's own production departures). */
  tuning?: FlowSystem['tuning'];
  /** Called with every `SyncOutcomeRecorded`, after the timeline. */
  onOutcome?: (outcome: SyncOutcomeRecorded) => void;
}

export interface BenchStore {
  index: number;
  idle: boolean;
  shopId: number;
  merchantId: number;
  storeId: string;
  ordersMade: number;
}

export const POLL_INTERVAL_MINUTES = 1;
const SKUS = ['BENCH-MUG', 'BENCH-BOWL'];
const quiet = createLogger({ level: 'error', write: () => undefined });

/** A running scenario: the system, the simulators, the stores and what was observed. */
export class OrdersRun {
  readonly timeline = new Timeline();
  /** RSS and CPU of the services, this process (the simulators) and the shared servers. */
  readonly processes = new ProcessSampler();
  readonly stores: BenchStore[] = [];
  readonly services = new Map<FlowService, ServiceProcess>();
  private feed: NodeJS.Timeout | undefined;
  private outcomes: EventConsumer | undefined;
  private publisher: Publisher | undefined;
  private mirakl: RunningMiraklSimulator | undefined;
  private shipbob: RunningShipBobSimulator | undefined;
  private system: FlowSystem | undefined;
  private own:
    { ctx: ReturnType<typeof context>; ports: { mongo: number; postgresql: number } } | undefined;
  private apiUrl = '';
  private tenantToken = '';
  private readonly adminToken = `bench-admin-${randomBytes(24).toString('hex')}`;
  private readonly runId: string;
  private readonly keys = new Map<number, { apiKey: string; pat: string }>();

  constructor(readonly settings: ScenarioSettings) {
    const name = settings.runName ?? 'bench-orders';
    this.runId = `${name}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  }

  /** The run's topic namespace (`<runName>-<id>.`). */
  get namespace(): string {
    return `${this.runId}.`;
  }

  get pollIntervalMinutes(): number {
    return this.settings.pollIntervalMinutes ?? POLL_INTERVAL_MINUTES;
  }

  get miraklSim(): RunningMiraklSimulator {
    return this.mirakl!;
  }

  get shipbobSim(): RunningShipBobSimulator {
    return this.shipbob!;
  }

  /**
   * A run stopped with Ctrl-C or SIGTERM stops what it started (services, its own FerretDB and
   * PostgreSQL) and removes its topics and database before it exits, as at its end.
   */
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.settings.say(`${signal}: stopping the run's services and servers`);
    void this.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };

  /** Infrastructure, topics, simulators with every shop and merchant, the services, a tenant. */
  async start(): Promise<void> {
    const { settings } = this;
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    const shared = await up({ ctx: context((l) => settings.say(`[infra] ${l}`)) });
    const env = settings.backend === 'shared' ? shared.env : await this.ownMongo(shared.env);
    const namespace = `${this.runId}.`;
    const kafka = createKafka({
      brokers: env.KAFKA_BROKERS.split(','),
      clientId: 'bench',
      logger: quiet,
    });
    // The catalog's partition counts, as in production.
    await bootstrapTopics({ kafka, logger: quiet, namespace });
    const codec = new EventCodec(new RegistryClient(env.SCHEMA_REGISTRY_URL), namespace);
    this.publisher = createPublisher({ kafka, codec, logger: quiet, namespace });
    await this.publisher.connect();
    this.outcomes = createEventConsumer({
      kafka,
      codec,
      logger: quiet,
      groupId: `${namespace}bench-outcomes`,
      topics: ['syncOutcome'],
      dlqProducer: this.publisher.producer,
      namespace,
      handle: (event) => {
        this.timeline.onOutcome(event.value);
        settings.onOutcome?.(event.value);
        return Promise.resolve();
      },
    });
    await this.outcomes.start();

    this.mirakl = await startMiraklSimulator({
      port: 0,
      host: '127.0.0.1',
      paymentDelayMs: settings.paymentDelayMs,
      // Mirakl's contract: OR11 once a minute per shop; faster calls get 429.
      callFrequencyMs: DOCUMENTED_CALL_FREQUENCY,
      // The timeline keeps what it needs from each exchange; the journals keep none: an entry
      // holds its answer's body, which at catalog scale would live on into the old generation.
      journalLimit: 0,
    });
    const webhooks = settings.webhookPort !== undefined;
    this.shipbob = await startShipBobSimulator({
      port: 0,
      host: '127.0.0.1',
      ...(settings.labelAfterMs === null
        ? {}
        : {
            autopilot: {
              labelAfterMs: settings.labelAfterMs,
              shipAfterMs: settings.shipAfterMs,
              deliverAfterMs: null,
              carrier: 'UPS',
            },
          }),
      // ShipBob's own retry schedule (5 s, 5 min, …) and 15 s timeout.
      webhooks: { deliver: webhooks },
      journalLimit: 0,
    });
    this.mirakl.control.onExchange((e) => this.timeline.onMirakl(e));
    this.shipbob.control.onExchange((e) => this.timeline.onShipBob(e));
    this.shipbob.control.world.onEvent((e) => this.timeline.onWarehouse(e, Date.now()));

    const total = settings.stores + settings.idleStores;
    const world = this.shipbob.control.world;
    let account: { pat: string; merchantId: number } | undefined;
    for (let index = 0; index < total; index++) {
      const apiKey = `bench-mirakl-key-${index}-${randomBytes(8).toString('hex')}`;
      const { shopId } = this.mirakl.control.addShop({ apiKey, name: `Bench shop ${index}` });
      const newAccount = account === undefined || settings.accounts !== 'shared';
      if (newAccount) {
        const pat = `bench-shipbob-pat-${index}-${randomBytes(8).toString('hex')}`;
        account = { pat, merchantId: world.seedMerchant({ pats: [pat] }).id };
        if (!settings.seedStore)
          for (const sku of SKUS)
            world.seedProduct(account.merchantId, { sku, stock: { 1: 100_000_000 } });
      }
      this.keys.set(index, { apiKey, pat: account!.pat });
      const store: BenchStore = {
        index,
        idle: index >= settings.stores,
        shopId,
        merchantId: account!.merchantId,
        storeId: '',
        ordersMade: 0,
      };
      this.stores.push(store);
      settings.seedStore?.(store, newAccount);
    }

    this.system = {
      path: settings.path,
      infra: env,
      namespace,
      database: this.runId.replaceAll('-', '_'),
      encryptionKeys: `k1:${randomBytes(32).toString('base64')}`,
      adminToken: this.adminToken,
      miraklUrl: this.mirakl.url,
      shipbobUrl: this.shipbob.url,
      ...(settings.webhookPort === undefined
        ? { tuning: settings.tuning ?? {} }
        : {
            tuning: {
              ...settings.tuning,
              'config-api': { PUBLIC_WEBHOOK_BASE_URL: `http://127.0.0.1:${settings.webhookPort}` },
              'shipbob-poller': {
                WEBHOOK_PORT: String(settings.webhookPort),
                WEBHOOK_HOST: '127.0.0.1',
              },
            },
          }),
    };
    settings.say(`starting ${FLOW_SERVICES.join(', ')} (namespace ${namespace})`);
    await Promise.all(FLOW_SERVICES.map((name) => this.startService(name)));
    this.apiUrl = `http://127.0.0.1:${await this.services.get('config-api')!.announcedPort('http listening')}`;
    this.tenantToken = (await createTenant(this.apiUrl, this.adminToken, 'Bench')).token;
    this.processes.watch('simulators + bench', process.pid);
    if (this.own) {
      // The report's header names the backend.
      this.processes.watchCommand(
        'FerretDB (own)',
        `--listen-addr=127.0.0.1:${this.own.ports.mongo} `,
      );
      // PostgreSQL forks a process per connection: its CPU time is the whole tree's.
      if (settings.backend === 'postgresql')
        this.processes.watchCommand('PostgreSQL (own)', `-p ${this.own.ports.postgresql} `, {
          children: true,
        });
    } else this.processes.watchCommand('FerretDB (shared)', '/bin/ferretdb');
    this.processes.watchCommand('Kafka (shared)', 'kafka.Kafka ');
    this.processes.start();
  }

  /** Starts a FerretDB of this run's own on `settings.backend`; the other servers stay shared. */
  private async ownMongo(shared: InfraEnv): Promise<InfraEnv> {
    const backend = this.settings.backend as MongoBackend;
    const state = mkdtempSync(join(tmpdir(), `${this.runId}-`));
    // As root, PostgreSQL runs as the postgres user, who must be able to reach the folder.
    chmodSync(state, 0o755);
    const base = context((l) => this.settings.say(`[own ${backend}] ${l}`));
    const ports = { mongo: await freePort(), postgresql: await freePort() };
    const ctx = { ...base, state, ports: { ...base.ports, ...ports }, mongoBackend: backend };
    this.own = { ctx, ports };
    const { env } = await up({
      ctx,
      env: {
        KAFKA_BROKERS: shared.KAFKA_BROKERS,
        SCHEMA_REGISTRY_URL: shared.SCHEMA_REGISTRY_URL,
        SMTP_URL: shared.SMTP_URL,
      },
    });
    this.settings.say(`own FerretDB on ${backend} at ${env.MONGO_URL} (state ${state})`);
    return { ...shared, MONGO_URL: env.MONGO_URL };
  }

  /**
   * Connects every store through config-api (`toggles`, default Order Sync and Tracking on,
   * polled every `pollIntervalMinutes`), spread over `spreadMs` as real sellers' connection times are spread: the scheduler's first
   * poll of a store is at once, so each store keeps the phase it was connected at.
   */
  async connectStores(spreadMs: number): Promise<void> {
    const started = Date.now();
    const { stores } = this;
    for (const store of stores) {
      const due = started + (store.index * spreadMs) / stores.length;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const keys = this.keys.get(store.index)!;
      store.storeId = await connectStore(this.apiUrl, this.tenantToken, {
        miraklUrl: this.miraklSim.url,
        miraklApiKey: keys.apiKey,
        shipbobPat: keys.pat,
        toggles: this.settings.toggles ?? { orders: true, tracking: true },
        pollIntervalMinutes: this.pollIntervalMinutes,
      });
    }
    this.settings.say(
      `${stores.length} stores connected in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  }

  /** Asks for a poll of one stream of each of these stores in one publish: all at once. */
  async requestPolls(
    stores: readonly BenchStore[],
    system: 'MIRAKL' | 'SHIPBOB',
    stream: string,
  ): Promise<void> {
    await this.publisher!.publish(
      'pollRequested',
      stores.map((store) => pollRequest(store.storeId, system, stream)),
    );
  }

  /** The store's `tracking.mode` as config-api answers it (`webhooks` or `polling`). */
  async trackingMode(store: BenchStore): Promise<string | undefined> {
    const answer = await callConfigApi(this.apiUrl, 'GET', `/v1/stores/${store.storeId}`, {
      token: this.tenantToken,
    });
    return (answer.body['tracking'] as { mode?: string } | undefined)?.mode;
  }

  /** Every busy store gets `ordersPerMinute` new orders a minute, each store at its own phase. */
  startFeed(): void {
    const periodMs = 60_000 / this.settings.ordersPerMinute;
    const now = Date.now();
    const next = new Map(
      this.stores.filter((s) => !s.idle).map((s) => [s, now + Math.random() * periodMs]),
    );
    this.feed = setInterval(() => {
      const at = Date.now();
      for (const [store, due] of next) {
        if (due > at) continue;
        this.createOrder(store);
        next.set(store, due + periodMs);
      }
    }, 100);
  }

  stopFeed(): void {
    clearInterval(this.feed);
  }

  private createOrder(store: BenchStore): void {
    store.ordersMade += 1;
    const n = store.ordersMade;
    const commercialId = `S${String(store.index).padStart(3, '0')}N${String(n).padStart(5, '0')}`;
    const orderId = `${commercialId}-A`;
    // Appeared: the order exists in Mirakl from this moment.
    this.timeline.appeared(orderId, store.index, Date.now());
    this.miraklSim.control.createOrder(store.shopId, {
      orderId,
      commercialId,
      lines: [
        { sku: SKUS[0]!, quantity: 1 + (n % 3) },
        ...(n % 2 === 0 ? [{ sku: SKUS[1]!, quantity: 1 }] : []),
      ],
    });
  }

  /** Kills a service with SIGKILL (no shutdown at all) and starts it again. */
  async kill(name: FlowService, downMs: number): Promise<void> {
    const service = this.services.get(name)!;
    service.child.kill('SIGKILL');
    await service.exited;
    await new Promise((r) => setTimeout(r, downMs));
    await this.startService(name);
  }

  private async startService(name: FlowService): Promise<void> {
    const service = await startFlowService(name, this.system!);
    this.services.set(name, service);
    this.processes.watch(name, service.child.pid);
  }

  /**
   * Median milliseconds of an insert and a read by `_id` in this run's database (where the
   * services work) and in an empty one of the same server: how long the database makes each
   * of the services' steps wait.
   */
  async databaseProbe(): Promise<Record<'run' | 'empty', { insertMs: number; readMs: number }>> {
    const system = this.system!;
    const mongo = new MongoClient(system.infra.MONGO_URL, { retryWrites: false });
    await mongo.connect();
    const probe = async (dbName: string) => {
      const collection = mongo.db(dbName).collection<{ _id: string }>('bench_probe');
      const inserts: number[] = [];
      const reads: number[] = [];
      for (let i = 0; i < 9; i++) {
        const _id = `probe-${i}-${randomBytes(4).toString('hex')}`;
        let started = performance.now();
        await collection.insertOne({ _id });
        inserts.push(performance.now() - started);
        started = performance.now();
        await collection.findOne({ _id });
        reads.push(performance.now() - started);
      }
      await collection.drop().catch(() => undefined);
      const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
      return { insertMs: median(inserts), readMs: median(reads) };
    };
    try {
      const run = await probe(system.database);
      const emptyDb = `${system.database}_probe`;
      const empty = await probe(emptyDb);
      await mongo.db(emptyDb).dropDatabase();
      return { run, empty };
    } finally {
      await mongo.close();
    }
  }

  /** The sum of a metric's samples of one service (0 when it has none). */
  metric(name: FlowService, metric: string, labels?: Record<string, string>): Promise<number> {
    return this.services.get(name)!.metric(metric, labels);
  }

  /** {@link OrdersRun.metric} of each query, from one scrape of the service. */
  metrics(name: FlowService, queries: readonly MetricQuery[]): Promise<number[]> {
    return this.services.get(name)!.metrics(queries);
  }

  /** Each sample of a metric of one service, with its labels. */
  samples(name: FlowService, metric: string): Promise<MetricSample[]> {
    return this.services.get(name)!.samples(metric);
  }

  private closing: Promise<void> | undefined;

  /**
   * Stops everything this run started and deletes its topics and database; once, however many
   * callers ask (a signal's close and the run's own end may meet).
   */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    this.stopFeed();
    this.processes.stop();
    for (const service of this.services.values()) await service.stop();
    await this.outcomes?.stop();
    await this.publisher?.disconnect();
    await this.mirakl?.close();
    await this.shipbob?.close();
    try {
      await this.closeSystem();
    } finally {
      if (this.own) {
        await down({ ctx: this.own.ctx });
        rmSync(this.own.ctx.state, { recursive: true, force: true });
      }
    }
  }

  private async closeSystem(): Promise<void> {
    const system = this.system;
    if (!system) return;
    // A database that no longer answers must not keep the run's topics in the shared Kafka.
    const mongo = new MongoClient(system.infra.MONGO_URL, {
      retryWrites: false,
      serverSelectionTimeoutMS: 10_000,
    });
    try {
      await mongo.connect();
      await mongo.db(system.database).dropDatabase();
    } catch (error) {
      this.settings.say(`could not drop the database ${system.database}: ${errorMessage(error)}`);
    } finally {
      await mongo.close().catch(() => undefined);
    }
    const kafka = createKafka({
      brokers: system.infra.KAFKA_BROKERS.split(','),
      clientId: 'bench',
      logger: quiet,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(system.namespace));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
    } finally {
      await admin.disconnect();
    }
  }
}
