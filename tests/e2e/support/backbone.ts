import {
  EventCodec,
  RegistryClient,
  bootstrapTopics,
  createEventConsumer,
  createKafka,
  createPublisher,
  type Publisher,
  type SyncOutcomeRecorded,
} from '@msync/events';
import { deleteNamespaceTopics } from '@msync/events/test-support';
import type { Logger } from '@msync/platform';
import { MongoClient } from 'mongodb';

// The test's own side of the backbone for an end-to-end run: every topic of its namespace (one
// partition each, so a store's requests keep their order), a publisher for the commands it plays
// (poll requests, report requests) and the applier's and reporter's outcomes as they arrive.

export interface TestBackbone {
  publisher: Publisher;
  /** Every `SyncOutcomeRecorded` of the namespace, in arrival order. */
  outcomes: SyncOutcomeRecorded[];
  /** Stops the consumer and the publisher, drops the database and deletes the topics. */
  close(): Promise<void>;
}

export async function startTestBackbone(options: {
  infra: { KAFKA_BROKERS: string; SCHEMA_REGISTRY_URL: string; MONGO_URL: string };
  namespace: string;
  database: string;
  logger: Logger;
}): Promise<TestBackbone> {
  const { infra, namespace, logger } = options;
  const kafka = createKafka({ brokers: infra.KAFKA_BROKERS.split(','), clientId: 'e2e', logger });
  await bootstrapTopics({ kafka, logger, namespace, partitions: 1 });
  const codec = new EventCodec(new RegistryClient(infra.SCHEMA_REGISTRY_URL), namespace);
  const publisher = createPublisher({ kafka, codec, logger, namespace });
  await publisher.connect();
  const outcomes: SyncOutcomeRecorded[] = [];
  const consumer = createEventConsumer({
    kafka,
    codec,
    logger,
    groupId: `${namespace}e2e-outcomes`,
    topics: ['syncOutcome'],
    dlqProducer: publisher.producer,
    namespace,
    handle: (event) => {
      outcomes.push(event.value);
      return Promise.resolve();
    },
  });
  await consumer.start();
  return {
    publisher,
    outcomes,
    async close() {
      await consumer.stop();
      await publisher.disconnect();
      const mongo = new MongoClient(infra.MONGO_URL, { retryWrites: false });
      await mongo.connect();
      await mongo
        .db(options.database)
        .dropDatabase()
        .catch(() => undefined);
      await mongo.close();
      await deleteNamespaceTopics(kafka, namespace);
    },
  };
}
