import type { Logger, PollStateStore, Registry } from '@msync/platform';
import { pollerBed, type PollerBed, type TestStore } from '@msync/polling/test-support';
import { FACT_TOPICS } from '../fact-topics.js';
import { SHIPMENTS } from '../shipments-pass.js';
import {
  COLLECTIONS,
  SOURCE,
  createShipBobPoller,
  type ShipBobPoller,
  type ShipBobPollerOptions,
} from '../service.js';

/** Every topic the poller emits on: the shipments pass's, and the inventory pass's. */
const EMITTED_TOPICS = [...FACT_TOPICS, 'inventoryObserved'] as const;
export type FactTopic = (typeof EMITTED_TOPICS)[number];

export interface PollerHarness extends Omit<PollerBed<FactTopic>, 'addStore' | 'startPoller'> {
  /** Seeds a store with a ShipBob token and channel and publishes its configuration. */
  addStore(
    input: Pick<
      TestStore,
      'storeId' | 'status' | 'version' | 'shipbobWebhookSecret' | 'returnsApproved'
    > & {
      pat: string;
      channelId: string;
    },
  ): Promise<void>;
  startPoller(options: {
    groupId?: string;
    shipbobBaseUrl: string;
    state?: (s: PollStateStore) => PollStateStore;
    /** Runs the webhook receiver on a free port of 127.0.0.1 (bodies up to `maxBodyBytes`). */
    webhooks?: { maxBodyBytes?: number };
    /** How recent a read of an account serves an inventory request; default 0 (each reads). */
    inventoryShareWindowMs?: number;
    /** How long a read's catalog flags stand in for the catalog; default the service's (10 min). */
    inventoryFlagsMaxAgeMs?: number;
    /** Stores of one poll-request partition handled at once; default the service's (ADR 0117). */
    keysAtOnce?: number;
    /** When a read waits for the applier (ADR 0154); default the service's. */
    inventoryReadDeferral?: ShipBobPollerOptions['inventoryReadDeferral'];
    /** SKUs an inventory fact carries at most (ADR 0166); default the service's (250). */
    inventoryLevelsPerFact?: number;
  }): Promise<{ metrics: Registry; stop(): Promise<void>; webhookUrl(storeId: string): string }>;
}

/** The shared poller test bed running shipbob-poller against a ShipBob simulator. */
export async function pollerHarness(logger: Logger): Promise<PollerHarness> {
  const bed = await pollerBed(logger, {
    service: SOURCE,
    system: 'SHIPBOB',
    stream: SHIPMENTS,
    factTopics: EMITTED_TOPICS,
    statePrefix: COLLECTIONS.prefix,
  });
  return {
    ...bed,
    addStore: ({ pat, channelId, ...store }) =>
      bed.addStore({
        ...store,
        miraklUrl: 'https://shop.mirakl.net',
        shopId: '2001',
        apiKey: null,
        shipbob: { pat, channelId },
      }),
    startPoller: async (options) => {
      let poller: ShipBobPoller | undefined;
      const started = await bed.startPoller(options, (wiring) => {
        poller = createShipBobPoller({
          ...wiring,
          shipbobBaseUrl: options.shipbobBaseUrl,
          updateOverlapMs: 60_000,
          initialLookbackMs: 24 * 3600_000,
          resyncLookbackMs: 24 * 3600_000,
          returnsLookbackMs: 24 * 3600_000,
          seenRetentionMs: 24 * 3600_000,
          inventoryShareWindowMs: options.inventoryShareWindowMs ?? 0,
          ...(options.keysAtOnce === undefined ? {} : { keysAtOnce: options.keysAtOnce }),
          ...(options.inventoryReadDeferral
            ? { inventoryReadDeferral: options.inventoryReadDeferral }
            : {}),
          ...(options.inventoryFlagsMaxAgeMs === undefined
            ? {}
            : { inventoryFlagsMaxAgeMs: options.inventoryFlagsMaxAgeMs }),
          ...(options.inventoryLevelsPerFact === undefined
            ? {}
            : { inventoryLevelsPerFact: options.inventoryLevelsPerFact }),
          ...(options.webhooks
            ? {
                webhooks: {
                  port: 0,
                  host: '127.0.0.1',
                  maxBodyBytes: options.webhooks.maxBodyBytes ?? 1024 * 1024,
                  receiptRetentionMs: 24 * 3600_000,
                  claimTimeoutMs: 30_000,
                },
              }
            : {}),
        });
        return poller;
      });
      return {
        ...started,
        webhookUrl: (storeId) =>
          `http://127.0.0.1:${poller?.webhookPort ?? 0}/webhooks/shipbob/${storeId}`,
      };
    },
  };
}
