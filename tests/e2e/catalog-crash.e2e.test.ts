import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { physicalTopic, type TopicKey } from '@msync/events';
import { outcomesPerSubject } from '@msync/events/test-support';
import { errorMessage } from '@msync/platform';
import { eventually, withContext } from '@msync/test-support';
import {
  caughtUp,
  groupsStartingWith,
  recordCount,
  resetGroupsToEarliest,
} from './support/consumer-groups.js';
import { offerObserved, pollRequest } from './support/backbone.js';
import { startOrdersFlow, type OrdersFlow, type Shop } from './support/orders-flow.js';
import { eventuallyProgressing } from './support/progress.js';

// The catalog flows under crashes, on real Kafka, registry and FerretDB with both simulators.
// Sync Offers: the sync-applier is killed (SIGKILL) right after ShipBob created one of the stores'
// new products and started again; every offer ends with exactly one product. Sync Inventory: the
// applier is killed while the cycle's stock import is still RUNNING in Mirakl (the simulator
// holds it) and started again; the import is completed, never half applied: Mirakl's quantities
// are the computed ones, the cycle has one APPLIED outcome. Killed again as Mirakl answers the
// next cycle's STO01, the import is sent again. Then the applier's consumer groups are reset to
// the start of every topic: no product created, no import, every outcome as before or DUPLICATE.

/**
 * Four catalog stores of 60 new offers each, on their own ShipBob tokens: the applier keeps to
 * ShipBob's 150 calls a minute per token, and a store's creates stay within one minute of it even
 * when each goes through the retrier (a lookup and a create per SKU, no batch lookup). One store
 * of 240 would wait out a minute or more of that budget.
 */
const CATALOG_STORES = 4;
const OFFERS_PER_STORE = 60;
const OFFERS = CATALOG_STORES * OFFERS_PER_STORE;
/** The applier is killed as ShipBob answers this product's create (every store counted). */
const KILL_AT_PRODUCT = 150;
/** SKUs of the inventory store: offers in Mirakl, products with stock in ShipBob. */
const STOCK_SKUS = 60;
const UNTOUCHED_QUANTITY = 999;
/** The waits fail when nothing moved for this long (ShipBob's minute window included). */
const STALL_MS = 90_000;
const TEST_TIMEOUT_MS = 5 * 60_000;
const FACT_TOPICS: readonly TopicKey[] = ['offerObserved', 'inventoryObserved'];

const catalogSkus = Array.from(
  { length: OFFERS_PER_STORE },
  (_, i) => `CAT-${String(i + 1).padStart(3, '0')}`,
);
const stockSkus = Array.from(
  { length: STOCK_SKUS },
  (_, i) => `STK-${String(i + 1).padStart(3, '0')}`,
);
/** ShipBob's on-hand quantity of each stock SKU: what its Mirakl offer must end with (buffer 0). */
const onHand = new Map(stockSkus.map((sku) => [sku, 5 + Number(sku.slice(4))]));
/** SKUs whose stock moves before the second inventory cycle. */
const MOVED = stockSkus.slice(0, 10);
const inventoryIds = new Map<string, number>();

let flow: OrdersFlow;
const catalogs: Shop[] = [];
let stock: Shop;
/** The replay needs the crash runs to have finished. */
const finished = { offers: false, completed: false, redone: false };

const outcomesOf = (shop: Shop, flowName: string) =>
  outcomesPerSubject(
    flow.outcomes.filter((o) => o.envelope.storeId === shop.storeId && o.flow === flowName),
  );
/** ShipBob products of the shop's merchant per variant SKU. */
function productsPerSku(shop: Shop): Map<string, number> {
  const counts = new Map<string, number>();
  for (const product of flow.shipbob.control.world.products) {
    if (product.merchantId !== shop.merchantId) continue;
    for (const variant of product.variants)
      counts.set(variant.sku, (counts.get(variant.sku) ?? 0) + 1);
  }
  return counts;
}
const createsOf = (shop: Shop) =>
  flow.shipbob.control
    .exchanges()
    .filter(
      (e) =>
        e.caller === String(shop.merchantId) && e.operation === 'POST /product' && e.status === 201,
    );
