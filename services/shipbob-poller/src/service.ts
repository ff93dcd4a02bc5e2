import { createPoller, type Poller, type PollerOptions } from '@msync/polling';
import { shipbobClients } from './adapters/shipbob-clients.js';
import { SHIPMENTS, shipmentsPass } from './shipments-pass.js';

export interface ShipBobPollerOptions extends PollerOptions {
  shipbobBaseUrl: string;
  updateOverlapMs: number;
  initialLookbackMs: number;
  seenRetentionMs: number;
}

export const SOURCE = 'shipbob-poller';

/** Collections this service owns: cursors, seen orders, poll leases. */
export const COLLECTIONS = {
  prefix: 'shipbob_poll',
  leases: 'shipbob_poll_leases',
} as const;

/** The ShipBob poller: the shared poller frame with a pass per ShipBob stream. */
export function createShipBobPoller(options: ShipBobPollerOptions): Poller {
  const clients = shipbobClients({
    logger: options.logger,
    baseUrl: options.shipbobBaseUrl,
    db: options.db,
  });
  return createPoller(options, {
    source: SOURCE,
    system: 'SHIPBOB',
    collections: COLLECTIONS,
    // Stream → pass. Inventory and returns join this table as their passes are built.
    streams: (context) => ({
      [SHIPMENTS]: shipmentsPass({
        ...context,
        clientFor: (store) => clients.for(store),
        updateOverlapMs: options.updateOverlapMs,
        initialLookbackMs: options.initialLookbackMs,
        seenRetentionMs: options.seenRetentionMs,
      }),
    }),
  });
}
