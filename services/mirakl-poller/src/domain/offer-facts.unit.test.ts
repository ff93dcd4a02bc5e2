import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from '@jest/globals';
import type { MiraklOffer } from '@msync/mirakl';
import {
  decideOfferFacts,
  needsFullExport,
  offerFactsOf,
  offerMark,
  observedOffers,
  offersFlowOpen,
  offerFingerprint,
  type ObservedOffer,
} from './offer-facts.js';

const T0 = new Date(Date.UTC(2026, 10, 30, 9, 0, 0));
const offer = (overrides: Partial<ObservedOffer> = {}): ObservedOffer => ({
  offerId: 2001,
  shopSku: 'SKU-MUG',
  productSku: 'MKP-MUG',
  quantity: 4,
  active: true,
  stateCode: '11',
  lastUpdated: T0,
  deleted: false,
  ...overrides,
});

describe('offers: which offer snapshots become MiraklOfferObserved', () => {
  it('given an offer never seen, then one fact keyed by SKU, change time and fingerprint', () => {
    const decision = decideOfferFacts('store-1', offer(), undefined, T0);
    expect(decision.facts).toEqual([
      {
        topic: 'offerObserved',
        idempotencyKey: `mirakl:store-1:offer:SKU-MUG:${T0.getTime()}:${offerFingerprint(offer())}`,
        occurredAt: T0,
        body: {
          offerId: '2001',
          shopSku: 'SKU-MUG',
          productSku: 'MKP-MUG',
          productTitle: null,
          quantity: 4,
          active: true,
          deleted: false,
          lastUpdated: T0.getTime(),
          more: [],
        },
      },
    ]);
    expect(decision.remember).toEqual({
      version: T0.getTime(),
      marks: [`fp:${offerFingerprint(offer())}`],
    });
  });

  it('given the same offer seen with the same fingerprint, then no fact, and it is remembered as it was', () => {
    const seen = decideOfferFacts('store-1', offer(), undefined, T0).remember;
    const later = new Date(T0.getTime() + 60_000);
    // Changed later only in its quantity: Mirakl moves `last_updated`.
    const again = decideOfferFacts(
      'store-1',
      offer({ lastUpdated: later, quantity: 7 }),
      seen,
      later,
    );
    expect(again.facts).toEqual([]);
    expect(again.remember).toEqual(seen);
  });

  it('given only the quantity changed, then no fact: stock is not what products are made of', () => {
    const seen = decideOfferFacts('store-1', offer(), undefined, T0).remember;
    expect(decideOfferFacts('store-1', offer({ quantity: 99 }), seen, T0).facts).toEqual([]);
  });

  it('given an offer whose entry holds its mark (ADR 0178), then that is what the decision remembers, with no fact', () => {
    const seen = decideOfferFacts('store-1', offer(), undefined, T0).remember;
    expect(seen.marks).toEqual([offerMark(offer())]);
    const again = decideOfferFacts('store-1', offer({ quantity: 99 }), seen, T0);
    expect(again).toEqual({
      facts: [],
      remember: { version: seen.version, marks: [offerMark(offer())] },
    });
    expect(offerMark(offer({ title: 'Renamed' }))).not.toBe(offerMark(offer()));
  });

  it.each([
    ['deactivated', { active: false }],
    ['deleted', { deleted: true }],
    ['given a title', { title: 'Blue mug' }],
    ['moved to another product', { productSku: 'MKP-OTHER' }],
    ['in another condition', { stateCode: '1' }],
  ] as [string, Partial<ObservedOffer>][])(
    'given the offer was %s, then one new fact',
    (_what, change) => {
      const seen = decideOfferFacts('store-1', offer(), undefined, T0).remember;
      const decision = decideOfferFacts('store-1', offer(change), seen, T0);
      expect(decision.facts).toHaveLength(1);
      expect(decision.facts[0]?.body).toMatchObject(
        change.title ? { productTitle: 'Blue mug' } : {},
      );
    },
  );

  it('given an offer without a change time (OF21), then the observation time stands for it', () => {
    const decision = decideOfferFacts('store-1', offer({ lastUpdated: undefined }), undefined, T0);
    expect(decision.facts[0]?.body.lastUpdated).toBe(T0.getTime());
  });
});

