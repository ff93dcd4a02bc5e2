import { afterEach, describe, expect, it } from '@jest/globals';
import { MongoClient, type Db } from 'mongodb';
import {
  isOffersSummary,
  subjectsOfOutcome,
  type Publisher,
  type SyncOutcomeRecorded,
} from '@msync/events';
import { collectEvents, eventsHarness, type EventsHarness } from '@msync/events/test-support';
import { createMetricsRegistry } from '@msync/platform';
import {
  capturingLogger,
  eventually,
  infra,
  uniqueName,
  uniqueNamespace,
  withContext,
} from '@msync/test-support';
import { outcomeOf } from '../domain/decision.js';
import { productBase } from '../domain/offers.js';
import { applierMetrics } from '../metrics.js';
import { offerObserved } from '../test-support/facts.js';
import { CATALOG_COLLECTIONS, createCatalogView, type CatalogView } from './catalog-view.js';
import { createOfferOutcomes } from './offer-outcomes.js';
import { createOutcomeRecorder } from './outcomes.js';

let client: MongoClient | undefined;
let dbName: string | undefined;
let events: EventsHarness | undefined;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  if (client && dbName) await client.db(dbName).dropDatabase();
  await client?.close();
  client = undefined;
  await events?.close();
  events = undefined;
});

/** Real Kafka, registry and database; the publishes and the view's product writes counted. */
async function setUp() {
  const { logger } = capturingLogger('warn');
  events = await eventsHarness({
    brokers: infra().KAFKA_BROKERS,
    registryUrl: infra().SCHEMA_REGISTRY_URL,
    namespace: uniqueNamespace(),
    logger,
    topics: ['syncOutcome'],
  });
  const harness = events;
  client = new MongoClient(infra().MONGO_URL, { monitorCommands: true, retryWrites: false });
  await client.connect();
  dbName = uniqueName('offeroutcomes').replaceAll('-', '_');
  const db: Db = client.db(dbName);
  let productWrites = 0;
  let cycleCommands = 0;
  client.on('commandStarted', (event) => {
    // Every command on the offers cycle's head and chunks.
    const target: unknown = event.command[event.commandName];
    if (typeof target === 'string' && target.startsWith(CATALOG_COLLECTIONS.offersCycles))
      cycleCommands++;
    // A write of the products map is one update of its head (ADR 0103).
    if (
      event.commandName === 'findAndModify' &&
      event.command['findAndModify'] === CATALOG_COLLECTIONS.products
    )
      productWrites++;
  });
  let publishes = 0;
  let publishFailures = 0;
  /** The events of every publish asked for, failed ones included. */
  const attempts: SyncOutcomeRecorded[][] = [];
  const publisher: Publisher = {
    ...harness.publisher,
    publish: (key, batch) => {
      attempts.push((Array.isArray(batch) ? batch : [batch]) as SyncOutcomeRecorded[]);
      if (publishFailures > 0) {
        publishFailures--;
        return Promise.reject(new Error('Kafka unavailable'));
      }
      publishes++;
      return harness.publisher.publish(key, batch);
    },
  };
  const view = createCatalogView(db);
  let viewFailures = 0;
  /** While set, view writes wait for it (a database slower than the flow). */
  let viewGate: Promise<void> | undefined;
  let viewWritesAsked = 0;
  const failingView: CatalogView = {
    ...view,
    observeOffers: async (storeId, entries) => {
      viewWritesAsked++;
      await viewGate;
      if (viewFailures > 0) {
        viewFailures--;
        throw new Error('database unavailable');
      }
      return view.observeOffers(storeId, entries);
    },
  };
  const metrics = applierMetrics(createMetricsRegistry('sync-applier-test'));
  const outcomes = createOfferOutcomes({
    record: createOutcomeRecorder({ publisher, metrics, logger }),
    publisher,
    view: failingView,
    metrics,
    logger,
    maxPending: 1_000,
  });
  const collected = await collectEvents({
    kafka: harness.kafka,
    codec: harness.codec,
    logger,
    publisher: harness.publisher,
    namespace: harness.namespace,
    topic: 'syncOutcome',
  });
  stops.push(() => collected.stop());
  return {
    outcomes,
    view,
    published: collected.events,
    counts: () => ({ publishes, productWrites }),
    cycleCommands: () => cycleCommands,
    failViewWrites: (times: number) => (viewFailures = times),
    failPublishes: (times: number) => (publishFailures = times),
    attempts,
    /** Holds view writes until the returned function is called. */
    holdViewWrites: () => {
      let release: () => void = () => undefined;
      viewGate = new Promise<void>((resolve) => (release = resolve));
      return () => {
        viewGate = undefined;
        release();
      };
    },
    viewWritesAsked: () => viewWritesAsked,
    metrics,
  };
}

