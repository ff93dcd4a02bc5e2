import { hash } from 'node:crypto';
import { idempotencyKey } from '@msync/events';
import type { MiraklOffer } from '@msync/mirakl';
import type { SeenItem } from '@msync/platform';
import type { MiraklFact } from './facts.js';

/** An offer as one export (or OF21 listing) showed it: deleted ones come from differentials. */
export interface ObservedOffer extends MiraklOffer {
  deleted: boolean;
}

/**
 * The offers of one read as observed, `deleted` or not: one new object each, all of one shape.
 * (`{ ...offer, deleted }` gave nearly every offer of an export a V8 hidden class and descriptor
 * array of its own: 13 MB of a poller's heap during two full exports of 10,000; `Object.assign`
 * onto a new object does not.)
 */
export function observedOffers(offers: readonly MiraklOffer[], deleted: boolean): ObservedOffer[] {
  return offers.map((offer) => Object.assign({}, offer, { deleted }));
}

/** What one offer snapshot produces: at most one fact, and what to remember of it. */
export interface OfferDecision {
  facts: Extract<MiraklFact, { topic: 'offerObserved' }>[];
  remember: SeenItem;
}

const FINGERPRINT_MARK = 'fp:';

/**
 * The offer's fingerprint: a hash over what a ShipBob product and the seller care about (SKU,
 * Mirakl ids, title, condition, active, deleted). Quantity and price are left out on purpose:
 * stock moves every cycle, and the applier's own pushes would otherwise come back as changes.
 */
export function offerFingerprint(offer: ObservedOffer): string {
  const identity = [
    offer.shopSku,
    String(offer.offerId),
    offer.productSku,
    offer.title ?? '',
    offer.stateCode ?? '',
    offer.active ? '1' : '0',
    offer.deleted ? '1' : '0',
  ];
  return hash('sha256', identity.join('\u0000'), 'hex').slice(0, 32);
}

/** The mark an offer's seen entry carries: its fingerprint (the only one). */
export const offerMark = (offer: ObservedOffer): string => markOf(offerFingerprint(offer));

const markOf = (fingerprint: string): string => `${FINGERPRINT_MARK}${fingerprint}`;

/**
 * Whether an offer snapshot is a fact: `MiraklOfferObserved` when the store never showed this SKU
 * or its fingerprint differs from the one last emitted; nothing otherwise. The entry is
 * remembered either way, so a full export keeps every offer of the catalog from being pruned.
 * The idempotency key (`mirakl:<store>:offer:<sku>:<lastUpdated ms>:<fingerprint>`) comes from
 * the snapshot: reading the same export again after a crash yields the same keys. The remembered
 * version is the change time of the snapshot whose fingerprint was last emitted.
 */
export function decideOfferFacts(
  storeId: string,
  offer: ObservedOffer,
  seen: SeenItem | undefined,
  observedAt: Date,
): OfferDecision {
  const fingerprint = offerFingerprint(offer);
  const mark = markOf(fingerprint);
  const changedAt = offer.lastUpdated ?? observedAt;
  const version = Math.max(changedAt.getTime(), seen?.version ?? 0);
  const remember: SeenItem = { version, marks: [mark] };
  // Unchanged but for its quantity (the product's own imports move `last_updated`): remembered as
  // it was, so the pass rewrites its entry only when that is old (ADR 0135).
  if (seen?.marks.includes(mark))
    return { facts: [], remember: { version: seen.version, marks: [mark] } };
  return {
    facts: [
      {
        topic: 'offerObserved',
        idempotencyKey: idempotencyKey(
          'mirakl',
          storeId,
          'offer',
          offer.shopSku,
          changedAt.getTime(),
          fingerprint,
        ),
        occurredAt: changedAt,
        body: {
          offerId: String(offer.offerId),
          shopSku: offer.shopSku,
          productSku: offer.productSku || null,
          productTitle: offer.title ?? null,
          quantity: offer.quantity,
          active: offer.active,
          deleted: offer.deleted,
          lastUpdated: changedAt.getTime(),
          more: [],
        },
      },
    ],
    remember,
  };
}

/** Offers one `MiraklOfferObserved` carries at most, its own and those in `more` (ADR 0168). */
export const DEFAULT_OFFERS_PER_FACT = 100;

type OfferFact = OfferDecision['facts'][number];

/**
 * A pass's offer facts as facts of up to `perFact` offers each, in the pass's order (ADR 0168):
 * the first offer is the fact's own (its key, its change time), the others go in `more` with
 * their own keys. An offer without a shop SKU stays a fact of its own: the applier refuses it,
 * and the dead-letter topic then holds that offer alone. A pass cut the same way twice (a crash
 * before its cursor moved) gives the same facts.
 */
export function offerFactsOf(facts: readonly OfferFact[], perFact: number): OfferFact[] {
  const size = Math.max(1, Math.floor(perFact));
  const out: OfferFact[] = [];
  let open: OfferFact | undefined;
  for (const fact of facts) {
    if (!fact.body.shopSku.trim()) {
      out.push(fact);
      continue;
    }
    if (open && open.body.more.length + 1 < size) {
      // Field by field: a rest pattern and a spread made two objects an offer.
      const { body } = fact;
      open.body.more.push({
        idempotencyKey: fact.idempotencyKey,
        offerId: body.offerId,
        shopSku: body.shopSku,
        productSku: body.productSku,
        productTitle: body.productTitle,
        quantity: body.quantity,
        active: body.active,
        deleted: body.deleted,
        lastUpdated: body.lastUpdated,
      });
      continue;
    }
    open = { ...fact, body: { ...fact.body, more: [] } };
    out.push(open);
  }
  return out;
}

/** Whether this offer pass must read the whole catalog: first pass, or the daily full is due. */
export function needsFullExport(
  lastFullAt: Date | null,
  hasCursor: boolean,
  now: number,
  fullEveryMs: number,
): boolean {
  if (!hasCursor || lastFullAt === null) return true;
  return now - lastFullAt.getTime() >= fullEveryMs;
}

/**
 * Whether the store's catalog is worth reading now: Sync Offers on and ShipBob configured, the
 * applier's own gate. Read while it is closed, every offer would be remembered as seen and then
 * skipped by the applier, and no differential would bring it back once the flow opens; unread,
 * the first pass after it opens is a full export.
 */
export function offersFlowOpen(config: {
  toggles: { offers: boolean };
  shipbobConfigured: boolean;
}): boolean {
  return config.toggles.offers && config.shipbobConfigured;
}
