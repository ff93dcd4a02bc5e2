import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import {
  EventCodec,
  RegistryClient,
  bootstrapTopics,
  createEventConsumer,
  createPublisher,
  envelope,
  type EventConsumer,
  type EventOf,
  type Publisher,
  type SyncOutcomeRecorded,
} from '@msync/events';
import { deleteNamespaceTopics } from '@msync/events/test-support';
import type { Logger } from '@msync/platform';
import { MongoClient } from 'mongodb';

// What an end-to-end test does on the event backbone itself: its topics, a publisher (the poll
// driver's), every outcome the applier records, and the clean-up of its namespace and database.

export interface TestBackbone {
  publisher: Publisher;
  /** Every `SyncOutcomeRecorded`, in arrival order. */
  outcomes: SyncOutcomeRecorded[];
  /** Stops the collector and the publisher, drops the database and the namespace's topics. */
  close(): Promise<void>;
}

/** Creates the namespace's topics (one partition each: a store's requests keep their order). */
export async function startBackbone(options: {
  kafka: Kafka;
  logger: Logger;
  namespace: string;
  registryUrl: string;
  mongoUrl: string;
  database: string;
}): Promise<TestBackbone> {
  const { kafka, logger, namespace } = options;
  await bootstrapTopics({ kafka, logger, namespace, partitions: 1 });
  const codec = new EventCodec(new RegistryClient(options.registryUrl), namespace);
  const publisher = createPublisher({ kafka, codec, logger, namespace });
  await publisher.connect();
  const outcomes: SyncOutcomeRecorded[] = [];
  const collector: EventConsumer = createEventConsumer({
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
  await collector.start();
  return {
    publisher,
    outcomes,
    async close() {
      await collector.stop();
      await publisher.disconnect();
      const mongo = new MongoClient(options.mongoUrl, { retryWrites: false });
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

/** A `PollRequested` as the scheduler's job sends it, for a test that does not wait its interval. */
export function pollRequest(
  storeId: string,
  system: 'MIRAKL' | 'SHIPBOB',
  stream: string,
): EventOf<'pollRequested'> {
  const now = new Date();
  return {
    envelope: envelope({
      storeId,
      idempotencyKey: `e2e:${storeId}:${stream}:${now.toISOString()}:${randomUUID()}`,
      source: 'e2e-poll-driver',
      occurredAt: now,
      observedAt: now,
      correlationId: randomUUID(),
    }),
    system,
    stream,
    reason: 'schedule',
    since: null,
    configVersion: null,
  };
}

/**
 * A `MiraklOfferObserved` as mirakl-poller's offers stream publishes it, for a test that gives
 * the applier a store's offers without an export.
 */
export function offerObserved(
  storeId: string,
  offer: { shopSku: string; offerId: string; quantity: number },
): EventOf<'offerObserved'> {
  const at = Date.now();
  return {
    envelope: envelope({
      storeId,
      idempotencyKey: `mirakl:${storeId}:offer:${offer.shopSku}:${at}`,
      source: 'mirakl-poller',
      occurredAt: at,
    }),
    offerId: offer.offerId,
    shopSku: offer.shopSku,
    productSku: null,
    productTitle: null,
    quantity: offer.quantity,
    active: true,
    deleted: false,
    lastUpdated: at,
    more: [],
  };
}
