import type { ConsumedEventOf } from '@msync/events';
import type { Fact } from '../applier.js';
import type { SkuStock } from '../domain/inventory.js';
import type { ApplierMetrics } from '../metrics.js';
import type { InventoryState, OfferChange } from './inventory-state.js';

type LevelFact = ConsumedEventOf<'inventoryObserved'>;
type OfferFact = ConsumedEventOf<'offerObserved'>;
type CatalogFact = LevelFact | OfferFact;

/**
 * A store's catalog facts of one fetched batch that one write may record together: its offer
 * facts; its level facts up to and including a cycle's last one (that fact reads the levels, so
 * it must see exactly those before it, as when handled one by one).
 */
interface Segment {
  storeId: string;
  facts: CatalogFact[];
  /** Index of the first fact the last segment write recorded (with every later one). */
  writtenFrom?: number;
  /** Index after the last fact the consumer handled. */
  next: number;
}

const changesNothing = (fact: CatalogFact) =>
  fact.topicKey === 'inventoryObserved' && fact.value.nothingChanged;
const kindOf = (fact: CatalogFact) => (fact.topicKey === 'inventoryObserved' ? 'level' : 'offer');
const keyOf = (fact: Fact) => `${fact.topic}|${fact.partition}|${fact.offset}`;

/** The facts of a fetched batch cut into segments, in order (pure). */
export function catalogSegments(facts: readonly Fact[]): CatalogFact[][] {
  const segments: CatalogFact[][] = [];
  const open = new Map<string, CatalogFact[]>();
  for (const fact of facts) {
    if (fact.topicKey !== 'inventoryObserved' && fact.topicKey !== 'offerObserved') continue;
    const group = `${fact.topicKey}|${fact.value.envelope.storeId}`;
    let segment = open.get(group);
    if (!segment) {
      segment = [];
      segments.push(segment);
      open.set(group, segment);
    }
    segment.push(fact);
    if (fact.topicKey === 'inventoryObserved' && fact.value.endOfCycle) open.delete(group);
  }
  return segments;
}

const stockOf = (level: SkuStock): SkuStock => ({
  sku: level.sku,
  fulfillable: level.fulfillable,
  exception: level.exception,
  active: level.active,
  digital: level.digital,
});
/** A level fact's SKUs: its own, then those it carries in `more` (ADR 0166). */
const levelsOf = (fact: LevelFact): SkuStock[] => [
  stockOf(fact.value),
  ...fact.value.more.map(stockOf),
];
/** The SKUs a fact stands for: its own and those in `more` (ADR 0166, 0168). */
const skusOf = (fact: CatalogFact): number => 1 + fact.value.more.length;
/** An offer fact's offers: its own, then those it carries in `more` (ADR 0168). */
const offersOfFact = (fact: OfferFact): OfferChange[] =>
  [fact.value, ...fact.value.more].map((offer) => ({
    shopSku: offer.shopSku,
    present: !offer.deleted,
  }));

/**
 * Records ShipBob levels and Mirakl offers a fetched batch at a time (ADR 0093): `plan` learns a
 * batch's facts before they are handled; the first of a segment the consumer hands over writes
 * it and every later fact of its segment at once, and those later facts, handed over next in
 * order, write nothing. A fact handled any other way (the retrier, no plan) writes itself; one
 * the consumer hands over after a gap (a fact of its segment went to the retrier meanwhile, whose
 * writes may be older) writes itself and the rest of its segment again.
 */
export function createCatalogBatches(
  state: InventoryState,
  metrics: Pick<ApplierMetrics, 'catalogFacts' | 'catalogStateWrites'>,
) {
  const planned = new Map<string, { segment: Segment; index: number }>();

  const write = async (segment: Segment, from: number): Promise<void> => {
    // A level that changed nothing (the fact closing a quiet cycle) is the one the store was last
    // given: not written, so that the store's map stays as its last decision found it (ADR 0142).
    const facts = segment.facts.slice(from).filter((fact) => !changesNothing(fact));
    const first = facts[0];
    if (first) {
      const writes =
        first.topicKey === 'inventoryObserved'
          ? await state.observeLevels(segment.storeId, (facts as LevelFact[]).flatMap(levelsOf))
          : await state.observeOffers(
              segment.storeId,
              (facts as OfferFact[]).flatMap(offersOfFact),
            );
      metrics.catalogStateWrites.inc({ kind: kindOf(first) }, writes);
    }
    segment.writtenFrom = from;
  };

  return {
    /** Learns a fetched batch; the returned function forgets it once the batch is done. */
    plan(facts: readonly Fact[]): () => void {
      const mine: [string, Segment][] = [];
      for (const segmentFacts of catalogSegments(facts)) {
        const storeId = segmentFacts[0]!.value.envelope.storeId;
        const segment: Segment = { storeId, facts: segmentFacts, next: 0 };
        segmentFacts.forEach((fact, index) => {
          const key = keyOf(fact);
          planned.set(key, { segment, index });
          mine.push([key, segment]);
        });
      }
      return () => {
        // A later batch holding the same messages (fetched again) keeps its own plan.
        for (const [key, segment] of mine)
          if (planned.get(key)?.segment === segment) planned.delete(key);
      };
    },
    /** Records the fact's level or offer (or finds it recorded by its segment's write). */
    async observe(fact: CatalogFact, viaConsumer: boolean): Promise<void> {
      metrics.catalogFacts.inc({ kind: kindOf(fact) }, skusOf(fact));
      const entry = viaConsumer ? planned.get(keyOf(fact)) : undefined;
      if (!entry) {
        const segment: Segment = { storeId: fact.value.envelope.storeId, facts: [fact], next: 0 };
        return write(segment, 0);
      }
      const { segment, index } = entry;
      const covered =
        segment.writtenFrom !== undefined && segment.writtenFrom <= index && index <= segment.next;
      if (!covered) await write(segment, index);
      segment.next = Math.max(segment.next, index + 1);
    },
  };
}

export type CatalogBatches = ReturnType<typeof createCatalogBatches>;
