import { describe, expect, it } from '@jest/globals';
import { startMiraklSimulator } from '@msync/mirakl-sim';
import { createMongoCallGate } from '@msync/platform';
import { claimMiraklCall } from '@msync/mirakl';
import type { ShipBobInventoryObserved } from '@msync/events';
import { inventoryPerSku } from '@msync/events/test-support';
import {
  closeAfterEach,
  counted as countedMetric,
  untilOutcome,
} from '@msync/polling/test-support';
import { startShipBobSimulator } from '@msync/shipbob-sim';
import { capturingLogger, eventually, infra, withContext } from '@msync/test-support';
import {
  returnableOrder,
  simulatedAccount,
} from '../../../services/shipbob-poller/src/test-support/account.js';
import { pollerHarness as shipbobPollerHarness } from '../../../services/shipbob-poller/src/test-support/harness.js';
import { pollerHarness } from '../../../services/mirakl-poller/src/test-support/harness.js';
import {
  CATALOG_SHOP,
  catalogStore,
} from '../../../services/mirakl-poller/src/test-support/catalog.js';
import type { Db } from 'mongodb';
import type { Logger } from '@msync/platform';
import type { StoreCredentialsPort } from '@msync/stores';
import {
  backfillStream,
  countBackfill,
  type BackfillCountOptions,
  describeCount,
  requestBackfill,
  sinceIgnoredNote,
} from './backfill.js';
import { stream } from './test-support/cli.js';

const SHOP = 2101;
const KEY = 'test-mirakl-key-2101';
const STORE = 'store-backfill';
const PAT = 'test-shipbob-pat-backfill';
const opened = closeAfterEach();

/** A dry-run count for the store of a poller bed, as the command makes it. */
function countOf(
  harness: { credentials: StoreCredentialsPort; db: Db },
  logger: Logger,
  options: Pick<BackfillCountOptions, 'stream' | 'since'> & Partial<BackfillCountOptions>,
) {
  return countBackfill({
    credentials: harness.credentials,
    gate: createMongoCallGate({ db: harness.db, collection: 'call_gate' }),
    db: harness.db,
    storeId: STORE,
    logger,
    miraklTrustedHosts: ['127.0.0.1'],
    ...options,
  });
}

