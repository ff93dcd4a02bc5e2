import type { Admin, Kafka } from 'kafkajs';
import { RetriableError, type Logger } from '@msync/platform';
import { dlqTopicName, physicalTopic, topicKeys, topics, type TopicKey } from './catalog.js';
import type { EventCodec } from './codec.js';

export interface BootstrapOptions {
  kafka: Kafka;
  logger: Logger;
  namespace?: string;
  /** -1 uses the broker's default replication factor. */
  replicationFactor?: number;
  /** Overrides every topic's partition count (small local clusters, tests). */
  partitions?: number;
  only?: readonly TopicKey[];
}

const DLQ_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

/** Creates every topic of the catalog and its DLQ when missing. Safe to run again and again. */
export async function bootstrapTopics(
  options: BootstrapOptions,
): Promise<{ created: string[]; existing: string[] }> {
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = (options.only ?? topicKeys).flatMap((key) => {
      const spec = topics[key];
      const name = physicalTopic(key, options.namespace);
      const partitions = options.partitions ?? spec.partitions;
      return [
        {
          topic: name,
          numPartitions: partitions,
          replicationFactor: options.replicationFactor ?? -1,
          configEntries: [
            { name: 'cleanup.policy', value: spec.cleanupPolicy },
            { name: 'retention.ms', value: String(spec.retentionMs) },
          ],
        },
        {
          topic: dlqTopicName(name),
          numPartitions: partitions,
          replicationFactor: options.replicationFactor ?? -1,
          configEntries: [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'retention.ms', value: String(DLQ_RETENTION_MS) },
          ],
        },
      ];
    });
    const missing = wanted.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing, waitForLeaders: false });
      await waitForLeaders(
        admin,
        missing.map((t) => t.topic),
      );
    }
    const created = missing.map((t) => t.topic);
    const present = wanted.filter((t) => existing.has(t.topic)).map((t) => t.topic);
    options.logger.info('topics ready', { created: created.length, existing: present.length });
    return { created, existing: present };
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until every partition of the topics has a leader. kafkajs' own wait gives up on the
 * transient "does not host this topic-partition" answers of a broker still creating them.
 */
async function waitForLeaders(admin: Admin, names: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: names });
      const ready = metadata.every(
        (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
      );
      if (ready && metadata.length === names.length) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new RetriableError(`topics have no leader after ${timeoutMs} ms: ${names.join(', ')}`, {
    cause: last,
    reason: 'kafka-unavailable',
  });
}

/** Registers the current schema of every topic (idempotent); returns subject → schema id. */
export async function registerSchemas(
  codec: EventCodec,
  only: readonly TopicKey[] = topicKeys,
): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  for (const key of only) ids[topics[key].name] = await codec.schemaId(key);
  return ids;
}
