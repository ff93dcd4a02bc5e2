import { describe, expect, it } from '@jest/globals';
import { outcomeOf } from '../domain/decision.js';
import { productBase } from '../domain/offers.js';
import { offerObserved } from '../test-support/facts.js';
import { keptOutcomeEvents } from './offer-outcomes.js';

const NOW = Date.UTC(2026, 0, 1);

/** A reused offer's kept outcome, of a store and poll. */
const kept = (storeId: string, sku: string, poll = 'poll-A', reason = 'product-exists') => {
  const fact = offerObserved({ storeId, sku });
  return {
    outcome: outcomeOf(productBase(sku), 'DUPLICATE', {
      reason,
      externalIds: { shipbobProductId: `P-${sku}`, sku },
    }),
    envelope: { ...fact.envelope, correlationId: poll },
    at: NOW,
  };
};

const summary = (recorded: ReturnType<typeof keptOutcomeEvents>) =>
  recorded
    .map(
      ({ event, kept: those }) =>
        `${event.envelope.storeId} ${event.envelope.correlationId} ${event.reason} ${those.map((p) => p.outcome.subjectId).join(',')}`,
    )
    .sort();

describe('kept offers outcomes as events (ADR 0161)', () => {
  it('given outcomes of two stores and two polls in turns, then one event per store, poll and reason, each with its offers in the order kept', () => {
    // Given the outcomes of store 1's poll A, store 2, store 1's poll A again, poll B, and poll A
    // again with another reason
    const given = [
      kept('s1', 'A1'),
      kept('s1', 'A2'),
      kept('s2', 'B1'),
      kept('s1', 'A3'),
      kept('s1', 'C1', 'poll-B'),
      kept('s1', 'A4'),
      kept('s1', 'D1', 'poll-A', 'other'),
      kept('s2', 'B2'),
    ];

    // When they become events
    const recorded = keptOutcomeEvents(given, NOW);

    // Then each group is one event of all its offers, however they were interleaved
    expect(summary(recorded)).toEqual([
      's1 poll-A other D1',
      's1 poll-A product-exists A1,A2,A3,A4',
      's1 poll-B product-exists C1',
      's2 poll-A product-exists B1,B2',
    ]);
    expect(recorded.reduce((sum, { kept: those }) => sum + those.length, 0)).toBe(given.length);
  });
});