describe('stream backfill', () => {
  it('dry run counts what OR11 returns since the time and asks no poll; the request makes the poller read from there', async () => {
    const { logger } = capturingLogger('warn');
    const sim = opened.add(
      await startMiraklSimulator({
        port: 0,
        shops: [{ shopId: SHOP, apiKey: KEY }],
        paymentDelayMs: null,
      }),
    );
    const harness = opened.add(await pollerHarness(logger));
    await harness.addStore({
      storeId: STORE,
      miraklUrl: sim.url,
      shopId: String(SHOP),
      apiKey: KEY,
    });
    for (const sku of ['SKU-1', 'SKU-2', 'SKU-3'])
      sim.control.createOrder(SHOP, { lines: [{ sku, quantity: 1 }] });
    const poller = await harness.startPoller({ or11IntervalMs: 200 });
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the first pass');
    const factsAfterFirst = harness.facts.length;
    expect(factsAfterFirst).toBe(3);

    const or11 = () => sim.control.exchanges().filter((e) => e.operation === 'OR11');
    const requests = () => harness.messagesOn('pollRequested' as never);
    const requestsBefore = await requests();
    const callsBefore = or11().length;
    const since = new Date(Date.now() - 3600_000);
    const stream = backfillStream('orders');

    const counted = await countOf(harness, logger, {
      stream,
      since,
      or11IntervalMs: 200,
    });
    expect(counted).toEqual({ items: 3, call: 'Mirakl OR11', unit: 'orders' });
    expect(or11()).toHaveLength(callsBefore + 1);
    expect(or11().at(-1)?.query['start_update_date']).toEqual([since.toISOString()]);
    expect(await requests()).toBe(requestsBefore);

    await requestBackfill({ publisher: harness.publisher, storeId: STORE, stream, since });
    await untilOutcome(poller.metrics, 'completed', 2, 'the backfill pass');
    expect(await requests()).toBe(requestsBefore + 1);
    expect(or11().at(-1)?.query['start_update_date']).toEqual([since.toISOString()]);
    // Everything re-read was seen already: nothing is emitted twice.
    expect(harness.facts).toHaveLength(factsAfterFirst);
  });

  it('dry run of shipments counts the channel orders ShipBob returns since the time; the request makes shipbob-poller read from there', async () => {
    const { logger } = capturingLogger('warn');
    const sim = opened.add(await startShipBobSimulator({ port: 0 }));
    const { merchant, createOrder } = simulatedAccount(sim, { pat: PAT, storeId: STORE, logger });
    for (const reference of ['MIRAKL-B1-A', 'MIRAKL-B2-A']) await createOrder(reference);
    const harness = opened.add(await shipbobPollerHarness(logger));
    await harness.addStore({ storeId: STORE, pat: PAT, channelId: String(merchant.patChannelId) });
    const poller = await harness.startPoller({ shipbobBaseUrl: sim.url });
    const orderLists = () => sim.control.exchanges().filter((e) => e.operation === 'GET /order');
    const requests = () => harness.messagesOn('pollRequested' as never);
    const requestsBefore = await requests();
    const since = new Date(Date.now() - 3600_000);

    const counted = await countOf(harness, logger, {
      stream: backfillStream('shipments'),
      since,
      shipbobBaseUrl: sim.url,
    });
    expect(counted).toEqual({ items: 2, call: 'ShipBob GET /order', unit: 'orders' });
    expect(await requests()).toBe(requestsBefore);
    const listsAfterCount = orderLists().length;

    await requestBackfill({
      publisher: harness.publisher,
      storeId: STORE,
      stream: 'shipments',
      since,
    });
    await untilOutcome(poller.metrics, 'completed', 1, 'the backfill pass');
    expect(await requests()).toBe(requestsBefore + 1);
    const read = orderLists().slice(listsAfterCount);
    withContext(JSON.stringify(read.map((e) => e.query)), () =>
      expect(read.some((e) => e.query['LastUpdateStartDate']?.[0] === since.toISOString())).toBe(
        true,
      ),
    );
  });

  it("dry run of offers counts a differential OF52 export since the time, waiting for the shop's slot; the request makes the poller export from there", async () => {
    const { logger } = capturingLogger('warn');
    const { sim, harness } = await catalogStore(opened, logger, { storeId: STORE });
    const poller = await harness.startPoller({ of52IntervalMs: 100 });
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the full export');
    await eventually(() => harness.facts.length === 3, 'the three offers');

    await new Promise((r) => setTimeout(r, 20));
    const since = new Date();
    await new Promise((r) => setTimeout(r, 20));
    sim.control.upsertOffers(CATALOG_SHOP, [{ sku: 'SKU-D', quantity: 4 }]);
    sim.control.deleteOffer(CATALOG_SHOP, 'SKU-C');

    const exports = () => sim.control.exchanges().filter((e) => e.operation === 'OF52');
    const requests = () => harness.messagesOn('pollRequested' as never);
    const requestsBefore = await requests();
    const gate = createMongoCallGate({ db: harness.db, collection: 'call_gate' });
    // A poll has just had the shop's OF52 slot: the count waits for the next one.
    await claimMiraklCall(gate, { storeUrl: sim.url, shopId: String(CATALOG_SHOP) }, 'OF52', 1_000);
    const waits: [number, string][] = [];
    const exportsBefore = exports().length;
    const counted = await countOf(harness, logger, {
      gate,
      stream: backfillStream('offers'),
      since,
      of52IntervalMs: 1_000,
      exportPollIntervalMs: 50,
      onWait: (ms, operation) => waits.push([ms, operation]),
    });
    expect(counted).toEqual({
      items: 2,
      deleted: 1,
      call: 'Mirakl OF52 (differential export)',
      unit: 'offers',
    });
    expect(describeCount('offers', counted, since)).toBe(
      `Mirakl OF52 (differential export) returns 2 offers (1 deleted) changed since ${since.toISOString()}; nothing requested`,
    );
    withContext(JSON.stringify(waits), () => {
      expect(waits.map(([, operation]) => operation)).toEqual(['OF52']);
      expect(waits[0]![0]).toBeGreaterThan(0);
    });
    expect(exports()).toHaveLength(exportsBefore + 1);
    expect(exports().at(-1)?.requestBody).toEqual({
      export_type: 'application/json',
      last_request_date: since.toISOString(),
    });
    expect(await requests()).toBe(requestsBefore);
    // The full export's one fact of three offers (ADR 0168), nothing more.
    expect(await harness.messagesOn('offerObserved')).toBe(1);

    await new Promise((r) => setTimeout(r, 1_000));
    const { reason } = await requestBackfill({
      publisher: harness.publisher,
      storeId: STORE,
      stream: 'offers',
      since,
    });
    expect(reason).toBe('backfill');
    await untilOutcome(poller.metrics, 'completed', 2, 'the backfill pass');
    expect(await requests()).toBe(requestsBefore + 1);
    expect(exports().at(-1)?.requestBody).toEqual({
      export_type: 'application/json',
      last_request_date: since.toISOString(),
    });
    await eventually(() => harness.facts.length === 5, 'the two changes');
    expect(
      harness.facts
        .slice(3)
        .map((f) => [f.value.shopSku, f.value.deleted])
        .sort(),
    ).toEqual([
      ['SKU-C', true],
      ['SKU-D', false],
    ]);
  });

  it('dry run of offers on a store without OF52 exports counts every offer OF21 lists, and says so', async () => {
    const { logger } = capturingLogger('error');
    const { sim, harness } = await catalogStore(opened, logger, { storeId: STORE });
    sim.control.addFault({ operation: 'OF52', kind: 'status', status: 404 });
    const since = new Date(Date.now() - 3600_000);
    const counted = await countOf(harness, logger, {
      stream: 'offers',
      since,
      of52IntervalMs: 100,
    });
    expect(counted).toEqual({ items: 3, call: 'Mirakl OF21', unit: 'offers' });
    expect(describeCount('offers', counted, since)).toMatch(/no OF52 exports: every offer is read/);
    expect(sim.control.exchanges().map((e) => e.operation)).toEqual(['OF52', 'OF21']);
  });

  it('dry run of returns counts those the pass reads since the time; the request makes shipbob-poller read them from there', async () => {
    const { logger } = capturingLogger('warn');
    const sim = opened.add(await startShipBobSimulator({ port: 0 }));
    const account = simulatedAccount(sim, { pat: PAT, storeId: STORE, logger });
    const { merchant } = account;
    const { inventoryId, createReturn } = await returnableOrder(sim, account, 'MIRAKL-BR-A');
    // Completed before the time: not read; still on its way: read whatever the time.
    const done = await createReturn('MIRAKL-BR-A-1');
    sim.control.world.returns.complete(done.id, [{ inventoryId, action: 'Dispose' }]);
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const waiting = await createReturn('MIRAKL-BR-A-2');

    const harness = opened.add(await shipbobPollerHarness(logger));
    await harness.addStore({
      storeId: STORE,
      pat: PAT,
      channelId: String(merchant.patChannelId),
      returnsApproved: true,
    });
    const poller = await harness.startPoller({ shipbobBaseUrl: sim.url });
    const returnLists = () => sim.control.exchanges().filter((e) => e.operation === 'GET /return');
    const requests = () => harness.messagesOn('pollRequested' as never);
    const requestsBefore = await requests();

    const counted = await countOf(harness, logger, {
      stream: backfillStream('returns'),
      since,
      shipbobBaseUrl: sim.url,
      returnsLookbackMs: 24 * 3600_000,
    });
    expect(counted).toEqual({ items: 1, call: 'ShipBob GET /return', unit: 'returns' });
    expect(await requests()).toBe(requestsBefore);
    const listsAfterCount = returnLists().length;

    await requestBackfill({
      publisher: harness.publisher,
      storeId: STORE,
      stream: 'returns',
      since,
    });
    await eventually(
      async () =>
        (await countedMetric(poller.metrics, 'poll_requests_total', {
          stream: 'returns',
          outcome: 'completed',
        })) === 1,
      'the backfill pass',
    );
    expect(await requests()).toBe(requestsBefore + 1);
    const read = returnLists().slice(listsAfterCount);
    withContext(JSON.stringify(read.map((e) => e.query)), () =>
      expect(read.some((e) => e.query['CompletedStartDate']?.[0] === since.toISOString())).toBe(
        true,
      ),
    );
    await eventually(
      async () => (await harness.messagesOn('returnUpdated')) === 1,
      'the one return read',
    );
    const returned = harness.facts.filter((f) => f.topic === 'returnUpdated');
    expect(returned.map((f) => (f.value as { returnId: string }).returnId)).toEqual([
      String(waiting.id),
    ]);
  });

  it("dry run of inventory counts the account's SKUs; the request is a resync: every level read and given again, --since aside", async () => {
    const { logger } = capturingLogger('warn');
    const sim = opened.add(await startShipBobSimulator({ port: 0 }));
    const merchant = sim.control.world.seedMerchant({ pats: [PAT] });
    sim.control.world.seedProduct(merchant.id, { sku: 'SKU-1', stock: { 1: 50 } });
    sim.control.world.seedProduct(merchant.id, { sku: 'SKU-2', stock: { 1: 5 } });
    sim.control.world.seedProduct(merchant.id, { sku: 'SKU-3', stock: { 1: 0 } });
    const harness = opened.add(await shipbobPollerHarness(logger));
    await harness.addStore({ storeId: STORE, pat: PAT, channelId: String(merchant.patChannelId) });
    const poller = await harness.startPoller({ shipbobBaseUrl: sim.url });
    const requests = () => harness.messagesOn('pollRequested' as never);
    // One value per SKU: a fact carries up to 250 (ADR 0166).
    const inventory = () =>
      inventoryPerSku(
        harness.facts.flatMap((f) =>
          f.topic === 'inventoryObserved' ? [f.value as ShipBobInventoryObserved] : [],
        ),
      );

    await harness.requestPoll(STORE, { stream: 'inventory' });
    await untilOutcome(poller.metrics, 'read', 1, 'the first read');
    await eventually(() => inventory().length === 3, 'the first full cycle');
    const requestsBefore = await requests();
    const readsBefore = sim.control
      .exchanges()
      .filter((e) => e.operation === 'GET /inventory-level').length;

    const counted = await countOf(harness, logger, {
      stream: backfillStream('inventory'),
      since: null,
      shipbobBaseUrl: sim.url,
    });
    expect(counted).toEqual({ items: 3, call: 'ShipBob GET /inventory-level', unit: 'SKUs' });
    // The command's dry run: the store's PAT opened with the key ring, the same count printed.
    const connection = {
      KAFKA_BROKERS: infra().KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: infra().SCHEMA_REGISTRY_URL,
      TOPIC_NAMESPACE: harness.namespace,
    };
    const dryRun = await stream(
      ['backfill', '--store', STORE, '--stream', 'inventory', '--dry-run'],
      {
        ...connection,
        MONGO_URL: infra().MONGO_URL,
        MONGO_DB: harness.db.databaseName,
        ENCRYPTION_KEYS: harness.encryptionKeys,
        SHIPBOB_BASE_URL: sim.url,
      },
    );
    withContext(dryRun.stderr, () => expect(dryRun.code).toBe(0));
    expect(dryRun.stdout).toBe(`${describeCount('inventory', counted, null)}\n`);
    expect(
      sim.control.exchanges().filter((e) => e.operation === 'GET /inventory-level').length,
    ).toBe(readsBefore + 2);
    expect(await requests()).toBe(requestsBefore);
    expect(await harness.messagesOn('inventoryObserved')).toBe(1);

    // The time an operator gives with every stream after an outage does not apply here: said,
    // and a resync is requested instead.
    const ran = await stream(
      ['backfill', '--store', STORE, '--stream', 'inventory', '--since', '2026-11-20T00:00:00Z'],
      connection,
    );
    withContext(ran.stderr, () => expect(ran.code).toBe(0));
    expect(ran.stderr).toContain(sinceIgnoredNote('inventory'));
    expect(ran.stdout).toMatch(/^resync of inventory requested: a full read, every level pushed/);
    expect(await requests()).toBe(requestsBefore + 1);
    await eventually(
      async () =>
        (await countedMetric(poller.metrics, 'poll_requests_total', {
          stream: 'inventory:resync',
          outcome: 'read',
        })) === 1,
      'the resync read',
    );
    await eventually(() => inventory().length === 6, 'every SKU again');
    // Nothing changed, yet every SKU is given again as a full cycle: the applier pushes all.
    expect(
      inventory()
        .slice(3)
        .map((f) => [f.sku, f.fullCycle, f.endOfCycle]),
    ).toEqual([
      ['SKU-1', true, false],
      ['SKU-2', true, false],
      ['SKU-3', true, true],
    ]);
  });

  it('names the streams, and needs --since for those with history', async () => {
    expect(() => backfillStream('nope')).toThrow(
      /one of orders, offers, shipments, inventory, returns/,
    );
    for (const stream of ['orders', 'offers', 'shipments', 'inventory', 'returns'])
      expect(backfillStream(stream)).toBe(stream);
    await expect(
      requestBackfill({
        publisher: { publish: () => Promise.reject(new Error('not to be called')) } as never,
        storeId: STORE,
        stream: 'returns',
        since: null,
      }),
    ).rejects.toThrow(/needs --since/);
  });
});