describe("offers: a pass's facts cut into facts of several offers (ADR 0168)", () => {
  const factOf = (sku: string, minute = 0) => {
    const at = new Date(T0.getTime() + minute * 60_000);
    return decideOfferFacts('store-1', offer({ shopSku: sku, lastUpdated: at }), undefined, at)
      .facts[0]!;
  };
  const skusOf = (fact: ReturnType<typeof factOf>) => [
    fact.body.shopSku,
    ...fact.body.more.map((o) => o.shopSku),
  ];

  it('given five offers and three a fact, then two facts in order: the first offer their own, the others in `more` with their own keys and times', () => {
    const facts = ['A', 'B', 'C', 'D', 'E'].map((sku, i) => factOf(sku, i));
    const cut = offerFactsOf(facts, 3);
    expect(cut.map(skusOf)).toEqual([
      ['A', 'B', 'C'],
      ['D', 'E'],
    ]);
    expect(cut[1]!.idempotencyKey).toBe(facts[3]!.idempotencyKey);
    expect(cut[1]!.occurredAt).toEqual(facts[3]!.occurredAt);
    const { more: _more, ...offerE } = facts[4]!.body;
    expect(cut[1]!.body.more).toEqual([{ idempotencyKey: facts[4]!.idempotencyKey, ...offerE }]);
    // The facts decided are left as they were (a pass cut again gives the same facts).
    expect(facts.every((fact) => fact.body.more.length === 0)).toBe(true);
    expect(offerFactsOf(facts, 3)).toEqual(cut);
  });

  it('given an offer without a shop SKU among others, then it is a fact of its own and the others go on together', () => {
    const facts = [factOf('A'), factOf(' '), factOf('B'), factOf('C')];
    expect(offerFactsOf(facts, 10).map(skusOf)).toEqual([['A', 'B', 'C'], [' ']]);
  });

  it('given one offer a fact, then the facts as decided', () => {
    const facts = [factOf('A'), factOf('B')];
    expect(offerFactsOf(facts, 1)).toEqual(facts);
  });
});

describe('offers: one read observed', () => {
  it('given the offers of an export, then each becomes a new object with its deleted flag, all of one hidden class', () => {
    // V8's own check of two objects' hidden classes (test only).
    setFlagsFromString('--allow-natives-syntax');
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a V8 intrinsic needs source text
    const sameShape = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
      a: object,
      b: object,
    ) => boolean;
    // As the export parser builds them.
    const exported = Array.from({ length: 1_000 }, (_, i): MiraklOffer => ({
      offerId: 1_000 + i,
      shopSku: `SKU-${i}`,
      productSku: `MKP-${i}`,
      quantity: i % 90,
      active: true,
      stateCode: '11',
      lastUpdated: new Date(T0.getTime() - i * 1_000),
    }));

    const observed = observedOffers(exported, false);

    expect(observed).toEqual(exported.map((o) => ({ ...o, deleted: false })));
    expect(observed[0]).not.toBe(exported[0]);
    expect(observed.filter((o, i) => i > 0 && !sameShape(o, observed[i - 1]!))).toEqual([]);
    expect(observedOffers(exported.slice(0, 1), true)[0]).toMatchObject({ deleted: true });
  });
});

describe('offers: full or differential export', () => {
  const day = 24 * 3600_000;
  it('given no cursor yet, then full', () => {
    expect(needsFullExport(null, false, T0.getTime(), day)).toBe(true);
  });
  it('given a full export less than a day ago, then differential', () => {
    expect(needsFullExport(new Date(T0.getTime() - day + 1), true, T0.getTime(), day)).toBe(false);
  });
  it('given the last full export a day ago, then full again', () => {
    expect(needsFullExport(new Date(T0.getTime() - day), true, T0.getTime(), day)).toBe(true);
  });
  it('given a cursor but no full export recorded, then full', () => {
    expect(needsFullExport(null, true, T0.getTime(), day)).toBe(true);
  });
});

describe('offers: whether the catalog is read at all', () => {
  it.each([
    [true, true, true],
    [false, true, false],
    [true, false, false],
  ])('given offers %s and ShipBob configured %s, then read: %s', (offers, shipbob, read) => {
    expect(offersFlowOpen({ toggles: { offers }, shipbobConfigured: shipbob })).toBe(read);
  });
});
