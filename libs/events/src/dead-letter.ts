import type { IHeaders, Producer } from 'kafkajs';
import { errorMessage, errorReason, scrubString, type Logger } from '@msync/platform';
import { dlqTopicName } from './catalog.js';
import type { RawMessage } from './delivery.js';
import type { EventMetrics } from './metrics.js';

const MAX_DLQ_ERROR_LENGTH = 2_000;

/** Writes a message to its `<topic>.dlq` with the reason; resolves once acknowledged. */
export type DeadLetterWriter = (message: RawMessage, error: unknown) => Promise<void>;

/**
 * Dead-letters with the original key, value and headers plus `dlq-*` reason headers, so the
 * message can be inspected and re-driven later.
 */
export function createDeadLetterWriter(options: {
  producer: Producer;
  groupId: string;
  logger: Logger;
  metrics?: EventMetrics;
}): DeadLetterWriter {
  const { producer, groupId, logger, metrics } = options;
  return async (message, error) => {
    const reason = errorReason(error);
    const headers: IHeaders = {
      ...message.headers,
      'dlq-reason': reason,
      'dlq-error': scrubString(errorMessage(error)).slice(0, MAX_DLQ_ERROR_LENGTH),
      'dlq-source-topic': message.topic,
      'dlq-source-partition': String(message.partition),
      'dlq-source-offset': message.offset,
      'dlq-consumer-group': groupId,
      'dlq-failed-at': new Date().toISOString(),
    };
    await producer.send({
      topic: dlqTopicName(message.topic),
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers }],
    });
    metrics?.deadLettered.inc({ topic: message.topic, reason });
    metrics?.consumed.inc({ topic: message.topic, outcome: 'dead-lettered' });
    logger.error('message dead-lettered', {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      reason,
      error: errorMessage(error),
    });
  };
}
