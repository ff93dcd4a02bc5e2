import { z } from 'zod';
import type { Kafka } from 'kafkajs';
import {
  connectMongo,
  env,
  type Lifecycle,
  type MongoHandle,
  type Logger,
  type ReadinessCheck,
  type Registry,
} from '@msync/platform';
import { createKafka } from './kafka.js';
import { physicalTopic } from './catalog.js';
import { RegistryClient } from './registry.js';
import { EventCodec } from './codec.js';
import { createPublisher, type Publisher } from './publisher.js';

/** Env variables of every service that talks to Kafka. */
export const eventBackboneEnv = z.object({
  KAFKA_BROKERS: env.csv(),
  SCHEMA_REGISTRY_URL: z.url(),
  /** Prefix of every topic name; lets several environments share one cluster. */
  TOPIC_NAMESPACE: z
    .string()
    .regex(/^([a-z0-9-]+\.)?$/, 'lower-case letters, digits and dashes, ending with a dot')
    .default(''),
});

export interface EventBackbone {
  kafka: Kafka;
  registry: RegistryClient;
  codec: EventCodec;
  publisher: Publisher;
  namespace: string;
  checks: ReadinessCheck[];
}

/**
 * Connects a service to Kafka and the schema registry: a connected publisher (flushed at
 * shutdown) and readiness checks for the broker and the registry.
 */
export async function startEventBackbone(options: {
  service: string;
  config: z.infer<typeof eventBackboneEnv>;
  logger: Logger;
  metrics: Registry;
  lifecycle: Lifecycle;
}): Promise<EventBackbone> {
  const { config, logger } = options;
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: options.service, logger });
  const registry = new RegistryClient(config.SCHEMA_REGISTRY_URL);
  const codec = new EventCodec(registry, config.TOPIC_NAMESPACE);
  const publisher = createPublisher({
    kafka,
    codec,
    logger,
    metrics: options.metrics,
    namespace: config.TOPIC_NAMESPACE,
  });
  await publisher.connect();
  options.lifecycle.onShutdown('kafka-producer', () => publisher.disconnect());

  const admin = kafka.admin();
  await admin.connect();
  options.lifecycle.onShutdown('kafka-admin', () => admin.disconnect());

  // The metadata of one topic every service reads or writes: a constant-size answer. Without a
  // topic the request asks for every topic of the cluster, an answer that grows with every
  // topic and namespace the cluster holds (seconds with tens of thousands).
  const probeTopic = physicalTopic('storeConfigChanged', config.TOPIC_NAMESPACE);
  const checks: ReadinessCheck[] = [
    {
      name: 'kafka',
      check: async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: [probeTopic] });
        if (!topics.some((t) => t.name === probeTopic && t.partitions.length > 0))
          throw new Error(`no partition of ${probeTopic}`);
      },
    },
    {
      name: 'schema-registry',
      check: async () => {
        // The global compatibility level: a constant-size answer, unlike the list of subjects,
        // which grows with every topic namespace the registry has seen.
        const response = await fetch(`${config.SCHEMA_REGISTRY_URL.replace(/\/+$/, '')}/config`, {
          signal: AbortSignal.timeout(2_000),
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      },
    },
  ];
  return { kafka, registry, codec, publisher, namespace: config.TOPIC_NAMESPACE, checks };
}

/**
 * The dependencies every service frame starts with: the event backbone and, for services that
 * own collections, MongoDB; with their readiness checks and shutdown steps registered.
 */
export async function startServiceDependencies(options: {
  service: string;
  config: z.infer<typeof eventBackboneEnv> & { MONGO_URL?: string; MONGO_DB?: string };
  logger: Logger;
  metrics: Registry;
  lifecycle: Lifecycle;
}): Promise<{ backbone: EventBackbone; mongo?: MongoHandle; checks: ReadinessCheck[] }> {
  const backbone = await startEventBackbone(options);
  const { MONGO_URL, MONGO_DB } = options.config;
  if (!MONGO_URL) return { backbone, checks: backbone.checks };
  const mongo = await connectMongo(MONGO_URL, {
    dbName: MONGO_DB ?? 'msync',
    appName: options.service,
    metrics: options.metrics,
    logger: options.logger,
  });
  options.lifecycle.onShutdown('mongo', () => mongo.close());
  return { backbone, mongo, checks: [...backbone.checks, { name: 'mongo', check: mongo.ping }] };
}
