import type { Kafka } from 'kafkajs';
import { MongoClient } from 'mongodb';
import {
  EventCodec,
  RegistryClient,
  bootstrapTopics,
  createEventConsumer,
  createPublisher,
  type Publisher,
  type SyncOutcomeRecorded,
} from '@msync/events';
import type { Logger } from '@msync/platform';

// What an end-to-end test keeps of the backbone for itself: its topics, a publisher acting as
// the services' neighbours (e.g. the scheduler's poll requests), every outcome the applier
// records, and the clean-up of its namespace and database.

export interface TestBackbone {
  publisher: Publisher;
  /** Every `SyncOutcomeRecorded` of the namespace, in arrival order. */
  outcomes: SyncOutcomeRecorded[];
  stop(): Promise<void>;
}

/**
 * Creates every topic of the namespace (one partition each: a store's requests keep their
 * order), connects a publisher and starts collecting outcomes.
 */
export async function startTestBackbone(options: {
  kafka: Kafka;
  registryUrl: string;
  namespace: string;
  logger: Logger;
}): Promise<TestBackbone> {
  const { kafka, namespace, logger } = options;
  await bootstrapTopics({ kafka, logger, namespace, partitions: 1 });
  const codec = new EventCodec(new RegistryClient(options.registryUrl), namespace);
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
    async stop() {
      await consumer.stop();
      await publisher.disconnect();
    },
  };
}

/** Drops the test's database and deletes the topics of its namespace. */
export async function removeTestData(options: {
  kafka: Kafka;
  mongoUrl: string;
  namespace: string;
  database: string;
}): Promise<void> {
  const mongo = new MongoClient(options.mongoUrl, { retryWrites: false });
  await mongo.connect();
  await mongo
    .db(options.database)
    .dropDatabase()
    .catch(() => undefined);
  await mongo.close();
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(options.namespace));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}
