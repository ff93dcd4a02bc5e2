import { afterEach, describe, expect, it } from '@jest/globals';
import type { KafkaMessage } from 'kafkajs';
import { createMongoParkedEventStore, dlqTopicName, physicalTopic } from '@msync/events';
import { capturingLogger, counted, withContext } from '@msync/test-support';
import type { Logger } from '@msync/platform';
import {
  applierHarness,
  eventually,
  type ApplierHarness,
  type TestStore,
} from './test-support/harness.js';
import { offerObserved, offersFact, storeConfig } from './test-support/facts.js';
import { EFFECTS_COLLECTION, effectId } from './adapters/effects-ledger.js';
import { factLane } from './applier.js';

let h: ApplierHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const NEW_SKUS = ['SKU-NEW-1', 'SKU-NEW-2', 'SKU-NEW-3'];
/**
 * The longest wait for a step's outcomes. A ceiling, not a speed check: the clean-clone CI runs
 * these tests beside the end-to-end suites on one shared database, where 600 offers took more
 * than a minute.
 */
const WAIT_MS = 120_000;
/** Two such waits and the rest of the test. */
const TEST_MS = 300_000;

/** Waits for the store's outcomes to reach `count`; a timeout names those that came and the log. */
async function outcomesReach(
  harness: ApplierHarness,
  storeId: string,
  count: number,
  what: string,
  logged: string[],
): Promise<void> {
  try {
    await eventually(() => harness.offerOutcomesOf(storeId).length >= count, what, WAIT_MS);
  } catch (error) {
    const seen = harness.offerOutcomesOf(storeId).map((o) => `${o.subjectId} ${o.outcome}`);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      [message, `outcomes so far: ${seen.join(', ') || 'none'}`, ...logged.slice(-20)].join('\n'),
    );
  }
}

/**
 * A store with Sync Offers on whose ShipBob account has SKU-MUG (and what `seed` adds), the applier
 * running, and the first product create ShipBob sees refused, as for a product the seller must fix.
 */
async function offersStoreRefusingACreate(
  logger: Logger,
  seed?: (store: TestStore, world: ApplierHarness['shipbob']['control']['world']) => void,
) {
  h = await applierHarness(logger);
  const harness = h;
  const store = await harness.addStore({
    config: { toggles: { ...storeConfig().toggles, offers: true } },
    skus: ['SKU-MUG'],
  });
  const world = harness.shipbob.control.world;
  seed?.(store, world);
  const productsBefore = world.products.length;
  const running = await harness.startApplier();
  harness.shipbob.control.addFault({
    operation: 'POST /product',
    kind: 'status',
    status: 400,
    times: 1,
  });
  /** The store's SKUs with this outcome, an outcome per offer (ADR 0161). */
  const bySku = (outcome: string) =>
    harness
      .offerOutcomesOf(store.storeId, outcome)
      .map((o) => o.subjectId)
      .sort();
  return { harness, store, world, productsBefore, running, bySku };
}

