import { createMongoCallGate } from '@msync/platform';
import { createPoller, resyncOf, type Poller, type PollerOptions } from '@msync/polling';
import { miraklClients } from './adapters/mirakl-clients.js';
import { ORDERS, ordersPass, ordersResyncPass, type OrdersPassDeps } from './orders-pass.js';

export interface MiraklPollerOptions extends PollerOptions {
  or11IntervalMs: number;
  initialLookbackMs: number;
  seenRetentionMs: number;
  trustedHosts: readonly string[];
}

export const SOURCE = 'mirakl-poller';

/** Collections this service owns: cursors, seen orders, poll leases; the call gate is shared. */
export const COLLECTIONS = {
  prefix: 'mirakl_poll',
  leases: 'mirakl_poll_leases',
  gate: 'call_gate',
} as const;

/** The Mirakl poller: the shared poller frame with a pass per Mirakl stream. */
export function createMiraklPoller(options: MiraklPollerOptions): Poller {
  const clients = miraklClients({ logger: options.logger, trustedHosts: options.trustedHosts });
  return createPoller(options, {
    source: SOURCE,
    system: 'MIRAKL',
    collections: COLLECTIONS,
    // Stream → pass, and a stream's resync pass (ADR 0055). Offers, inventory and returns join
    // this table as their passes are built.
    streams: (context) => {
      const deps: OrdersPassDeps = {
        ...context,
        gate: createMongoCallGate({ db: options.db, collection: COLLECTIONS.gate }),
        clientFor: (credentials) => clients.for(credentials),
        or11IntervalMs: options.or11IntervalMs,
        initialLookbackMs: options.initialLookbackMs,
        seenRetentionMs: options.seenRetentionMs,
      };
      return { [ORDERS]: ordersPass(deps), [resyncOf(ORDERS)]: ordersResyncPass(deps) };
    },
  });
}
