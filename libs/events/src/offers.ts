import type { MiraklOfferObserved } from './generated/types.js';

/**
 * A fact's offers, each as the fact of its own it stands for (ADR 0168): the fact's own offer,
 * then each of `more`, with its own idempotency key, its change time as `occurredAt` and an event
 * id of its own (the fact's, `/<n>`). A fact of one offer is itself.
 */
export function offersOf(fact: MiraklOfferObserved): MiraklOfferObserved[] {
  if (fact.more.length === 0) return [fact];
  const { envelope } = fact;
  return [
    { ...fact, more: [] },
    ...fact.more.map(({ idempotencyKey, ...offer }, i) => ({
      ...offer,
      envelope: {
        ...envelope,
        eventId: `${envelope.eventId}/${i + 1}`,
        idempotencyKey,
        occurredAt: offer.lastUpdated,
      },
      more: [],
    })),
  ];
}
