import { createHash } from 'node:crypto';
import {
  envelope,
  MAX_OFFERS_PER_OUTCOME,
  OFFERS_OUTCOME_KEY_PREFIX,
  type EventEnvelope,
  type Publisher,
  type SyncOutcomeRecorded,
} from '@msync/events';
import { errorMessage, type Logger } from '@msync/platform';
import type { Outcome } from '../domain/decision.js';
import type { ApplierMetrics } from '../metrics.js';
import type { CatalogView, OfferViewEntry } from './catalog-view.js';
import { countOutcome, outcomeEvent, SOURCE, type OutcomeRecorder } from './outcomes.js';

/** Deferred outcomes kept before a flush is started in the background. */
export const DEFAULT_MAX_PENDING = 2_000;

interface Pending {
  outcome: Outcome;
  envelope: EventEnvelope;
  at: number;
}

/** An event to publish and the kept outcomes it stands for. */
interface Recorded {
  event: SyncOutcomeRecorded;
  kept: Pending[];
}

/**
 * The events of kept outcomes (ADR 0161): those of one store, poll (correlation id), outcome and
 * reason are one event of up to {@link MAX_OFFERS_PER_OUTCOME} offers; one alone is its own
 * event, as an outcome recorded now is.
 */
export function keptOutcomeEvents(kept: readonly Pending[], now: number): Recorded[] {
  const groups = new Map<string, Pending[]>();
  let last: Pending | undefined;
  let lastGroup: Pending[] = [];
  for (const pending of kept) {
    // Kept outcomes come a fact's offers at a time: most join the group of the one before,
    // without a key of their own.
    if (last && alike(last, pending)) {
      lastGroup.push(pending);
      continue;
    }
    const { outcome } = pending;
    const key = [
      pending.envelope.storeId,
      pending.envelope.correlationId,
      outcome.outcome,
      outcome.reason ?? '',
      outcome.action,
    ].join('\u0000');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(pending);
    last = pending;
    lastGroup = group;
  }
  const recorded: Recorded[] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += MAX_OFFERS_PER_OUTCOME) {
      const chunk = group.slice(i, i + MAX_OFFERS_PER_OUTCOME);
      const [one] = chunk;
      if (chunk.length === 1 && one)
        recorded.push({ event: outcomeEvent(one.outcome, one, one.at), kept: chunk });
      else recorded.push({ event: offersOutcomeEvent(chunk, now), kept: chunk });
    }
  }
  return recorded;
}

/** Whether two kept outcomes go in one event: same store, poll, outcome, reason and action. */
const alike = (a: Pending, b: Pending): boolean =>
  a.envelope.storeId === b.envelope.storeId &&
  a.envelope.correlationId === b.envelope.correlationId &&
  a.outcome.outcome === b.outcome.outcome &&
  a.outcome.reason === b.outcome.reason &&
  a.outcome.action === b.outcome.action;

/** How many kept outcomes these events stand for. */
const outcomesIn = (recorded: readonly Recorded[]): number =>
  recorded.reduce((sum, { kept }) => sum + kept.length, 0);

/** One event for many kept offers outcomes alike (same store, poll, outcome and reason). */
function offersOutcomeEvent(chunk: readonly Pending[], now: number): SyncOutcomeRecorded {
  const first = chunk[0]!;
  const products = new Map<string, string>();
  for (const { outcome } of chunk)
    products.set(outcome.subjectId ?? '', outcome.externalIds['shipbobProductId'] ?? '');
  const skus = [...products.keys()].sort();
  const effectKey = `${OFFERS_OUTCOME_KEY_PREFIX}${skus[0]}..${skus[skus.length - 1]}`;
  const facts = createHash('sha256');
  for (const pending of chunk) facts.update(pending.envelope.idempotencyKey).update('\u0000');
  const { storeId, correlationId } = first.envelope;
  const { outcome, reason, target } = first.outcome;
  return {
    envelope: envelope({
      storeId,
      idempotencyKey: `applier:${storeId}:${effectKey}:${outcome}:${facts.digest('hex').slice(0, 32)}`,
      source: SOURCE,
      occurredAt: Math.max(...chunk.map((pending) => pending.at)),
      observedAt: now,
      correlationId,
      causationId: null,
    }),
    flow: 'offers',
    effectKey,
    target,
    outcome,
    subjectId: `${skus.length} offers`,
    detail: offersDetail(outcome, reason, skus),
    dryRun: false,
    miraklOrderId: null,
    reason,
    externalIds: Object.fromEntries(skus.map((sku) => [sku, products.get(sku) ?? ''])),
    latencyMs: Math.max(0, ...chunk.map((pending) => pending.at - pending.envelope.observedAt)),
  };
}

const SKUS_NAMED = 5;

function offersDetail(outcome: string, reason: string | null, skus: readonly string[]): string {
  const what =
    reason === 'product-exists'
      ? 'their SKUs are already carried by ShipBob products: reused, no new product'
      : `${outcome}${reason ? ` (${reason})` : ''}`;
  const named = skus.slice(0, SKUS_NAMED).join(', ');
  const more = skus.length > SKUS_NAMED ? ` and ${skus.length - SKUS_NAMED} more` : '';
  return `${skus.length} offers, ${what}: ${named}${more}; each SKU's product and result are in the catalog view`;
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
  /** Events of kept outcomes whose publish failed, for the next flush. */
  let unsent: Recorded[] = [];
  let unviewed: (OfferViewEntry & { storeId: string })[] = [];
  let chain: Promise<void> = Promise.resolve();

  const viewEntry = (outcome: Outcome, fact: Parameters<OutcomeRecorder>[1], at: number) => ({
    storeId: fact.envelope.storeId,
    outcome,
    correlationId: fact.envelope.correlationId,
    at: new Date(at),
  });

  const write = async (): Promise<void> => {
    const kept = unpublished;
    unpublished = [];
    let sent: Recorded[] = [];
    if (kept.length > 0 || unsent.length > 0) {
      // Events a failed publish left are sent again as they were (same event ids): a publish
      // that failed part-way adds no second activity entry for what it sent.
      const recorded = [...unsent, ...keptOutcomeEvents(kept, now())];
      unsent = [];
      try {
        await options.publisher.publish(
          'syncOutcome',
          recorded.map(({ event }) => event),
        );
      } catch (error) {
        unsent = recorded;
        throw error;
      }
      sent = recorded;
      for (const { event, kept: those } of recorded) {
        // The outcomes of one event share their flow, action and outcome (`keptOutcomeEvents`).
        countOutcome(options.metrics, those[0]!.outcome, event, those.length);
        options.logger.debug('outcome recorded', {
          storeId: event.envelope.storeId,
          flow: event.flow,
          outcome: event.outcome,
          effectKey: event.effectKey,
          reason: event.reason,
          offers: those.length,
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
    if (sent.length > 0) {
      options.logger.info('offer outcomes recorded', {
        outcomes: outcomesIn(sent),
        events: sent.length,
        stores: new Set(sent.map(({ event }) => event.envelope.storeId)).size,
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
      unpublished.push({ outcome, envelope: fact.envelope, at });
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
      return unpublished.length + outcomesIn(unsent);
    },
  };
}

export type OfferOutcomes = ReturnType<typeof createOfferOutcomes>;
