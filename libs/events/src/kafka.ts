import { Kafka, logLevel, type Admin, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from '@msync/platform';
import { patchRequestQueueIdleCheck } from './request-queue-patch.js';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  ssl?: boolean;
  sasl?: KafkaConfig['sasl'];
}

/** A kafkajs client whose own log lines go through our (redacting) logger, warnings and up. */
export function createKafka(options: KafkaOptions): Kafka {
  patchRequestQueueIdleCheck();
  const log = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ssl: options.ssl,
    sasl: options.sasl,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...fields } = entry;
        if (level <= logLevel.ERROR) log.error(message, fields);
        else log.warn(message, fields);
      },
  });
}

/**
 * A topic's offsets per partition, asked again while a newly created topic's partitions still
 * get their leaders ("not the leader for that topic-partition") until `timeoutMs` has passed.
 */
export async function topicOffsetsOnceLed(
  admin: Admin,
  topic: string,
  timeoutMs = 30_000,
): Promise<Awaited<ReturnType<Admin['fetchTopicOffsets']>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
