import { hostname } from 'node:os';
import type { Db } from 'mongodb';
import {
  createRateLimiterRegistry,
  createShipBobClient,
  createShipBobSharedBudget,
  type ShipBobPort,
} from '@msync/shipbob';
import { errorMessage, type Logger } from '@msync/platform';
import type { Secret } from '@msync/stores';

/** What a pass needs to get the store's ShipBob client: the store, its PAT and channel. */
export type ShipBobClientFor = (store: {
  storeId: string;
  version: number;
  pat: Secret;
  channelId: string | null;
}) => ShipBobPort;

/**
 * One ShipBob client per store and credentials version; stores sharing a PAT share its
 * 150-requests-a-minute budget through one limiter per token (ADR 0011), which claims its calls
 * from the budget every process of the product shares (ADR 0057).
 */
export function shipbobClients(options: {
  logger: Logger;
  baseUrl: string;
  db: Db;
  /** Names this process in the shared budget's claims (default: this service). */
  program?: string;
}) {
  const limiters = createRateLimiterRegistry({
    shared: {
      budget: createShipBobSharedBudget(options.db, {
        holder: `${options.program ?? 'shipbob-poller'}@${hostname()}:${process.pid}`,
      }),
      onError: (error) =>
        options.logger.warn('claiming from the shared ShipBob budget failed; trying again', {
          error: errorMessage(error),
        }),
    },
  });
  const clients = new Map<string, { version: number; client: ShipBobPort }>();
  return {
    for(store: {
      storeId: string;
      version: number;
      pat: Secret;
      channelId: string | null;
    }): ShipBobPort {
      const cached = clients.get(store.storeId);
      if (cached && cached.version === store.version) return cached.client;
      const pat = store.pat.reveal();
      const channelId = store.channelId === null ? undefined : Number(store.channelId);
      const client = createShipBobClient({
        pat,
        storeId: store.storeId,
        logger: options.logger.child({ storeId: store.storeId }),
        limiter: limiters.forToken(pat),
        baseUrl: options.baseUrl,
        ...(channelId !== undefined && Number.isInteger(channelId) ? { channelId } : {}),
      });
      clients.set(store.storeId, { version: store.version, client });
      return client;
    },
  };
}
