import { createMongoCallGate } from '@msync/platform';
import {
  createPoller,
  createPublishedPositions,
  resyncOf,
  type Poller,
  type PollerOptions,
} from '@msync/polling';
import { miraklClients } from './adapters/mirakl-clients.js';
import { OFFERS, offersPass } from './offers-pass.js';
import { ORDERS, ordersPass, ordersResyncPass, type OrdersPassDeps } from './orders-pass.js';
import { RECONCILE, reconcilePass } from './stock-pass.js';

export interface MiraklPollerOptions extends PollerOptions {
  or11IntervalMs: number;
  of52IntervalMs: number;
  offersFullEveryMs: number;
  /** Offers one `MiraklOfferObserved` carries at most (default 100, ADR 0168). */
  offersPerFact?: number;
  /** Wait between two OF53 status reads of an offer export (Mirakl: at most every 10 s). */
  exportPollIntervalMs: number;
  initialLookbackMs: number;
  seenRetentionMs: number;
  trustedHosts: readonly string[];
}

export const SOURCE = 'mirakl-poller';

/** Collections this service owns: cursors, seen orders and offers, poll leases; the gate is shared. */
export const COLLECTIONS = {
  prefix: 'mirakl_poll',
  leases: 'mirakl_poll_leases',
  gate: 'call_gate',
  // A full export sees every offer of a store: its seen-set is a chunked map per store (ADR
  // 0106), not one document per offer; 64 is the bucket count of the layout before (ADR 0096),
  // whose documents a store's first pass moves into the map.
  catalogStreams: { [OFFERS]: 64 },
} as const;

/** The Mirakl poller: the shared poller frame with a pass per Mirakl stream. */
export function createMiraklPoller(options: MiraklPollerOptions): Poller {
  const clients = miraklClients({
    logger: options.logger,
    trustedHosts: options.trustedHosts,
    exportPollIntervalMs: options.exportPollIntervalMs,
  });
  return createPoller(options, {
    source: SOURCE,
    system: 'MIRAKL',
    collections: COLLECTIONS,
    // Stream → pass, and a stream's resync pass (ADR 0055). Inventory and returns join this
    // table as their passes are built.
    streams: (context) => {
      const deps: OrdersPassDeps = {
        ...context,
        gate: createMongoCallGate({ db: options.db, collection: COLLECTIONS.gate }),
        clientFor: (credentials) => clients.for(credentials),
        or11IntervalMs: options.or11IntervalMs,
        initialLookbackMs: options.initialLookbackMs,
        seenRetentionMs: options.seenRetentionMs,
      };
      const offersDeps = {
        ...deps,
        of52IntervalMs: options.of52IntervalMs,
        fullEveryMs: options.offersFullEveryMs,
        ...(options.offersPerFact ? { offersPerFact: options.offersPerFact } : {}),
        positions: createPublishedPositions(options.db),
      };
      // Stores whose OF52 was refused, shared by the offers and reconciliation passes.
      const exportsRefusedAt = new Map<string, number>();
      return {
        [ORDERS]: ordersPass(deps),
        [resyncOf(ORDERS)]: ordersResyncPass(deps),
        [OFFERS]: offersPass(offersDeps, exportsRefusedAt),
        [RECONCILE]: reconcilePass(offersDeps, exportsRefusedAt),
      };
    },
  });
}
