import type { Kafka } from 'kafkajs';
import type { Logger } from '@msync/platform';
import type { EventOf, TopicKey } from '../catalog.js';
import type { EventCodec } from '../codec.js';
import { createEventConsumer } from '../consumer.js';
import type { Publisher } from '../publisher.js';

/** Every event of one topic of a test's namespace, in arrival order, read from the beginning. */
export async function collectEvents<K extends TopicKey>(options: {
  kafka: Kafka;
  codec: EventCodec;
  logger: Logger;
  publisher: Publisher;
  namespace: string;
  topic: K;
}): Promise<{ events: EventOf<K>[]; stop(): Promise<void> }> {
  const events: EventOf<K>[] = [];
  const consumer = createEventConsumer({
    kafka: options.kafka,
    codec: options.codec,
    logger: options.logger,
    groupId: `${options.namespace}collect-${options.topic}`,
    topics: [options.topic],
    dlqProducer: options.publisher.producer,
    namespace: options.namespace,
    handle: (event) => {
      events.push(event.value);
      return Promise.resolve();
    },
  });
  await consumer.start();
  return { events, stop: () => consumer.stop() };
}
