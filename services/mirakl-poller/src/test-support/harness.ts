import type { Logger, PollStateStore, Registry } from '@msync/platform';
import { pollerBed, type PollerBed, type TestStore } from '@msync/polling/test-support';
import { FACT_TOPICS } from '../fact-topics.js';
import { ORDERS } from '../orders-pass.js';
import { COLLECTIONS, SOURCE, createMiraklPoller } from '../service.js';

export type FactTopic = (typeof FACT_TOPICS)[number];

export interface PollerHarness extends Omit<PollerBed<FactTopic>, 'addStore' | 'startPoller'> {
  /** Seeds a Mirakl-only store the way config-api stores it and publishes its configuration. */
  addStore(
    input: Pick<TestStore, 'storeId' | 'status' | 'version' | 'miraklUrl' | 'shopId'> & {
      apiKey: string;
    },
  ): Promise<void>;
  startPoller(options?: {
    groupId?: string;
    or11IntervalMs?: number;
    state?: (s: PollStateStore) => PollStateStore;
  }): Promise<{ metrics: Registry; stop(): Promise<void> }>;
}

/** The shared poller test bed running mirakl-poller against simulators on 127.0.0.1. */
export async function pollerHarness(logger: Logger): Promise<PollerHarness> {
  const bed = await pollerBed(logger, {
    service: SOURCE,
    system: 'MIRAKL',
    stream: ORDERS,
    factTopics: FACT_TOPICS,
    statePrefix: COLLECTIONS.prefix,
  });
  return {
    ...bed,
    addStore: (input) => bed.addStore({ ...input, shipbob: null }),
    startPoller: (options = {}) =>
      bed.startPoller(options, (wiring) =>
        createMiraklPoller({
          ...wiring,
          or11IntervalMs: options.or11IntervalMs ?? 500,
          initialLookbackMs: 24 * 3600_000,
          seenRetentionMs: 24 * 3600_000,
          trustedHosts: ['127.0.0.1'],
        }),
      ),
  };
}
