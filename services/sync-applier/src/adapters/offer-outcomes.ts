import type { Publisher, SyncOutcomeRecorded } from '@msync/events';
import { errorMessage, type Logger } from '@msync/platform';
import type { Outcome } from '../domain/decision.js';
import type { ApplierMetrics } from '../metrics.js';
import type { CatalogView, OfferViewEntry } from './catalog-view.js';
import { countOutcome, outcomeEvent, type OutcomeRecorder } from './outcomes.js';

/** Deferred outcomes kept before a flush is started in the background. */
export const DEFAULT_MAX_PENDING = 2_000;

interface Pending {
  storeId: string;
  outcome: Outcome;
  event: SyncOutcomeRecorded;
}

/**
 * Outcomes and the seller's catalog view (ADR 0089), written a batch at a time for the offers
 * flow (ADR 0097).
 *
 * - `record`: the outcome is published now (APPLIED, FAILED, anything the ledger marks recorded);
 *   an offers outcome's view entry is written before it resolves, with any pending before it.
 * - `recordLater`: an offers outcome that changes no vendor and no ledger entry (a product
 *   reused, an offer deleted, a flow off) is kept; `flush` publishes every kept outcome in one
 *   publish and writes the view a few writes per store. The consumer calls `flush` before each
 *   offset commit (`commit.beforeCommit`), so a commit never passes a fact whose outcome is not
 *   published: after a crash the fact is delivered again and decided again.
 *
 * Flushes run one at a time, in order; a failed one keeps what it did not write for the next.
 */
export function createOfferOutcomes(options: {
  record: OutcomeRecorder;
  publisher: Publisher;
  view: CatalogView;
  metrics: ApplierMetrics;
  logger: Logger;
  now?: () => number;
  maxPending?: number;
}) {
  const now = options.now ?? Date.now;
  const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
  let unpublished: Pending[] = [];
  let unviewed: (OfferViewEntry & { storeId: string })[] = [];
  let chain: Promise<void> = Promise.resolve();

  const viewEntry = (outcome: Outcome, fact: Parameters<OutcomeRecorder>[1], at: number) => ({
    storeId: fact.envelope.storeId,
    outcome,
    correlationId: fact.envelope.correlationId,
    at: new Date(at),
  });

  const write = async (): Promise<void> => {
    const events = unpublished;
    unpublished = [];
    if (events.length > 0) {
      try {
        await options.publisher.publish(
          'syncOutcome',
          events.map((pending) => pending.event),
        );
      } catch (error) {
        unpublished = [...events, ...unpublished];
        throw error;
      }
      for (const { storeId, outcome, event } of events) {
        countOutcome(options.metrics, outcome, event);
        options.logger.debug('outcome recorded', {
          storeId,
          flow: outcome.flow,
          action: outcome.action,
          outcome: outcome.outcome,
          effectKey: outcome.effectKey,
          reason: outcome.reason,
        });
      }
    }
    const entries = unviewed;
    unviewed = [];
    const byStore = new Map<string, OfferViewEntry[]>();
    for (const { storeId, ...entry } of entries) {
      const list = byStore.get(storeId) ?? [];
      list.push(entry);
      byStore.set(storeId, list);
    }
    const left = new Set(byStore.keys());
    try {
      for (const [storeId, list] of byStore) {
        await options.view.observeOffers(storeId, list);
        left.delete(storeId);
      }
    } catch (error) {
      unviewed = [...entries.filter((entry) => left.has(entry.storeId)), ...unviewed];
      throw error;
    }
    if (events.length > 0) {
      options.logger.info('offer outcomes recorded', {
        outcomes: events.length,
        stores: new Set(events.map((pending) => pending.storeId)).size,
      });
    }
  };

  /**
   * A flush asked for and not started yet. A later ask joins it instead of queueing one more
   * behind it: it writes what is kept when it starts. One queued flush per ask held each asking
   * fact's context (its deadline signal) until the queue drained: 6,000 signals, 15 MB, in the
   * catalog benchmark's first cycle while the view was slower than the flow (ADR 0132).
   */
  let queued: Promise<void> | undefined;
  /** Writes everything kept so far, after any flush under way. */
  const flush = (): Promise<void> => {
    if (queued) return queued;
    const run = chain.then(() => {
      queued = undefined;
      return write();
    });
    queued = run;
    chain = run.catch(() => undefined);
    return run;
  };

  const record: OutcomeRecorder = async (outcome, fact) => {
    await options.record(outcome, fact);
    if (outcome.flow !== 'offers') return;
    unviewed.push(viewEntry(outcome, fact, now()));
    await flush();
  };

  return {
    record,
    /** Keeps an offers outcome for the next flush (any other flow's is recorded now). */
    recordLater: async (outcome: Outcome, fact: Parameters<OutcomeRecorder>[1]): Promise<void> => {
      if (outcome.flow !== 'offers') return record(outcome, fact);
      const at = now();
      unpublished.push({
        storeId: fact.envelope.storeId,
        outcome,
        event: outcomeEvent(outcome, fact, at),
      });
      unviewed.push(viewEntry(outcome, fact, at));
      if (unpublished.length >= maxPending && !queued)
        flush().catch((error: unknown) =>
          options.logger.warn('deferred offer outcomes not written yet; the next commit retries', {
            error: errorMessage(error),
          }),
        );
      // Backpressure: with twice as many waiting for the view as a flush starts with, the lane
      // waits for the flushes under way, so what is kept stays bounded when the database is
      // slower than the flow (it grew to tens of thousands of outcomes, then out of memory).
      if (unviewed.length >= 2 * maxPending) {
        options.metrics.offerOutcomeWaits.inc();
        await chain;
      }
    },
    flush,
    /** Outcomes kept and not yet published. */
    get pending(): number {
      return unpublished.length;
    },
  };
}

export type OfferOutcomes = ReturnType<typeof createOfferOutcomes>;
