import { describe, expect, it } from '@jest/globals';
import { ITEMS_HEADER, offersOf, type MiraklOfferObserved } from '@msync/events';
import { offerFactsOf } from './applier.js';
import { offerObserved, offersFact } from './test-support/facts.js';

// One poll's offers: one correlation id, each its own key and change time.
const offers = ['SKU-A', 'SKU-B', 'SKU-C'].map((sku, i) => {
  const offer = offerObserved({ sku });
  return {
    ...offer,
    envelope: { ...offer.envelope, correlationId: 'poll-1', occurredAt: 1_000 + i },
    lastUpdated: 1_000 + i,
  };
});

const withoutEventId = ({
  envelope: { eventId: _id, ...envelope },
  ...offer
}: MiraklOfferObserved) => ({
  ...offer,
  envelope,
});

describe('a fact of several offers (ADR 0168)', () => {
  it('given a fact of three offers, then its offers are the three facts the poller would have published one by one', () => {
    const fact = offersFact(offers);
    const each = offersOf(fact);
    expect(each.map(withoutEventId)).toEqual(offers.map(withoutEventId));
    // Event ids of their own, derived from the fact's.
    expect(each.map((offer) => offer.envelope.eventId)).toEqual([
      fact.envelope.eventId,
      `${fact.envelope.eventId}/1`,
      `${fact.envelope.eventId}/2`,
    ]);
  });

  it('given a fact of one offer, then itself', () => {
    const fact = offersFact([offers[0]!]);
    expect(offersOf(fact)).toEqual([fact]);
  });

  it('given a consumed fact of three offers, then three facts with their own keys in their headers, places of their own and no items header', () => {
    const consumed = {
      topicKey: 'offerObserved' as const,
      topic: 't.offers',
      partition: 2,
      offset: '41',
      key: 'store-1',
      value: offersFact(offers),
      headers: {
        [ITEMS_HEADER]: '3',
        'idempotency-key': offers[0]!.envelope.idempotencyKey,
        origin: 'x',
      },
    };
    const facts = offerFactsOf(consumed);
    expect(facts.map((f) => [f.offset, f.value.shopSku, f.value.more.length])).toEqual([
      ['41', 'SKU-A', 0],
      ['41/1', 'SKU-B', 0],
      ['41/2', 'SKU-C', 0],
    ]);
    for (const fact of facts) {
      expect(fact.headers).toEqual({
        origin: 'x',
        'event-id': fact.value.envelope.eventId,
        'idempotency-key': fact.value.envelope.idempotencyKey,
      });
    }
    expect(facts[2]!.value.envelope.idempotencyKey).toBe(offers[2]!.envelope.idempotencyKey);
  });
});