describe('Sync Offers: one ShipBob product per shop SKU that has none', () => {
  it(
    'creates the missing products once, reuses products carrying the SKU, fails a refused create by SKU, and batches lookups',
    async () => {
      const log = capturingLogger('warn');
      const { harness, store, world, productsBefore, running, bySku } =
        await offersStoreRefusingACreate(log.logger, (store, world) =>
          // Sold elsewhere already: another sales channel maps SKU-MAPPED to this product.
          world.seedProduct(store.merchantId, {
            sku: 'LEGACY-MAPPED',
            sellerSkus: [{ channelId: 999, sellerSku: 'SKU-MAPPED' }],
          }),
        );
      const skus = ['SKU-BAD', 'SKU-MUG', 'SKU-MAPPED', ...NEW_SKUS];
      const facts = skus.map((sku) => offerObserved({ storeId: store.storeId, sku }));
      await harness.publish('offerObserved', facts);
      await outcomesReach(harness, store.storeId, skus.length, 'an outcome per offer', log.lines);

      expect(bySku('APPLIED')).toEqual(NEW_SKUS);
      expect(bySku('DUPLICATE')).toEqual(['SKU-MAPPED', 'SKU-MUG']);
      const [failed] = harness.offerOutcomesOf(store.storeId, 'FAILED');
      expect(failed).toMatchObject({ flow: 'offers', subjectId: 'SKU-BAD', miraklOrderId: null });
      withContext('the FAILED outcome names the SKU and why', () =>
        expect(failed?.detail).toMatch(/SKU-BAD.*400/),
      );
      expect(world.products.length - productsBefore).toBe(NEW_SKUS.length);
      const created = world.products.filter((p) => NEW_SKUS.includes(p.variants[0]!.sku));
      expect(created.map((p) => p.name).sort()).toEqual(NEW_SKUS);

      // One lookup for the batch (SKU and seller SKU filters), not two calls per offer.
      const lookups = harness.shipbob.control
        .exchanges()
        .filter((e) => e.operation === 'GET /product').length;
      withContext(`${lookups} product lookups for ${skus.length} offers`, () =>
        expect(lookups).toBeLessThan(2 * skus.length),
      );

      // The next cycle brings the same offers again: nothing is created twice; the refused SKU,
      // whose create was claimed, is asked about and created now that ShipBob takes it.
      const again = skus.map((sku) => ({
        ...offerObserved({ storeId: store.storeId, sku }),
        envelope: {
          ...offerObserved({ storeId: store.storeId, sku }).envelope,
          idempotencyKey: `again:${sku}`,
        },
      }));
      await harness.publish('offerObserved', again);
      await outcomesReach(
        harness,
        store.storeId,
        2 * skus.length,
        'an outcome per offer of the second cycle',
        log.lines,
      );
      expect(harness.offerOutcomesOf(store.storeId, 'APPLIED').map((o) => o.subjectId)).toContain(
        'SKU-BAD',
      );
      expect(world.products.length - productsBefore).toBe(NEW_SKUS.length + 1);
      const creates = harness.shipbob.control
        .exchanges()
        .filter((e) => e.operation === 'POST /product' && e.status === 201).length;
      expect(creates).toBe(NEW_SKUS.length + 1);
      await running.stop();
    },
    TEST_MS,
  );

  it(
    'a fact of several offers: each decided as a fact of its own, one refused for good dead-lettered alone (ADR 0168)',
    async () => {
      const log = capturingLogger('warn');
      const { harness, store, world, productsBefore, running, bySku } =
        await offersStoreRefusingACreate(log.logger);
      // The first create ShipBob sees is SKU-REFUSED's.
      const skus = ['SKU-MUG', 'SKU-REFUSED', 'SKU-NEW-1', 'SKU-NEW-2'];
      const offers = skus.map((sku) => offerObserved({ storeId: store.storeId, sku }));
      const fact = offersFact(offers);
      await harness.publish('offerObserved', fact);
      await outcomesReach(harness, store.storeId, skus.length, 'an outcome per offer', log.lines);

      expect(bySku('DUPLICATE')).toEqual(['SKU-MUG']);
      expect(bySku('FAILED')).toEqual(['SKU-REFUSED']);
      expect(bySku('APPLIED')).toEqual(['SKU-NEW-1', 'SKU-NEW-2']);
      expect(world.products.length - productsBefore).toBe(2);

      // The dead-letter topic holds the refused offer alone, as a fact of its own.
      await eventually(
        async () => (await counted(running.metrics, 'events_dead_lettered_total', {})) === 1,
        'the refused offer dead-lettered',
      );
      const dlq = harness.kafka.consumer({ groupId: `dlq-${store.storeId}` });
      const messages: KafkaMessage[] = [];
      await dlq.connect();
      await dlq.subscribe({
        topics: [dlqTopicName(physicalTopic('offerObserved', harness.namespace))],
        fromBeginning: true,
      });
      await dlq.run({ eachMessage: async ({ message }) => void messages.push(message) });
      try {
        await eventually(() => messages.length >= 1, 'the dead-lettered offer');
      } finally {
        await dlq.disconnect();
      }
      expect(messages).toHaveLength(1);
      const [entry] = messages;
      const refused = await harness.codec.decode('offerObserved', entry!.value);
      expect(refused).toMatchObject({ shopSku: 'SKU-REFUSED', more: [] });
      expect(refused.envelope.idempotencyKey).toBe(offers[1]!.envelope.idempotencyKey);
      expect(entry!.headers!['idempotency-key']!.toString()).toBe(
        offers[1]!.envelope.idempotencyKey,
      );
      expect(entry!.headers!['items']).toBeUndefined();
      expect(entry!.headers!['dlq-source-offset']!.toString()).toMatch(/^\d+\/1$/);

      // The fact again (a redelivery): nothing is created twice.
      await harness.publish('offerObserved', fact);
      await outcomesReach(harness, store.storeId, 2 * skus.length, 'the fact again', log.lines);
      expect(world.products.length - productsBefore).toBe(3);
    },
    TEST_MS,
  );

  it("a parked lane's offers are looked up together when replayed, not one call each (ADR 0153)", async () => {
    h = await applierHarness();
    const harness = h;
    const skus = Array.from({ length: 120 }, (_, i) => `SKU-PARKED-${i}`);
    const store = await harness.addStore({
      config: { toggles: { ...storeConfig().toggles, offers: true } },
      skus,
    });
    // The store's offers lane parked behind its first fact, as a budget wait leaves it.
    const parked = await createMongoParkedEventStore(harness.mongo.db);
    const groupId = `${harness.namespace}sync-applier`;
    const lane = factLane('offerObserved', store.storeId);
    for (const [i, sku] of skus.entries()) {
      await parked.park({
        groupId,
        key: lane,
        topic: physicalTopic('offerObserved', harness.namespace),
        partition: 0,
        offset: String(i),
        value: await harness.codec.encode(
          'offerObserved',
          offerObserved({ storeId: store.storeId, sku }),
        ),
        headers: {},
        reason: i === 0 ? 'budget-wait' : 'behind-set-aside',
        attempts: 0,
        nextAttemptAt: new Date(),
      });
    }
    await harness.startApplier({ groupId });
    await eventually(
      () => harness.offerOutcomesOf(store.storeId, 'DUPLICATE').length === skus.length,
      'every parked offer replayed and matched to its product',
      60_000,
    );
    await eventually(async () => !(await parked.hasParked(groupId, lane)), 'the lane drained');
    const lookups = harness.shipbob.control
      .exchanges()
      .filter((e) => e.operation === 'GET /product').length;
    // Replayed one at a time, 120 offers take at least 120 lookups.
    withContext(`${lookups} product lookups for ${skus.length} replayed offers`, () =>
      expect(lookups).toBeLessThanOrEqual(24),
    );
    expect(
      harness
        .outcomesOf(store.storeId)
        .map((o) => o.subjectId)
        .sort(),
    ).toEqual([...skus].sort());
    expect(
      harness.shipbob.control.exchanges().filter((e) => e.operation === 'POST /product'),
    ).toEqual([]);
  });

  it("a batch's prefetched lookups answer its facts however long they take to handle", async () => {
    h = await applierHarness();
    const harness = h;
    const skus = Array.from({ length: 120 }, (_, i) => `SKU-HELD-${i}`);
    const store = await harness.addStore({
      config: { toggles: { ...storeConfig().toggles, offers: true } },
      skus,
    });
    // An answer outlives its batch by 1 ms only: every fact is handled after that.
    await harness.startApplier({
      vendors: {
        miraklTrustedHosts: ['127.0.0.1'],
        shipbobBaseUrl: harness.shipbob.url,
        shipbobRetries: 1,
        productLookupTtlMs: 1,
      },
    });
    await harness.publish(
      'offerObserved',
      skus.map((sku) => offerObserved({ storeId: store.storeId, sku })),
    );
    await eventually(
      () => harness.offerOutcomesOf(store.storeId, 'DUPLICATE').length === skus.length,
      'every offer matched to its product',
      60_000,
    );
    const lookups = harness.shipbob.control
      .exchanges()
      .filter((e) => e.operation === 'GET /product').length;
    // Looked up alone, 120 offers would take at least 120 calls; a fetched batch takes 3 per filter.
    withContext(`${lookups} product lookups for ${skus.length} offers`, () =>
      expect(lookups).toBeLessThanOrEqual(24),
    );
    expect(
      harness.shipbob.control.exchanges().filter((e) => e.operation === 'POST /product'),
    ).toEqual([]);
  });

  it('offers their batch read ahead are settled on it: reused and applied ones with no read or call of their own (ADR 0176)', async () => {
    h = await applierHarness();
    const harness = h;
    // Given a store whose 40 offers have their ShipBob product, and 2 new offers that have none
    const reused = Array.from({ length: 40 }, (_, i) => `SKU-SETTLED-${i}`);
    const created = ['SKU-SETTLED-NEW-1', 'SKU-SETTLED-NEW-2'];
    const store = await harness.addStore({
      config: { toggles: { ...storeConfig().toggles, offers: true } },
      skus: reused,
    });
    const running = await harness.startApplier();
    const settled = () => counted(running.metrics, 'sync_applier_offers_settled_total', {});
    const creates = () =>
      harness.shipbob.control.exchanges().filter((e) => e.operation === 'POST /product').length;
    const skusWith = (reason: string | null, outcome: string) =>
      new Set(
        harness
          .offerOutcomesOf(store.storeId, outcome)
          .filter((o) => o.reason === reason)
          .map((o) => o.subjectId),
      ).size;
    const poll = (n: number) =>
      offersFact(
        [...reused, ...created].map((sku) => {
          const offer = offerObserved({ storeId: store.storeId, sku });
          const { envelope } = offer;
          return {
            ...offer,
            envelope: {
              ...envelope,
              idempotencyKey: `${envelope.idempotencyKey}:poll-${n}`,
              correlationId: `poll-${n}`,
            },
          };
        }),
      );

    // When one fact carries the 42 offers
    await harness.publish('offerObserved', poll(1));
    await eventually(
      () =>
        skusWith('product-exists', 'DUPLICATE') === reused.length &&
        skusWith(null, 'APPLIED') === created.length,
      '40 products reused and 2 created',
      WAIT_MS,
    );
    // Then the 40 reused were settled on the batch's prefetch; the 2 new went the whole way
    const first = await settled();
    withContext(`${first} settled`, () => expect(first).toBeGreaterThanOrEqual(reused.length));
    expect(creates()).toBe(created.length);

    // When the next poll brings the same offers again
    await harness.publish('offerObserved', poll(2));
    await eventually(
      () => skusWith('already-applied', 'DUPLICATE') === created.length,
      'the 2 created products found applied',
      WAIT_MS,
    );
    // Then all 42 were settled, the created ones on their done entries, and nothing was created again
    const both = await settled();
    withContext(`${both} settled`, () =>
      expect(both).toBeGreaterThanOrEqual(2 * reused.length + created.length),
    );
    expect(creates()).toBe(created.length);
    const { world } = harness.shipbob.control;
    expect(world.products.filter((p) => created.includes(p.variants[0]!.sku))).toHaveLength(
      created.length,
    );
  });

  it(
    "a large catalog is looked up through the account's product list once, for the store's next batches too",
    async () => {
      const log = capturingLogger('info');
      h = await applierHarness(log.logger);
      const harness = h;
      // Given a store whose 1,200 offers all have their ShipBob product
      const skus = Array.from({ length: 1_200 }, (_, i) => `SKU-LIST-${i}`);
      const store = await harness.addStore({
        config: { toggles: { ...storeConfig().toggles, offers: true } },
        skus,
      });
      const running = await harness.startApplier();
      const productCalls = () =>
        harness.shipbob.control.exchanges().filter((e) => e.operation === 'GET /product').length;
      // On a timeout: how far the applier's consumer got, and the end of its log.
      const consumerState = async () =>
        (await running.metrics.metrics())
          .split('\n')
          .filter((line) =>
            /^(events_handle_duration_seconds_count|events_consumer_lag|event_offset_commits_total|event_committed_messages_total|events_set_aside_total|sync_applier_offer_outcome_waits_total)/.test(
              line,
            ),
          );

      // Offers matched to their product. A fact handled again (a redelivery after a rebalance
      // under load) publishes its outcome again: count the offers, not events.
      const matched = () =>
        new Set(harness.offerOutcomesOf(store.storeId, 'DUPLICATE').map((o) => o.subjectId)).size;
      // When half the offers come, then, once handled, the other half
      const publishHalf = async (half: string[], total: number) => {
        await harness.publish(
          'offerObserved',
          half.map((sku) => offerObserved({ storeId: store.storeId, sku })),
        );
        await eventually(
          () => matched() >= total,
          `${total} offers matched to their products`,
          WAIT_MS,
        ).catch(async (error: unknown) => {
          const outcomes = harness.offerOutcomesOf(store.storeId);
          throw new Error(
            [
              `${error instanceof Error ? error.message : String(error)}: ${matched()} matched, ` +
                `${outcomes.length} outcomes (${[...new Set(outcomes.map((o) => o.outcome))].join(', ')}), ` +
                `${productCalls()} product calls`,
              ...(await consumerState()),
              ...log.lines.slice(-40),
            ].join('\n'),
          );
        });
      };
      await publishHalf(skus.slice(0, 600), 600);
      const firstHalf = productCalls();
      await publishHalf(skus.slice(600), 1_200);

      // Then the first batch read the product list (5 pages of 250, not 24 filtered calls) and
      // the second half was answered by it
      withContext(`${firstHalf} calls for the first half`, () =>
        expect(firstHalf).toBeLessThanOrEqual(5 * 2),
      );
      expect(productCalls()).toBe(firstHalf);
      expect(
        harness.shipbob.control.exchanges().filter((e) => e.operation === 'POST /product'),
      ).toEqual([]);
      // And the offers' ledger entries were read a batch at a time, not one query per offer
      const ledgerReads = await counted(harness.mongoMetrics, 'mongodb_commands_total', {
        collection: 'effects',
        command: 'find',
      });
      withContext(`${ledgerReads} reads of the ledger for 1,200 offers`, () =>
        expect(ledgerReads).toBeLessThan(100),
      );
    },
    TEST_MS,
  );

  it('with Sync Offers off, every offer is SKIPPED and ShipBob is not called', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore();
    await harness.startApplier();
    await harness.publish(
      'offerObserved',
      ['SKU-NEW-1', 'SKU-NEW-2'].map((sku) => offerObserved({ storeId: store.storeId, sku })),
    );
    await eventually(
      () => harness.offerOutcomesOf(store.storeId, 'SKIPPED').length === 2,
      'both offers SKIPPED',
    );
    expect(harness.offerOutcomesOf(store.storeId).map((o) => o.reason)).toEqual([
      'flow-disabled',
      'flow-disabled',
    ]);
    expect(harness.shipbob.control.exchanges()).toEqual([]);
  });

  it('a create a crashed run claimed: found in ShipBob it is completed without a call, missing it is created once', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore({
      config: { toggles: { ...storeConfig().toggles, offers: true } },
      skus: ['SKU-DONE-BEFORE-CRASH'],
    });
    // What a process that stopped between claim and mark-done leaves in the ledger.
    for (const sku of ['SKU-DONE-BEFORE-CRASH', 'SKU-NEVER-SENT']) {
      await harness.mongo.db
        .collection<Record<string, unknown> & { _id: string }>(EFFECTS_COLLECTION)
        .insertOne({
          _id: effectId(store.storeId, `product:${sku}`),
          storeId: store.storeId,
          effectKey: `product:${sku}`,
          action: 'product',
          factKey: 'a-crashed-run',
          status: 'claimed',
          claimedAt: new Date(),
        });
    }
    await harness.startApplier();
    await harness.publish(
      'offerObserved',
      ['SKU-DONE-BEFORE-CRASH', 'SKU-NEVER-SENT'].map((sku) =>
        offerObserved({ storeId: store.storeId, sku }),
      ),
    );
    await eventually(
      () => harness.offerOutcomesOf(store.storeId, 'APPLIED').length === 2,
      'both resumed effects APPLIED',
    );
    const creates = harness.shipbob.control
      .exchanges()
      .filter((e) => e.operation === 'POST /product' && e.status === 201)
      .map((e) => (e.requestBody as { variants: { sku: string }[] }).variants[0]?.sku);
    expect(creates).toEqual(['SKU-NEVER-SENT']);
  });
});
