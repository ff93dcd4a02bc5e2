import { hostname } from 'node:os';
import type { Db } from 'mongodb';
import type { Kafka } from 'kafkajs';
import {
  createEventConsumer,
  type EventCodec,
  type EventConsumer,
  type Publisher,
} from '@msync/events';
import type { Express } from 'express';
import { groupWrites, Registry, type Logger } from '@msync/platform';
import { AccessService } from './access.js';
import { MongoAccess } from './adapters/mongo-access.js';
import { MongoStores } from './adapters/mongo-stores.js';
import { createShipBobSharedBudget } from '@msync/shipbob';
import { createSecretBox, type EncryptionKey } from '@msync/stores';
import { miraklGateway, shipbobGateway, systemResolver } from './adapters/vendor-gateways.js';
import type { HostResolver, MiraklGateway, ShipBobGateway } from './domain/ports.js';
import type { UrlPolicy } from '@msync/mirakl';
import { createHttpApp } from './http/app.js';
import { createRelay, type Relay } from './relay.js';
import type { BackgroundLoop } from './background-loop.js';
import { createWebhookSubscriptions } from './webhook-subscriptions.js';
import { StoreService } from './stores.js';
import { configApiMetrics, type ConfigApiMetrics } from './metrics.js';
import { ActivityService, DEFAULT_ACTIVITY_RETENTION_DAYS, startPruning } from './activity.js';
import { MongoActivity } from './adapters/mongo-activity.js';
import { ACTIVITY_TOPICS, type ActivityEvent } from './domain/activity-events.js';
import { reporterClient } from './adapters/reporter-client.js';
import { ReportsService } from './reports.js';
import { applierClient } from './adapters/applier-client.js';
import { CatalogService } from './catalog.js';
import { ReconcileService } from './reconcile.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Consumer group of the activity projection, after the topic namespace (one per database). */
export const ACTIVITY_GROUP = 'config-api-activity';
/**
 * Events the activity projection holds decoded per partition (ADR 0126): the backbone's 5,000
 * kept 65 MB of fetched outcomes while it caught up with a catalog's first cycle.
 */
const DEFAULT_ACTIVITY_MAX_UNFINISHED = 2_000;
/** Events projected in one group write (ADR 0099). */
const ACTIVITY_GROUP_WRITE = 500;
/** Positions of events projected with their batch and not handled yet, at most (ADR 0127). */
const MAX_PROJECTED_AHEAD = 100_000;

export interface ConfigApiOptions {
  db: Db;
  publisher: Publisher;
  logger: Logger;
  encryptionKeys: readonly EncryptionKey[];
  adminBootstrapToken: string;
  urlPolicy: UrlPolicy;
  shipbobBaseUrl: string;
  relayIntervalMs: number;
  /** The service's Prometheus registry; a private one when absent. */
  metrics?: Registry;
  /** Replaceable for tests that need a fixed DNS answer; the system resolver otherwise. */
  resolver?: HostResolver;
  mirakl?: MiraklGateway;
  shipbob?: ShipBobGateway;
  /** Cap on the vendor calls of one request (credential checks); default 10 s. */
  verificationDeadlineMs?: number;
  /**
   * Where ShipBob reaches shipbob-poller's webhook receiver; without it no store is subscribed
   * and every store runs on polling alone (ADR 0064).
   */
  publicWebhookBaseUrl?: string | null;
  /** How often each store's webhook subscription is checked against ShipBob; default 15 min. */
  webhookCheckIntervalMs?: number;
  /** How soon a failed check is tried again; default 60 s. */
  webhookRetryAfterMs?: number;
  /**
   * Where the activity projection reads outcomes and order facts; without it the activity API
   * answers from what is stored and nothing new is projected.
   */
  events?: { kafka: Kafka; codec: EventCodec; namespace: string; groupId?: string };
  /** Activity kept this long (default 90 days). */
  activityRetentionMs?: number;
  /** How often the prune runs (default hourly). */
  activityPruneIntervalMs?: number;
  /** Events the projection holds decoded per partition while it catches up (default 2,000). */
  activityMaxUnfinishedPerPartition?: number;
  /** The projection's clock (retention and the waiting-order gauge). */
  now?: () => Date;
  /**
   * The reporter's ops address (`REPORTER_URL`): report preview, test send and history go there
   * (ADR 0072); without it those operations answer 503.
   */
  reporterUrl?: string | null;
  /**
   * The sync-applier's ops address (`APPLIER_URL`): the seller's catalog view is asked there
   * (ADR 0089); without it those operations answer 503.
   */
  applierUrl?: string | null;
}

export interface ConfigApi {
  /** The HTTP API and UI (an express app, usable as a `node:http` request listener). */
  app: Express;
  relay: Relay;
  /** Keeps the stores' ShipBob webhook subscriptions as their configuration wants (not started). */
  webhooks: BackgroundLoop;
  stores: MongoStores;
  service: StoreService;
  access: AccessService;
  activity: ActivityService;
  /** Consumes the outcome and order-fact topics (when `events` was given) and prunes. */
  activityFeed: ActivityFeed;
  metrics: ConfigApiMetrics;
}

