import { CallLimiter, createMiraklClient, type MiraklStore } from '@msync/mirakl';
import type { Logger } from '@msync/platform';
import type { StoreCredentials } from '@msync/stores';

/**
 * One Mirakl client per store and credentials version (a changed key makes a new client).
 * OR11 and OF52 are not throttled here: the shared gate admits each pass (ADR 0042); pages of one pass
 * follow each other, and a 429 still pushes the client back by its `Retry-After`.
 */
export function miraklClients(options: {
  logger: Logger;
  trustedHosts: readonly string[];
  /** Wait between two OF53 reads of an export's status. */
  exportPollIntervalMs: number;
}) {
  const clients = new Map<string, { version: number; client: MiraklStore }>();
  return {
    for(
      credentials: StoreCredentials & {
        miraklApiKey: NonNullable<StoreCredentials['miraklApiKey']>;
      },
    ): MiraklStore {
      const cached = clients.get(credentials.storeId);
      if (cached && cached.version === credentials.version) return cached.client;
      const client = createMiraklClient({
        storeUrl: credentials.miraklBaseUrl,
        apiKey: credentials.miraklApiKey.reveal(),
        logger: options.logger.child({ storeId: credentials.storeId }),
        trustedHosts: options.trustedHosts,
        limiter: new CallLimiter({
          minIntervalMs: { OR11: 0, OF52: 0, OF53: options.exportPollIntervalMs },
        }),
        exportPollIntervalMs: options.exportPollIntervalMs,
        // Inside the poll-request handler: give up (retried, the same export) before the session.
        exportTimeoutMs: 90_000,
        // A pass runs inside a Kafka handler: keep its worst case well under the session timeout.
        timeoutMs: 20_000,
        retries: 2,
        retryMaxDelayMs: 5_000,
      });
      clients.set(credentials.storeId, { version: credentials.version, client });
      return client;
    },
  };
}
