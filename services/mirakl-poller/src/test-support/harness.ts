import { offersOf, type EventOf } from '@msync/events';
import type { Logger, PollStateStore, Registry } from '@msync/platform';
import {
  pollerBed,
  type PollerBed,
  type ReceivedFact,
  type TestStore,
} from '@msync/polling/test-support';
import { FACT_TOPICS, OFFER_FACT_TOPICS, STOCK_FACT_TOPICS } from '../fact-topics.js';
import { OFFERS } from '../offers-pass.js';
import { ORDERS } from '../orders-pass.js';
import { RECONCILE } from '../stock-pass.js';
import { COLLECTIONS, SOURCE, createMiraklPoller } from '../service.js';

export type FactTopic = (typeof FACT_TOPICS)[number];
export type OfferFactTopic = (typeof OFFER_FACT_TOPICS)[number];
export type StockFactTopic = (typeof STOCK_FACT_TOPICS)[number];

export interface PollerHarness<
  T extends FactTopic | OfferFactTopic | StockFactTopic = FactTopic,
> extends Omit<PollerBed<T>, 'addStore' | 'startPoller'> {
  /** Seeds a Mirakl-only store the way config-api stores it and publishes its configuration. */
  addStore(
    input: Pick<TestStore, 'storeId' | 'status' | 'version' | 'miraklUrl' | 'shopId'> & {
      apiKey: string;
      /** A ShipBob token too (Sync Offers reads a catalog only then); default none. */
      withShipBob?: boolean;
    },
  ): Promise<void>;
  startPoller(options?: {
    groupId?: string;
    or11IntervalMs?: number;
    of52IntervalMs?: number;
    offersFullEveryMs?: number;
    state?: (s: PollStateStore) => PollStateStore;
  }): Promise<{ metrics: Registry; stop(): Promise<void> }>;
}

/** The shared poller test bed running mirakl-poller against simulators on 127.0.0.1 (orders). */
export function pollerHarness(logger: Logger): Promise<PollerHarness> {
  return harnessFor(logger, ORDERS, FACT_TOPICS);
}

/**
 * The same bed for the offers stream and its offer facts. The stock topic exists too: a full
 * export of a store with Sync Inventory on also publishes its quantities (ADR 0088); those are
 * `stockHarness`'s to look at.
 */
export async function offersHarness(logger: Logger): Promise<PollerHarness<OfferFactTopic>> {
  const bed = await harnessFor(logger, OFFERS, [...OFFER_FACT_TOPICS, ...STOCK_FACT_TOPICS]);
  return {
    ...bed,
    get facts() {
      return bed.facts.filter(
        (f): f is ReceivedFact<OfferFactTopic> => f.topic === 'offerObserved',
      );
    },
  };
}

/** The bed for stock reconciliations: the `reconcile` stream, offer and stock facts. */
export function stockHarness(
  logger: Logger,
): Promise<PollerHarness<OfferFactTopic | StockFactTopic>> {
  return harnessFor(logger, RECONCILE, [...OFFER_FACT_TOPICS, ...STOCK_FACT_TOPICS]);
}

async function harnessFor<T extends FactTopic | OfferFactTopic | StockFactTopic>(
  logger: Logger,
  stream: string,
  factTopics: readonly T[],
): Promise<PollerHarness<T>> {
  const bed = await pollerBed(logger, {
    service: SOURCE,
    system: 'MIRAKL',
    stream,
    factTopics,
    statePrefix: COLLECTIONS.prefix,
  });
  return {
    ...bed,
    /** One per offer: a fact of several offers (ADR 0168) stands for each of them. */
    get facts() {
      return bed.facts.flatMap((f) =>
        f.topic === 'offerObserved'
          ? offersOf(f.value as EventOf<'offerObserved'>).map((value) => ({
              ...f,
              idempotencyKey: value.envelope.idempotencyKey,
              value: value as EventOf<T>,
            }))
          : [f],
      );
    },
    addStore: ({ withShipBob, ...input }) =>
      bed.addStore({
        ...input,
        shipbob: withShipBob ? { pat: 'test-only-shipbob-pat', channelId: '1' } : null,
      }),
    startPoller: (options = {}) =>
      bed.startPoller(options, (wiring) =>
        createMiraklPoller({
          ...wiring,
          or11IntervalMs: options.or11IntervalMs ?? 500,
          of52IntervalMs: options.of52IntervalMs ?? 200,
          offersFullEveryMs: options.offersFullEveryMs ?? 24 * 3600_000,
          exportPollIntervalMs: 50,
          initialLookbackMs: 24 * 3600_000,
          seenRetentionMs: 24 * 3600_000,
          trustedHosts: ['127.0.0.1'],
        }),
      ),
  };
}
