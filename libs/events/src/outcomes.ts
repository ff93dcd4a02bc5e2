import type { SyncOutcomeRecorded } from './generated/types.js';

/**
 * The start of the effect key of an offers outcome that stands for many offers (ADR 0161): the
 * sync-applier records offers that change nothing (a product reused, an offer deleted, a flow
 * off, an effect already applied) as one outcome per store, poll, outcome and reason, up to
 * {@link MAX_OFFERS_PER_OUTCOME} offers each, instead of one per offer. Its `externalIds` map
 * each offer's SKU to the ShipBob product it was matched to ('' when none), its `subjectId`
 * says how many.
 */
export const OFFERS_OUTCOME_KEY_PREFIX = 'offers:';

/** The most offers one outcome of many stands for: its event stays a few kilobytes. */
export const MAX_OFFERS_PER_OUTCOME = 250;

/** Whether an outcome stands for many offers (ADR 0161). */
export function isOffersSummary(outcome: Pick<SyncOutcomeRecorded, 'flow' | 'effectKey'>): boolean {
  return outcome.flow === 'offers' && outcome.effectKey.startsWith(OFFERS_OUTCOME_KEY_PREFIX);
}

/**
 * The subjects an outcome is about: the SKUs of an outcome of many offers, else its one subject.
 * Consumers that count offers (the benchmark, the tests) count these.
 */
export function subjectsOfOutcome(
  outcome: Pick<SyncOutcomeRecorded, 'flow' | 'effectKey' | 'subjectId' | 'externalIds'>,
): string[] {
  return isOffersSummary(outcome) ? Object.keys(outcome.externalIds) : [outcome.subjectId];
}
