import { describe, expect, it } from '@jest/globals';
import { startMiraklSimulator } from '@msync/mirakl-sim';
import { createMongoCallGate } from '@msync/platform';
import { closeAfterEach, untilOutcome } from '@msync/polling/test-support';
import { startShipBobSimulator } from '@msync/shipbob-sim';
import { capturingLogger, withContext } from '@msync/test-support';
import { simulatedAccount } from '../../../services/shipbob-poller/src/test-support/account.js';
import { pollerHarness as shipbobPollerHarness } from '../../../services/shipbob-poller/src/test-support/harness.js';
import { pollerHarness } from '../../../services/mirakl-poller/src/test-support/harness.js';
import { backfillStream, countBackfill, requestBackfill } from './backfill.js';

const SHOP = 2101;
const KEY = 'test-mirakl-key-2101';
const STORE = 'store-backfill';
const PAT = 'test-shipbob-pat-backfill';
const opened = closeAfterEach();

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

    const counted = await countBackfill({
      credentials: harness.credentials,
      gate: createMongoCallGate({ db: harness.db, collection: 'call_gate' }),
      storeId: STORE,
      stream,
      since,
      logger,
      miraklTrustedHosts: ['127.0.0.1'],
      or11IntervalMs: 200,
    });
    expect(counted).toEqual({ items: 3, call: 'Mirakl OR11' });
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

    const counted = await countBackfill({
      credentials: harness.credentials,
      gate: createMongoCallGate({ db: harness.db, collection: 'call_gate' }),
      storeId: STORE,
      stream: backfillStream('shipments'),
      since,
      logger,
      miraklTrustedHosts: [],
      shipbobBaseUrl: sim.url,
    });
    expect(counted).toEqual({ items: 2, call: 'ShipBob GET /order' });
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

  it('refuses a stream no poller reads yet, naming those that are', () => {
    expect(() => backfillStream('offers')).toThrow(/polled: orders, shipments/);
    expect(() => backfillStream('nope')).toThrow(/one of orders, offers/);
  });
});