export interface ActivityFeed {
  /** Starts the consumer (resolves once it joined its group) and the hourly prune. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly consumer: EventConsumer | undefined;
}

/** Wires config-api on its dependencies: the HTTP app plus the publication relay (not started). */
export async function createConfigApi(options: ConfigApiOptions): Promise<ConfigApi> {
  const logger = options.logger;
  const registry = options.metrics ?? new Registry();
  const metrics = configApiMetrics(registry);
  logger.addSecret(options.adminBootstrapToken);
  const stores = new MongoStores(options.db);
  const accessStore = new MongoAccess(options.db);
  const activityStore = new MongoActivity(options.db);
  await Promise.all([
    stores.ensureIndexes(),
    accessStore.ensureIndexes(),
    activityStore.ensureIndexes(),
  ]);
  const relay = createRelay({
    stores,
    publisher: options.publisher,
    logger,
    intervalMs: options.relayIntervalMs,
    metrics,
  });
  const shipbob =
    options.shipbob ??
    shipbobGateway({
      baseUrl: options.shipbobBaseUrl,
      logger,
      budget: createShipBobSharedBudget(options.db, {
        holder: `config-api@${hostname()}:${process.pid}`,
      }),
    });
  const secrets = createSecretBox(options.encryptionKeys);
  const checkIntervalMs = options.webhookCheckIntervalMs ?? 15 * 60_000;
  const webhooks = createWebhookSubscriptions({
    stores,
    shipbob,
    secrets,
    publicBaseUrl: options.publicWebhookBaseUrl ?? null,
    checkIntervalMs,
    retryAfterMs: options.webhookRetryAfterMs ?? 60_000,
    loopIntervalMs: Math.min(10_000, checkIntervalMs),
    logger,
    metrics,
  });
  const service = new StoreService({
    stores,
    mirakl:
      options.mirakl ??
      miraklGateway({
        logger,
        // The simulators and local runs config-api may call are the ones it lets stores use.
        trustedHosts: options.urlPolicy.trustedOrigins.map((origin) => new URL(origin).hostname),
      }),
    shipbob,
    resolver: options.resolver ?? systemResolver,
    secrets,
    urlPolicy: options.urlPolicy,
    logger,
    onChange: () => {
      relay.kick();
      webhooks.kick();
    },
    ...(options.verificationDeadlineMs !== undefined
      ? { verificationDeadlineMs: options.verificationDeadlineMs }
      : {}),
  });
  const access = new AccessService(accessStore, options.adminBootstrapToken);
  const activity = new ActivityService({
    store: activityStore,
    stores: service,
    metrics,
    logger: logger.child({ component: 'activity' }),
    retentionMs: options.activityRetentionMs ?? DEFAULT_ACTIVITY_RETENTION_DAYS * DAY_MS,
    ...(options.now ? { now: options.now } : {}),
  });
  activity.bindWaitingGauge();
  const reports = new ReportsService({
    stores: service,
    reporter: options.reporterUrl ? reporterClient({ baseUrl: options.reporterUrl, logger }) : null,
  });
  const catalog = new CatalogService({
    stores: service,
    applier: options.applierUrl ? applierClient({ baseUrl: options.applierUrl, logger }) : null,
  });
  const reconcile = new ReconcileService({
    stores: service,
    publisher: options.publisher,
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
  const app = createHttpApp({
    stores: service,
    access,
    activity,
    reports,
    catalog,
    reconcile,
    logger,
    metrics,
  });
  const activityFeed = createActivityFeed(options, activity, registry, metrics);
  return { app, relay, webhooks, stores, service, access, activity, activityFeed, metrics };
}

function createActivityFeed(
  options: ConfigApiOptions,
  activity: ActivityService,
  registry: Registry,
  metrics: ConfigApiMetrics,
): ActivityFeed {
  const logger = options.logger.child({ component: 'activity' });
  // Events handled at the same time are written together (ADR 0099).
  const projectGrouped = groupWrites((events: ActivityEvent[]) => activity.projectMany(events), {
    maxItems: ACTIVITY_GROUP_WRITE,
    maxDelayMs: 50,
  });
  // Each fetched batch joins the group writes as a whole as it arrives (ADR 0127); its lanes then
  // only confirm. Joining one event at a time from each store's lane, one store's events went at
  // about 20 a second whatever the lag. An event its batch's projection missed (the write
  // failed) is projected on its own: projecting is idempotent, so one projected twice counts as
  // a duplicate, and one remembered after its partition moved away only takes a little memory
  // (forgotten past `MAX_PROJECTED_AHEAD`).
  const projectedAhead = new Set<string>();
  const positionOf = (event: { topic: string; partition: number; offset: string }) =>
    `${event.topic}|${event.partition}|${event.offset}`;
  const consumer = options.events
    ? createEventConsumer({
        kafka: options.events.kafka,
        codec: options.events.codec,
        namespace: options.events.namespace,
        groupId: options.events.groupId ?? `${options.events.namespace}${ACTIVITY_GROUP}`,
        topics: ACTIVITY_TOPICS,
        logger,
        dlqProducer: options.publisher.producer,
        metrics: registry,
        fromBeginning: true,
        // Stores are independent and a timeline's writes commute, so keys go side by side and
        // more events meet in one group write.
        keysConsumedConcurrently: 8,
        maxUnfinishedPerPartition:
          options.activityMaxUnfinishedPerPartition ?? DEFAULT_ACTIVITY_MAX_UNFINISHED,
        prefetch: async (events) => {
          await Promise.all(events.map((event) => projectGrouped(event)));
          if (projectedAhead.size + events.length > MAX_PROJECTED_AHEAD) projectedAhead.clear();
          for (const event of events) projectedAhead.add(positionOf(event));
        },
        handle: async (event) => {
          if (projectedAhead.delete(positionOf(event))) return;
          await projectGrouped(event);
        },
      })
    : undefined;
  let pruning: { stop(): Promise<void> } | undefined;
  return {
    consumer,
    start: async () => {
      await consumer?.start();
      pruning ??= startPruning({
        activity,
        intervalMs: options.activityPruneIntervalMs ?? 60 * 60_000,
        logger,
        metrics,
      });
    },
    stop: async () => {
      await pruning?.stop();
      pruning = undefined;
      await consumer?.stop();
    },
  };
}