const catalogCreates = () => catalogs.reduce((sum, shop) => sum + createsOf(shop).length, 0);
const catalogOutcomes = () => catalogs.flatMap((shop) => outcomesOf(shop, 'offers'));
const miraklCalls = (shop: Shop, operations: readonly string[]) =>
  flow.mirakl.control
    .exchanges()
    .filter((e) => e.caller === String(shop.shopId) && operations.includes(e.operation));
const stockImports = () =>
  flow.mirakl.control.snapshot(stock.shopId).imports.filter((i) => i.kind === 'stock');
/** The stock SKUs whose Mirakl quantity is not ShipBob's on-hand quantity. */
const quantitiesOff = () => {
  const quantities = new Map(
    flow.mirakl.control.snapshot(stock.shopId).offers.map((o) => [o.sku, o.quantity]),
  );
  return stockSkus.filter((sku) => quantities.get(sku) !== onHand.get(sku));
};
/** The stock store's import outcomes (its daily reconciliation records its own, ADR 0088). */
const inventoryOutcomes = (outcome: string) =>
  outcomesOf(stock, 'inventory').filter(
    (o) => o.effectKey.startsWith('inventory:') && o.outcome === outcome,
  );
/** The inventory cycles of the stock store with an APPLIED import, in order. */
const appliedCycles = () => [...new Set(inventoryOutcomes('APPLIED').map((o) => o.subjectId))];
const setAsideLines = () =>
  [...flow.logs('sync-applier').matchAll(/"msg":"handler failed; event set aside for a retrier"/g)]
    .length;

/** Changes a store's settings as its seller does: read, then PATCH with the ETag. */
async function updateStore(shop: Shop, body: Record<string, unknown>): Promise<void> {
  const current = await flow.api('GET', `/v1/stores/${shop.storeId}`);
  const updated = await flow.api('PATCH', `/v1/stores/${shop.storeId}`, {
    ifMatch: current.etag ?? '',
    body,
  });
  expect(updated.status).toBe(200);
}

beforeAll(async () => {
  flow = await startOrdersFlow({
    name: 'catalog_crash_e2e',
    path: process.env['PATH'] ?? '',
    mirakl: { paymentDelayMs: null, journalLimit: 100_000 },
    shipbob: { journalLimit: 100_000 },
    env: {
      // A killed member holds its partitions for its session: short, so restarts take seconds.
      'sync-applier': {
        CONSUMER_SESSION_TIMEOUT_MS: '8000',
        // A killed applier's retrier lanes are taken over after 10 s instead of 2 minutes.
        RETRIER_LEASE_MS: '10000',
        // Mirakl's once-a-minute stock imports and 15 s status reads shortened for a test.
        MIRAKL_IMPORT_POLL_INTERVAL_MS: '200',
        MIRAKL_STOCK_IMPORT_MIN_INTERVAL_MS: '1',
      },
      // Mirakl's once-a-minute OF52 and 10 s OF53 shortened so the export follows at once.
      'mirakl-poller': { OF52_MIN_INTERVAL_MS: '300', OF53_POLL_INTERVAL_MS: '200' },
      'shipbob-poller': { INVENTORY_SHARE_WINDOW_MS: '1' },
    },
  });
  for (let i = 0; i < CATALOG_STORES; i++) {
    const shop = flow.addShop(`CAT${i}`);
    flow.mirakl.control.upsertOffers(
      shop.shopId,
      catalogSkus.map((sku) => ({ sku, quantity: 1 })),
    );
    catalogs.push(shop);
  }
  stock = flow.addShop('STK');
  flow.mirakl.control.upsertOffers(
    stock.shopId,
    stockSkus.map((sku) => ({ sku, quantity: UNTOUCHED_QUANTITY })),
  );
  for (const sku of stockSkus)
    inventoryIds.set(
      sku,
      flow.shipbob.control.world.seedProduct(stock.merchantId, {
        sku,
        stock: { 1: onHand.get(sku)! },
      }).variants[0]!.inventoryId,
    );
});

afterAll(async () => {
  await flow?.close();
});