/** A reused product's outcome, its fact from the store's one poll. */
const reused = (storeId: string, sku: string) => ({
  fact: withPoll(offerObserved({ storeId, sku }), `poll-of-${storeId}`),
  outcome: outcomeOf(productBase(sku), 'DUPLICATE', {
    reason: 'product-exists',
    detail: `SKU ${sku} is already carried`,
    externalIds: { shipbobProductId: `P-${sku}`, sku },
  }),
});

const withPoll = <F extends { envelope: { correlationId: string } }>(fact: F, poll: string): F => ({
  ...fact,
  envelope: { ...fact.envelope, correlationId: poll },
});

describe('offer outcomes kept and written many at once (real Kafka and database)', () => {
  it('a flush publishes every kept outcome in one publish, an event per store and poll of up to 250 offers, and writes the view a write per store', async () => {
    // Given 300 reused offers of one store and 100 of another, kept for later
    const { outcomes, view, published, counts, metrics } = await setUp();
    const kept = [
      ...Array.from({ length: 300 }, (_, i) => reused('s1', `SKU-${i}`)),
      ...Array.from({ length: 100 }, (_, i) => reused('s2', `SKU-${i}`)),
    ];
    for (const { outcome, fact } of kept) await outcomes.recordLater(outcome, fact);
    expect(outcomes.pending).toBe(400);
    expect(counts()).toEqual({ publishes: 0, productWrites: 0 });
    expect(await view.products('s1')).toEqual([]);

    // When the consumer is about to commit
    await outcomes.flush();

    // Then one publish carried them all, and each store's view took one write
    expect(counts()).toEqual({ publishes: 1, productWrites: 2 });
    expect(outcomes.pending).toBe(0);
    const s1 = await view.products('s1');
    expect(s1).toHaveLength(300);
    expect(s1.find((p) => p.sku === 'SKU-7')).toMatchObject({
      shipbobProductId: 'P-SKU-7',
      offer: { outcome: 'DUPLICATE', reason: 'product-exists' },
    });
    const cycle = (await view.cycles('s2')).offers;
    expect(Object.keys(cycle?.skus ?? {})).toHaveLength(100);
    // And the topic holds three events, not 400: 250 + 50 offers of s1, 100 of s2 (ADR 0161)
    await eventually(() => published.length >= 3, 'the outcomes on the topic', 20_000);
    expect(published.map((e) => `${e.envelope.storeId} ${e.subjectId}`).sort()).toEqual([
      's1 250 offers',
      's1 50 offers',
      's2 100 offers',
    ]);
    expect(
      new Set(
        published.flatMap((e) => subjectsOfOutcome(e).map((sku) => `${e.envelope.storeId}|${sku}`)),
      ).size,
    ).toBe(400);
    expect(published.every((e) => e.outcome === 'DUPLICATE' && e.flow === 'offers')).toBe(true);
    // Each names the product each SKU was matched to, the poll, the reason, and what it is
    const s2 = published.find((e) => e.envelope.storeId === 's2')!;
    expect(s2).toMatchObject({
      reason: 'product-exists',
      miraklOrderId: null,
      envelope: { correlationId: 'poll-of-s2' },
    });
    expect(s2.externalIds['SKU-42']).toBe('P-SKU-42');
    expect(s2.detail).toMatch(/^100 offers, their SKUs are already carried by ShipBob products/);
    expect(isOffersSummary(s2)).toBe(true);
    // The offers are still counted one by one
    const counted = (await metrics.outcomes.get()).values.find(
      (v) => v.labels['flow'] === 'offers' && v.labels['outcome'] === 'DUPLICATE',
    );
    expect(counted?.value).toBe(400);
  });

  it('a kept outcome alone is published as itself; other polls, outcomes and reasons are not mixed in', async () => {
    const { outcomes, published } = await setUp();
    // Given two reused offers of poll A, one of poll B, and two deleted offers of poll A
    const deleted = (sku: string) => ({
      fact: withPoll(offerObserved({ storeId: 's1', sku }), 'poll-A'),
      outcome: outcomeOf(productBase(sku), 'SKIPPED', { reason: 'offer-deleted' }),
    });
    const kept = [
      { ...reused('s1', 'SKU-1'), poll: 'poll-A' },
      { ...reused('s1', 'SKU-2'), poll: 'poll-A' },
      { ...reused('s1', 'SKU-3'), poll: 'poll-B' },
    ].map(({ fact, outcome, poll }) => ({ fact: withPoll(fact, poll), outcome }));
    for (const { outcome, fact } of [...kept, deleted('SKU-8'), deleted('SKU-9')])
      await outcomes.recordLater(outcome, fact);

    // When they are flushed
    await outcomes.flush();

    // Then poll A's reused offers are one event, poll B's one its own, the deleted ones another
    await eventually(() => published.length >= 3, 'the outcomes on the topic', 20_000);
    expect(
      published
        .map(
          (e) =>
            `${e.envelope.correlationId} ${e.outcome} ${e.subjectId} [${subjectsOfOutcome(e).join(',')}]`,
        )
        .sort(),
    ).toEqual([
      'poll-A DUPLICATE 2 offers [SKU-1,SKU-2]',
      'poll-A SKIPPED 2 offers [SKU-8,SKU-9]',
      'poll-B DUPLICATE SKU-3 [SKU-3]',
    ]);
    const alone = published.find((e) => e.subjectId === 'SKU-3')!;
    expect(alone).toMatchObject({ effectKey: productBase('SKU-3').effectKey });
    expect(isOffersSummary(alone)).toBe(false);
    expect(published.find((e) => e.outcome === 'SKIPPED')?.externalIds).toEqual({
      'SKU-8': '',
      'SKU-9': '',
    });
  });

  it('a failed publish sends the same events again at the next flush, then what was kept since', async () => {
    const { outcomes, published, failPublishes, attempts } = await setUp();
    // Given three reused offers of a poll, and Kafka refusing the next publish
    for (const sku of ['SKU-1', 'SKU-2', 'SKU-3']) {
      const { outcome, fact } = reused('s1', sku);
      await outcomes.recordLater(outcome, fact);
    }
    failPublishes(1);
    await expect(outcomes.flush()).rejects.toThrow('Kafka unavailable');
    expect(outcomes.pending).toBe(3);
    const [failed] = attempts[0]!;

    // When a fourth is kept and the next flush publishes
    const fourth = reused('s1', 'SKU-4');
    await outcomes.recordLater(fourth.outcome, fourth.fact);
    await outcomes.flush();

    // Then the failed event goes as it was (same event id), the fourth in an event of its own
    expect(outcomes.pending).toBe(0);
    await eventually(() => published.length >= 2, 'the outcomes on the topic', 20_000);
    expect(published.map((e) => `${e.subjectId} [${subjectsOfOutcome(e).join(',')}]`)).toEqual([
      '3 offers [SKU-1,SKU-2,SKU-3]',
      'SKU-4 [SKU-4]',
    ]);
    expect(published[0]?.envelope.eventId).toBe(failed?.envelope.eventId);
  });

  it("a flush of many polls' outcomes writes the store's offers cycle once: the last poll's", async () => {
    // Given 300 kept outcomes of one store, each from a poll of its own (a replay, a backlog)
    const { outcomes, view, cycleCommands } = await setUp();
    for (let i = 0; i < 300; i++) {
      const { outcome, fact } = reused('s1', `SKU-${i}`);
      await outcomes.recordLater(outcome, withPoll(fact, `poll-${i}`));
    }

    // When they are flushed
    await outcomes.flush();

    // Then the cycle is the last poll's, written in a few commands, not a few per poll
    const cycle = (await view.cycles('s1')).offers;
    expect(cycle).toMatchObject({ correlationId: 'poll-299', skus: { 'SKU-299': 'DUPLICATE' } });
    expect(Object.keys(cycle?.skus ?? {})).toEqual(['SKU-299']);
    withContext(`${cycleCommands()} commands on the offers cycle`, () =>
      expect(cycleCommands()).toBeLessThanOrEqual(10),
    );
    expect(await view.products('s1')).toHaveLength(300);
  });

  it('an outcome recorded now comes after the kept ones in the view; a failed view write keeps them for the next flush', async () => {
    const { outcomes, view, published, counts, failViewWrites } = await setUp();
    // Given kept outcomes for SKU-A and SKU-B, then the view refusing the next write
    const first = reused('s1', 'SKU-A');
    const second = reused('s1', 'SKU-B');
    await outcomes.recordLater(first.outcome, first.fact);
    await outcomes.recordLater(second.outcome, second.fact);
    failViewWrites(1);

    // When a flush fails: the outcome is published, the view entry is kept
    await expect(outcomes.flush()).rejects.toThrow('database unavailable');
    expect(counts().publishes).toBe(1);
    expect(await view.products('s1')).toEqual([]);

    // And an APPLIED outcome of the same SKU is recorded now, after it
    const applied = outcomeOf(productBase('SKU-A'), 'APPLIED', {
      externalIds: { shipbobProductId: 'P-NEW', sku: 'SKU-A' },
    });
    await outcomes.record(applied, first.fact);

    // Then the view holds SKU-A's later outcome and SKU-B's kept one; nothing published twice
    const products = await view.products('s1');
    expect(products.find((p) => p.sku === 'SKU-A')).toMatchObject({
      shipbobProductId: 'P-NEW',
      offer: { outcome: 'APPLIED' },
    });
    expect(products.find((p) => p.sku === 'SKU-B')).toMatchObject({
      offer: { outcome: 'DUPLICATE' },
    });
    expect(counts().publishes).toBe(2);
    await eventually(() => published.length >= 2, 'the outcomes on the topic', 20_000);
    expect(published.map((e) => `${e.subjectId} ${e.outcome}`)).toEqual([
      '2 offers DUPLICATE',
      'SKU-A APPLIED',
    ]);
  });

  it('more kept outcomes than the bound start a flush by themselves', async () => {
    const { outcomes, view } = await setUp();
    for (let i = 0; i < 1_000; i++) {
      const { outcome, fact } = reused('s1', `SKU-${i}`);
      await outcomes.recordLater(outcome, fact);
    }
    await eventually(
      async () => (await view.products('s1')).length === 1_000,
      'the bound reached: the kept outcomes written without a commit',
      20_000,
    );
    expect(outcomes.pending).toBe(0);
  });

  it('a flush asked for while another waits to start joins it, and writes what both kept', async () => {
    const { outcomes, view, holdViewWrites, viewWritesAsked } = await setUp();
    const release = holdViewWrites();
    const first = reused('s1', 'SKU-1');
    await outcomes.recordLater(first.outcome, first.fact);
    const running = outcomes.flush();
    await eventually(() => viewWritesAsked() === 1, 'the first flush at its view write');
    const second = reused('s1', 'SKU-2');
    await outcomes.recordLater(second.outcome, second.fact);
    const queued = outcomes.flush();
    const third = reused('s1', 'SKU-3');
    await outcomes.recordLater(third.outcome, third.fact);
    expect(outcomes.flush()).toBe(queued);
    release();
    await Promise.all([running, queued]);
    expect(viewWritesAsked()).toBe(2);
    expect((await view.products('s1')).map((p) => p.sku).sort()).toEqual([
      'SKU-1',
      'SKU-2',
      'SKU-3',
    ]);
    expect(outcomes.pending).toBe(0);
  });

  it('with twice the bound waiting for a slow view, the next kept outcomes wait for the writes (backpressure)', async () => {
    const { outcomes, view, holdViewWrites, viewWritesAsked, metrics } = await setUp();
    const release = holdViewWrites();
    // 2,500 offers handled at once while the view is held (the bound is 1,000).
    let settled = 0;
    const calls = Array.from({ length: 2_500 }, (_, i) => {
      const { outcome, fact } = reused('s1', `SKU-${i}`);
      return outcomes.recordLater(outcome, fact).then(() => settled++);
    });
    // The first 1,999 are kept at once; from the 2,000th on, each waits for the writes.
    await Promise.all(calls.slice(0, 1_999));
    await eventually(() => viewWritesAsked() >= 1, 'a flush at its view write');
    expect((await metrics.offerOutcomeWaits.get()).values[0]?.value).toBe(501);
    // Held: the waiting ones cannot go on before the view is written.
    expect(settled).toBe(1_999);
    release();
    await Promise.all(calls);
    await outcomes.flush();
    expect((await view.products('s1')).length).toBe(2_500);
    expect(outcomes.pending).toBe(0);
  });
});
