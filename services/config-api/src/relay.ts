import { envelope, idempotencyKey, type Publisher } from '@msync/events';
import { errorMessage, withLogContext, type Logger } from '@msync/platform';
import { configSnapshot } from './domain/events.js';
import { fromDocument, type MongoStores, type StoreDocument } from './adapters/mongo-stores.js';
import { SERVICE } from './config.js';
import type { ConfigApiMetrics } from './metrics.js';
import { backgroundLoop, type BackgroundLoop } from './background-loop.js';

/** `runOnce` publishes everything pending now (also what the timer does). */
export type Relay = BackgroundLoop;

/**
 * Publishes what the stores collection says is not yet on Kafka (ADR 0012): the full snapshot of
 * a store's current version, then the first offers poll of a newly connected store. Marks are
 * set only after the broker acknowledged, so a crash at any point leads to a re-publish, never a
 * loss; consumers ignore versions they already have.
 */
export function createRelay(options: {
  stores: MongoStores;
  publisher: Publisher;
  logger: Logger;
  intervalMs: number;
  batchSize?: number;
  metrics?: ConfigApiMetrics;
}): Relay {
  const log = options.logger.child({ component: 'relay' });

  const publishOne = (doc: StoreDocument): Promise<void> =>
    withLogContext({ storeId: doc._id }, () => publishStore(doc));

  const publishStore = async (doc: StoreDocument): Promise<void> => {
    const storeId = doc._id;
    if (doc.pendingPublish) {
      await options.publisher.publish('storeConfigChanged', {
        envelope: envelope({
          storeId,
          idempotencyKey: idempotencyKey('config', storeId, 'version', doc.version),
          source: SERVICE,
          occurredAt: doc.updatedAt,
        }),
        ...configSnapshot(fromDocument(doc)),
      });
      await options.stores.markPublished(storeId, doc.version);
    }
    if (doc.offersPollPending && doc.status === 'CONNECTED') {
      await options.publisher.publish('pollRequested', {
        envelope: envelope({
          storeId,
          idempotencyKey: idempotencyKey('config', storeId, 'poll', 'offers', 'store-connected'),
          source: SERVICE,
          occurredAt: doc.createdAt,
        }),
        system: 'MIRAKL',
        stream: 'offers',
        reason: 'store-connected',
        since: null,
        // The pollers wait until they have seen this version: the store is connected in it.
        configVersion: doc.version,
      });
    }
    if (doc.offersPollPending) await options.stores.markOffersPollRequested(storeId);
  };

  const drain = async (): Promise<void> => {
    const batch = options.batchSize ?? 100;
    for (;;) {
      const pending = await options.stores.pendingPublication(batch);
      let failed = 0;
      for (const doc of pending) {
        try {
          await publishOne(doc);
        } catch (error) {
          // One store's failure must not hold back the others; it stays pending and is retried.
          failed++;
          options.metrics?.relayFailures.inc();
          log.warn('publishing store changes failed; will retry', {
            storeId: doc._id,
            version: doc.version,
            error: errorMessage(error),
          });
        }
      }
      if (pending.length < batch || failed === pending.length) {
        options.metrics?.unpublished.set(failed);
        return;
      }
    }
  };

  return backgroundLoop({
    run: drain,
    intervalMs: options.intervalMs,
    logger: log,
    onPass: () => options.metrics?.relayPasses.inc(),
    failure: 'publishing store changes failed; will retry',
  });
}
