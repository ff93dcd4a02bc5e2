import { envelope, idempotencyKey, type Publisher } from '@msync/events';
import { errorMessage, type Logger } from '@msync/platform';
import { configSnapshot } from './domain/events.js';
import { fromDocument, type MongoStores, type StoreDocument } from './adapters/mongo-stores.js';
import { SERVICE } from './config.js';
import type { ConfigApiMetrics } from './metrics.js';

const STOP_WAIT_MS = 5_000;

export interface Relay {
  /** Publishes everything pending now (also what the timer does). */
  runOnce(): Promise<void>;
  /** Asks for a run as soon as possible (after a save). */
  kick(): void;
  /** How many passes have completed, successful or not (tests wait on it instead of sleeping). */
  passes(): number;
  start(): void;
  stop(): Promise<void>;
}

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
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  let passes = 0;

  const publishOne = async (doc: StoreDocument): Promise<void> => {
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

  const runOnce = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          try {
            await drain();
          } finally {
            passes++;
            options.metrics?.relayPasses.inc();
          }
        } while (again);
      } catch (error) {
        log.warn('publishing store changes failed; will retry', { error: errorMessage(error) });
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce().finally(schedule);
    }, options.intervalMs);
  };

  return {
    runOnce,
    passes: () => passes,
    kick: () => {
      if (!stopped) void runOnce();
    },
    start: () => {
      if (!stopped) return;
      stopped = false;
      void runOnce();
      schedule();
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      // A publish stuck on an unavailable broker must not hold shutdown: whatever it was
      // publishing stays marked and is published by the next process.
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([
        running,
        new Promise<void>((resolve) => (wait = setTimeout(resolve, STOP_WAIT_MS))),
      ]);
      clearTimeout(wait);
    },
  };
}
