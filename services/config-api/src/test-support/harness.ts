import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient, type Db } from 'mongodb';
import type { Consumer, Kafka } from 'kafkajs';
import {
  FETCH_MAX_WAIT_MS,
  EventCodec,
  RegistryClient,
  bootstrapTopics,
  createKafka,
  createPublisher,
  physicalTopic,
  type EventOf,
  type Publisher,
  type TopicKey,
} from '@msync/events';
import { deleteNamespaceTopics } from '@msync/events/test-support';
import type { Logger } from '@msync/platform';
import { startMiraklSimulator, type RunningMiraklSimulator } from '@msync/mirakl-sim';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import type { InfraEnv } from '../../../../tools/infra/src/index.js';
import { eventually } from '@msync/test-support';
import { createConfigApi, type ConfigApi, type ConfigApiOptions } from '../service.js';
import type { HostResolver } from '../domain/ports.js';
import { ACTIVITY_TOPICS } from '../domain/activity-events.js';

export const ADMIN_TOKEN = 'admin-bootstrap-token-for-tests-0123456789abcdef';
export const KEY_A = Buffer.alloc(32, 7).toString('base64');
export const KEY_B = Buffer.alloc(32, 9).toString('base64');

type Received = {
  [K in 'storeConfigChanged' | 'pollRequested']: { topic: K; key: string; event: EventOf<K> };
}['storeConfigChanged' | 'pollRequested'];

/** Every store-config-changed and poll-requested event of one test namespace, decoded. */
export class EventLog {
  readonly received: Received[] = [];
  /** Next offset to read, per `topic:partition`: what the collector has consumed so far. */
  readonly consumed = new Map<string, number>();
  /** Set by the harness: reads the topics' end offsets. */
  endOffsets: () => Promise<Map<string, number>> = () => Promise.resolve(new Map<string, number>());

  /**
   * Resolves once the collector has read everything the broker holds right now, so "no event"
   * means none was published (an assertion on counted offsets, not on a sleep).
   */
  async caughtUp(timeoutMs = 30_000): Promise<void> {
    const ends = await this.endOffsets();
    await eventually(
      () => [...ends].every(([partition, end]) => (this.consumed.get(partition) ?? 0) >= end),
      'the event collector to read up to the end of its topics',
      timeoutMs,
    );
  }

  configs(storeId: string): EventOf<'storeConfigChanged'>[] {
    return this.received.flatMap((r) =>
      r.topic === 'storeConfigChanged' && r.key === storeId ? [r.event] : [],
    );
  }

  polls(storeId: string): EventOf<'pollRequested'>[] {
    return this.received.flatMap((r) =>
      r.topic === 'pollRequested' && r.key === storeId ? [r.event] : [],
    );
  }

  latestConfig(storeId: string): EventOf<'storeConfigChanged'> | undefined {
    return this.configs(storeId).reduce<EventOf<'storeConfigChanged'> | undefined>(
      (a, e) => (a && a.version >= e.version ? a : e),
      undefined,
    );
  }
}

export interface Instance {
  api: ConfigApi;
  url: string;
  close(): Promise<void>;
}

export type StartOptions = Partial<ConfigApiOptions> & {
  relay?: boolean;
  activity?: boolean;
  /** Starts the webhook subscription loop (off unless asked). */
  webhooks?: boolean;
};

export interface Harness {
  db: Db;
  namespace: string;
  mirakl: RunningMiraklSimulator;
  shipbob: RunningShipBobSimulator;
  events: EventLog;
  publisher: Publisher;
  /**
   * Starts a config-api instance (HTTP server on 127.0.0.1:0) on the shared database and topics;
   * with `activity: true` it also consumes outcomes and order facts (and prunes).
   */
  start(overrides?: StartOptions): Promise<Instance>;
  /** The raw documents of the stores collection. */
  stores(): Promise<Record<string, unknown>[]>;
  /** Database commands sent so far by name and collection, e.g. `insert activity_entries`. */
  commands(name: string): number;
  close(): Promise<void>;
}

