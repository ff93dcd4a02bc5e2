import type { MiraklOfferObserved } from './generated/types.js';

/**
 * A fact's offers, each as the fact of its own it stands for (ADR 0168): the fact's own offer,
 * then each of `more`, with its own idempotency key, its change time as `occurredAt` and an event
 * id of its own (the fact's, `/<n>`). A fact of one offer is itself.
 */
export function offersOf(fact: MiraklOfferObserved): MiraklOfferObserved[] {
  const { more } = fact;
  if (more.length === 0) return [fact];
  const { envelope } = fact;
  const offers: MiraklOfferObserved[] = [{ ...fact, more: [] }];
  // Each written field by field: a rest pattern and two spreads per offer (a copy of the item
  // without its key, then of that copy) were a quarter of what the applier's offers path
  // allocated.
  for (let i = 0; i < more.length; i++) {
    const offer = more[i]!;
    offers.push({
      envelope: {
        eventId: `${envelope.eventId}/${i + 1}`,
        idempotencyKey: offer.idempotencyKey,
        storeId: envelope.storeId,
        occurredAt: offer.lastUpdated,
        observedAt: envelope.observedAt,
        correlationId: envelope.correlationId,
        causationId: envelope.causationId,
        source: envelope.source,
      },
      offerId: offer.offerId,
      shopSku: offer.shopSku,
      productSku: offer.productSku,
      productTitle: offer.productTitle,
      quantity: offer.quantity,
      active: offer.active,
      deleted: offer.deleted,
      lastUpdated: offer.lastUpdated,
      more: [],
    });
  }
  return offers;
}