describe('the catalog flows under crashes', () => {
  it(
    `creates one ShipBob product for each of ${OFFERS} offers of ${CATALOG_STORES} stores though the applier is killed mid-way`,
    async () => {
      // Killed from the simulator's journal, as ShipBob answers a create: the product exists,
      // the applier's claim of it is not marked done.
      const merchants = new Set(catalogs.map((shop) => String(shop.merchantId)));
      let kill: Promise<void> | undefined;
      flow.shipbob.control.onExchange((e) => {
        if (
          kill === undefined &&
          merchants.has(e.caller ?? '') &&
          e.operation === 'POST /product' &&
          e.status === 201 &&
          catalogCreates() >= KILL_AT_PRODUCT
        )
          kill = flow.kill('sync-applier');
      });
      // The scheduler's first offers poll of each store: a full OF52 export.
      for (const shop of catalogs)
        await flow.connectStore(shop, { offers: true }, { pollIntervalMinutes: 60 });
      await eventuallyProgressing(
        () => kill !== undefined,
        catalogCreates,
        `the applier killed at the ${KILL_AT_PRODUCT}th product`,
        STALL_MS,
      );
      await kill;
      const killedAt = catalogCreates();
      expect(flow.service('sync-applier').child.signalCode).toBe('SIGKILL');
      expect(killedAt).toBeLessThan(OFFERS);

      await flow.start('sync-applier');
      const appliedSkus = (shop: Shop) =>
        new Set(
          outcomesOf(shop, 'offers')
            .filter((o) => o.outcome === 'APPLIED')
            .map((o) => o.subjectId),
        );
      await eventuallyProgressing(
        () => catalogs.every((shop) => appliedSkus(shop).size === OFFERS_PER_STORE),
        () => catalogCreates() + flow.outcomes.length,
        `an APPLIED outcome for each of the ${OFFERS} offers`,
        STALL_MS,
      ).catch((error: unknown) => {
        throw new Error(
          `${errorMessage(error)}; products created ${catalogCreates()}, ` +
            `applier log tail:\n${flow.logs('sync-applier').split('\n').slice(-15).join('\n')}`,
        );
      });
      const counts = Object.fromEntries(
        ['APPLIED', 'DUPLICATE', 'SKIPPED', 'FAILED'].map((outcome) => [
          outcome,
          catalogOutcomes().filter((o) => o.outcome === outcome).length,
        ]),
      );
      console.log(`offers: killed after ${killedAt} creates; outcomes ${JSON.stringify(counts)}`);

      for (const shop of catalogs) {
        const perSku = productsPerSku(shop);
        const creates = new Map<string, number>();
        for (const e of createsOf(shop)) {
          const sku = (e.requestBody as { variants?: { sku?: string }[] }).variants?.[0]?.sku ?? '';
          creates.set(sku, (creates.get(sku) ?? 0) + 1);
        }
        withContext(`store ${shop.name}, applier killed after ${killedAt} creates`, () => {
          expect(catalogSkus.filter((sku) => perSku.get(sku) !== 1)).toEqual([]);
          expect(catalogSkus.filter((sku) => creates.get(sku) !== 1)).toEqual([]);
          expect(createsOf(shop)).toHaveLength(OFFERS_PER_STORE);
          expect([...appliedSkus(shop)].sort()).toEqual(catalogSkus);
        });
      }
      expect(counts['FAILED']).toBe(0);
      finished.offers = true;
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'completes a stock import that was RUNNING when the applier was killed: one import, every quantity, one APPLIED outcome',
    async () => {
      await flow.connectStore(stock, { inventory: false }, { pollIntervalMinutes: 60 });
      // The store's offers, as mirakl-poller reports them; SKIPPED by Sync Offers (off), kept
      // by Sync Inventory as the SKUs it pushes.
      await flow.publisher.publish(
        'offerObserved',
        stockSkus.map((shopSku, i) =>
          offerObserved(stock.storeId, {
            shopSku,
            offerId: String(5000 + i),
            quantity: UNTOUCHED_QUANTITY,
          }),
        ),
      );
      await eventually(
        () => outcomesOf(stock, 'offers').length === STOCK_SKUS,
        `the applier having read the ${STOCK_SKUS} offers`,
        60_000,
      );

      // Mirakl keeps the store's imports RUNNING; the applier is killed at its first status read.
      flow.mirakl.control.holdImports(stock.shopId, true);
      let kill: Promise<void> | undefined;
      flow.mirakl.control.onExchange((e) => {
        if (kill === undefined && e.caller === String(stock.shopId) && e.operation === 'STO02')
          kill = flow.kill('sync-applier');
      });
      await updateStore(stock, { toggles: { inventory: true } });
      await eventually(() => kill !== undefined, 'the stock import submitted', 60_000);
      await kill;
      expect(flow.service('sync-applier').child.signalCode).toBe('SIGKILL');
      expect(stockImports().map((i) => [i.status, i.lines])).toEqual([['RUNNING', STOCK_SKUS]]);

      // Restarted while Mirakl still holds the import: the fact outlives the live path's deadline
      // and goes to the retrier, which keeps following the import.
      const setAsideBefore = setAsideLines();
      await flow.start('sync-applier');
      await eventually(
        () => setAsideLines() > setAsideBefore,
        'the restarted applier handing the cycle to its retrier',
        60_000,
      );
      const statusReads = miraklCalls(stock, ['STO02']).length;
      await eventually(
        () => miraklCalls(stock, ['STO02']).length >= statusReads + 3,
        'the retrier following the import',
        60_000,
      );
      flow.mirakl.control.holdImports(stock.shopId, false);

      const applied = () => inventoryOutcomes('APPLIED');
      await eventually(() => applied().length >= 1, 'the import APPLIED', 60_000);
      const submitted = miraklCalls(stock, ['STO01', 'OF01']);
      console.log(
        `stock: ${submitted.length} import(s) submitted: ${stockImports()
          .map((i) => `${i.importId} ${i.status}`)
          .join(', ')}; outcomes ${outcomesOf(stock, 'inventory')
          .map((o) => `${o.outcome}/${o.reason ?? ''}`)
          .join(' ')}`,
      );
      expect(quantitiesOff()).toEqual([]);
      // Completed, not redone: the one import the killed process submitted.
      expect(submitted).toHaveLength(1);
      expect(stockImports().map((i) => [i.status, i.lines, i.linesInError])).toEqual([
        ['COMPLETE', STOCK_SKUS, 0],
      ]);
      expect(applied()).toHaveLength(1);
      expect(applied()[0]?.externalIds?.['importId']).toBe(stockImports()[0]?.importId);
      expect(inventoryOutcomes('FAILED')).toEqual([]);
      finished.completed = true;
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'sends a stock import again when the killed applier never read its id: the same quantities, one APPLIED outcome',
    async () => {
      expect(finished.completed).toBe(true);
      // A cycle where nothing changed: no import (the replay below goes through it again).
      const unchanged = () =>
        flow
          .service('sync-applier')
          .metric('sync_applier_inventory_cycles_total', { result: 'unchanged' });
      const unchangedBefore = await unchanged();
      await flow.publisher.publish(
        'pollRequested',
        pollRequest(stock.storeId, 'SHIPBOB', 'inventory'),
      );
      await eventually(
        async () => (await unchanged()) > unchangedBefore,
        'a cycle without changes',
        60_000,
      );
      expect(stockImports()).toHaveLength(1);

      // The applier is killed as Mirakl answers the next STO01: the import exists, its id is lost.
      let kill: Promise<void> | undefined;
      flow.mirakl.control.onExchange((e) => {
        if (kill === undefined && e.caller === String(stock.shopId) && e.operation === 'STO01')
          kill = flow.kill('sync-applier');
      });
      for (const sku of MOVED) {
        onHand.set(sku, onHand.get(sku)! + 100);
        flow.shipbob.control.world.setStock(inventoryIds.get(sku)!, 1, onHand.get(sku)!);
      }
      await flow.publisher.publish(
        'pollRequested',
        pollRequest(stock.storeId, 'SHIPBOB', 'inventory'),
      );
      await eventually(() => kill !== undefined, 'the second stock import submitted', 60_000);
      await kill;
      expect(flow.service('sync-applier').child.signalCode).toBe('SIGKILL');

      await flow.start('sync-applier');
      await eventually(
        () => inventoryOutcomes('APPLIED').length >= 2,
        'the second cycle APPLIED',
        60_000,
      );
      const cycle = inventoryOutcomes('APPLIED')[1]!;
      // Redone: the import the killed process sent, then the same lines again; both applied.
      const second = stockImports().slice(1);
      expect(second.map((i) => [i.status, i.lines, i.linesInError])).toEqual([
        ['COMPLETE', MOVED.length, 0],
        ['COMPLETE', MOVED.length, 0],
      ]);
      expect(cycle.externalIds?.['importId']).toBe(second[1]?.importId);
      expect(quantitiesOff()).toEqual([]);
      expect(inventoryOutcomes('APPLIED').filter((o) => o.subjectId === cycle.subjectId)).toEqual([
        cycle,
      ]);
      expect(inventoryOutcomes('FAILED')).toEqual([]);
      finished.redone = true;
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'applies the whole history again after the applier’s groups are reset to the start: no product, no import, every outcome DUPLICATE',
    async () => {
      expect(finished).toEqual({ offers: true, completed: true, redone: true });
      const topics = FACT_TOPICS.map((key) => physicalTopic(key, flow.namespace));
      const factsGroup = `${flow.namespace}sync-applier`;
      await eventuallyProgressing(
        () => caughtUp(flow.kafka, factsGroup, topics),
        () => flow.outcomes.length,
        'the applier having committed every fact',
        STALL_MS,
      );
      await flow.stop('sync-applier');
      const groups = await groupsStartingWith(flow.kafka, factsGroup);
      expect(groups).toContain(factsGroup);
      await resetGroupsToEarliest(flow.kafka, groups);

      const before = flow.outcomes.length;
      const offerFacts = Number(await recordCount(flow.kafka, [topics[0]!]));
      const writes = {
        shipbob: catalogCreates() + createsOf(stock).length,
        mirakl: miraklCalls(stock, ['STO01', 'OF01', 'OF24']).length,
      };
      const replayedOf = (shops: readonly Shop[], flowName: string) =>
        outcomesPerSubject(
          flow.outcomes
            .slice(before)
            .filter(
              (o) =>
                shops.some((shop) => shop.storeId === o.envelope.storeId) && o.flow === flowName,
            ),
        );
      await flow.start('sync-applier');
      await eventuallyProgressing(
        async () =>
          (await caughtUp(flow.kafka, factsGroup, topics)) &&
          replayedOf(catalogs, 'offers').length + replayedOf([stock], 'offers').length >=
            offerFacts &&
          replayedOf([stock], 'inventory').length >= appliedCycles().length,
        () => flow.outcomes.length,
        'the restarted applier having consumed every fact again',
        STALL_MS,
      );

      expect(catalogCreates() + createsOf(stock).length).toBe(writes.shipbob);
      expect(miraklCalls(stock, ['STO01', 'OF01', 'OF24'])).toHaveLength(writes.mirakl);
      const kinds = (shops: readonly Shop[], flowName: string) => [
        ...new Set(replayedOf(shops, flowName).map((o) => o.outcome)),
      ];
      // Sync Offers: every offer of the catalog found done; the stock store's offers SKIPPED
      // again (its Sync Offers is off). Sync Inventory: both cycles' imports found done.
      expect(kinds(catalogs, 'offers')).toEqual(['DUPLICATE']);
      for (const shop of catalogs)
        withContext(`store ${shop.name}`, () =>
          expect(new Set(replayedOf([shop], 'offers').map((o) => o.subjectId)).size).toBe(
            OFFERS_PER_STORE,
          ),
        );
      expect(kinds([stock], 'offers')).toEqual(['SKIPPED']);
      expect(
        replayedOf([stock], 'inventory')
          .filter((o) => o.outcome !== 'SKIPPED')
          .map((o) => [o.subjectId, o.outcome]),
      ).toEqual(appliedCycles().map((cycleId) => [cycleId, 'DUPLICATE']));
      // The quiet cycle's older levels went through again: Mirakl keeps the latest quantities.
      expect(quantitiesOff()).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