/** Real Mongo, Kafka, registry and both simulators for one test. */
export async function configApiHarness(options: {
  infra: InfraEnv;
  database: string;
  namespace: string;
  logger: Logger;
  resolver?: HostResolver;
}): Promise<Harness> {
  const { infra, namespace, logger } = options;
  const mongo = new MongoClient(infra.MONGO_URL, { retryWrites: false, monitorCommands: true });
  const sent = new Map<string, number>();
  mongo.on('commandStarted', (event) => {
    const collection: unknown = event.command[event.commandName];
    if (typeof collection !== 'string') return;
    const name = `${event.commandName} ${collection}`;
    sent.set(name, (sent.get(name) ?? 0) + 1);
  });
  await mongo.connect();
  const db = mongo.db(options.database);
  const kafka = createKafka({
    brokers: infra.KAFKA_BROKERS.split(','),
    clientId: 'config-api-test',
    logger,
  });
  const topicKeys: TopicKey[] = ['storeConfigChanged', 'pollRequested'];
  await bootstrapTopics({
    kafka,
    logger,
    namespace,
    partitions: 1,
    only: [...topicKeys, ...ACTIVITY_TOPICS],
  });
  const codec = new EventCodec(new RegistryClient(infra.SCHEMA_REGISTRY_URL), namespace);
  const publisher = createPublisher({ kafka, codec, logger, namespace });
  await publisher.connect();
  const events = new EventLog();
  const consumer = await collect(kafka, codec, namespace, events);
  const offsetsAdmin = kafka.admin();
  await offsetsAdmin.connect();
  events.endOffsets = async () => {
    const ends = new Map<string, number>();
    for (const key of topicKeys) {
      const topic = physicalTopic(key, namespace);
      for (const p of await offsetsAdmin.fetchTopicOffsets(topic)) {
        ends.set(`${topic}:${p.partition}`, Number(p.high));
      }
    }
    return ends;
  };
  const mirakl = await startMiraklSimulator({ port: 0, host: '127.0.0.1', paymentDelayMs: null });
  const shipbob = await startShipBobSimulator({ port: 0, host: '127.0.0.1' });
  const instances: Instance[] = [];

  const start = async (overrides: StartOptions = {}) => {
    const { relay = true, activity = false, webhooks = false, ...rest } = overrides;
    const api = await createConfigApi({
      db,
      publisher,
      logger,
      encryptionKeys: [{ id: 'k1', key: Buffer.from(KEY_A, 'base64') }],
      adminBootstrapToken: ADMIN_TOKEN,
      urlPolicy: { allowedHosts: ['*.mirakl.net'], trustedOrigins: [new URL(mirakl.url).origin] },
      shipbobBaseUrl: shipbob.url,
      relayIntervalMs: 200,
      ...(options.resolver ? { resolver: options.resolver } : {}),
      ...(activity ? { events: { kafka, codec, namespace } } : {}),
      ...rest,
    });
    if (relay) api.relay.start();
    if (webhooks) api.webhooks.start();
    if (activity) await api.activityFeed.start();
    const server = createServer(api.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const instance: Instance = {
      api,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: async () => {
        await api.relay.stop();
        await api.webhooks.stop();
        await api.activityFeed.stop();
        await closeServer(server);
      },
    };
    instances.push(instance);
    return instance;
  };

  return {
    db,
    namespace,
    mirakl,
    shipbob,
    events,
    publisher,
    start,
    stores: () => db.collection<Record<string, unknown>>('stores').find({}).toArray(),
    commands: (name) => sent.get(name) ?? 0,
    close: async () => {
      for (const i of instances) await i.close();
      await consumer.disconnect();
      await offsetsAdmin.disconnect();
      await publisher.disconnect();
      await mirakl.close();
      await shipbob.close();
      await db.dropDatabase().catch(() => undefined);
      await mongo.close();
      await deleteNamespaceTopics(kafka, namespace);
    },
  };
}

async function collect(
  kafka: Kafka,
  codec: EventCodec,
  namespace: string,
  log: EventLog,
): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId: `${namespace}collector`,
    sessionTimeout: 10_000,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
  });
  await consumer.connect();
  const byTopic = new Map<string, 'storeConfigChanged' | 'pollRequested'>([
    [physicalTopic('storeConfigChanged', namespace), 'storeConfigChanged'],
    [physicalTopic('pollRequested', namespace), 'pollRequested'],
  ]);
  await consumer.subscribe({ topics: [...byTopic.keys()], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const key = byTopic.get(topic)!;
      const storeId = message.key?.toString() ?? '';
      if (key === 'storeConfigChanged') {
        log.received.push({
          topic: key,
          key: storeId,
          event: await codec.decode(key, message.value),
        });
      } else {
        log.received.push({
          topic: key,
          key: storeId,
          event: await codec.decode(key, message.value),
        });
      }
      log.consumed.set(`${topic}:${partition}`, Number(message.offset) + 1);
    },
  });
  return consumer;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** What the API answers, loosely typed for assertions (stores, lists, problems, tokens). */
export interface ApiBody {
  [field: string]: unknown;
  id: string;
  token: string;
  version: number;
  status: string | number;
  items: ApiBody[];
  errors?: { field: string; rule: string; message: string }[];
  existingStoreId?: string;
  currentVersion?: number;
  shipbob: { pat: string; channelId: string; channelName: string } | null;
  toggles: Record<string, boolean>;
  inventoryBuffer: number;
  returnsApproved: boolean;
}

export interface ApiResponse {
  status: number;
  body: ApiBody;
  headers: Headers;
}

/** A small JSON client for the API. */
export function client(baseUrl: string, token?: string) {
  return async (
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; raw?: string } = {},
  ): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...options.headers };
    if (token) headers['authorization'] = `Bearer ${token}`;
    let payload: string | undefined = options.raw;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: response.status, body: body as ApiBody, headers: response.headers };
  };
}

export { eventually };

/** A new tenant and a client holding a token of it, made with an admin client. */
export async function tenantClient(admin: ReturnType<typeof client>, url: string, name: string) {
  const tenant = await admin('POST', '/v1/tenants', { body: { name } });
  const token = await admin('POST', '/v1/tokens', {
    body: { name, tenantId: tenant.body.id },
  });
  return client(url, token.body.token);
}
