import { envelope, idempotencyKey, type Publisher } from '@msync/events';
import { errorMessage, type Logger } from '@msync/platform';
import type { Principal } from './domain/access.js';
import { Problem } from './domain/problem.js';
import { SERVICE } from './config.js';
import type { StoreService } from './stores.js';

/** What `POST /v1/stores/{id}/reconcile` answers: the request, to find its outcome by. */
export interface ReconcileRequested {
  storeId: string;
  requestedAt: string;
  /** The activity entries the reconciliation leads to carry this correlation id. */
  correlationId: string;
}

/**
 * On-demand stock reconciliation (ADR 0088): once the caller may see the store (404 otherwise)
 * and the store can reconcile (connected, Sync Inventory on, ShipBob configured; 409 naming the
 * field otherwise), a `PollRequested` for the mirakl-poller's `reconcile` stream. Published at
 * once: 202 means the broker has the request.
 */
export class ReconcileService {
  constructor(
    private readonly deps: {
      stores: Pick<StoreService, 'get'>;
      publisher: Publisher;
      logger: Logger;
      now?: () => Date;
    },
  ) {}

  async request(principal: Principal, storeId: string): Promise<ReconcileRequested> {
    const store = await this.deps.stores.get(principal, storeId);
    if (store.status !== 'CONNECTED')
      throw new Problem(409, 'store-disconnected', 'The store is disconnected', undefined, [
        { field: 'status', rule: 'connected', message: 'reconnect the store first' },
      ]);
    if (!store.settings.toggles.inventory)
      throw new Problem(409, 'inventory-off', 'Sync Inventory is off', undefined, [
        {
          field: 'toggles.inventory',
          rule: 'enabled',
          message: 'stock is reconciled only while Sync Inventory is on',
        },
      ]);
    if (!store.shipbob)
      throw new Problem(
        409,
        'shipbob-not-configured',
        'No ShipBob token is configured',
        undefined,
        [{ field: 'shipbobPat', rule: 'required', message: 'configure ShipBob first' }],
      );
    const requestedAt = (this.deps.now ?? (() => new Date()))();
    const env = envelope({
      storeId,
      idempotencyKey: idempotencyKey('config', storeId, 'poll', 'reconcile', requestedAt.getTime()),
      source: SERVICE,
      occurredAt: requestedAt,
    });
    try {
      await this.deps.publisher.publish('pollRequested', {
        envelope: env,
        system: 'MIRAKL',
        stream: 'reconcile',
        reason: 'manual',
        since: null,
        // The poller waits until it has seen this version, in which Sync Inventory is on.
        configVersion: store.version,
      });
    } catch (error) {
      this.deps.logger.warn('reconciliation request not published', {
        storeId,
        error: errorMessage(error),
      });
      throw new Problem(
        503,
        'events-unavailable',
        'The reconciliation could not be requested now',
        'Try again in a moment',
      );
    }
    return {
      storeId,
      requestedAt: requestedAt.toISOString(),
      correlationId: env.correlationId,
    };
  }
}
