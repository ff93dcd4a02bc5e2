import { describe, expect, it } from '@jest/globals';
import type { EventOf } from '@msync/events';
import { startShipBobSimulator } from '@msync/shipbob-sim';
import { closeAfterEach, counted } from '@msync/polling/test-support';
import { capturingLogger, eventually, withContext } from '@msync/test-support';
import { returnableOrder, simulatedAccount } from './test-support/account.js';
import { pollerHarness } from './test-support/harness.js';

const PAT = 'test-shipbob-pat-returns';
const STORE = 'store-returns';
const SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;

const opened = closeAfterEach();

/**
 * A simulated account with a shipped order of `SKU-1`, a store syncing returns, and a poller (with
 * its webhook receiver when asked). `createReturn` creates a return of one unit as the applier
 * does (the original shipment named, so ShipBob fills in the store order id).
 */
async function setUp(options: { webhooks?: boolean } = {}) {
  const { logger } = capturingLogger('warn');
  const sim = opened.add(
    await startShipBobSimulator({
      port: 0,
      ...(options.webhooks ? { webhooks: { deliver: true, retryDelaysMs: [200, 400, 800] } } : {}),
    }),
  );
  const account = simulatedAccount(sim, { pat: PAT, storeId: STORE, logger });
  const { merchant } = account;
  const { inventoryId, createReturn } = await returnableOrder(sim, account, 'MIRAKL-RET-A');

  const harness = opened.add(await pollerHarness(logger));
  await harness.addStore({
    storeId: STORE,
    pat: PAT,
    channelId: String(merchant.patChannelId),
    returnsApproved: true,
    ...(options.webhooks ? { shipbobWebhookSecret: SECRET } : {}),
  });
  const poller = await harness.startPoller({
    shipbobBaseUrl: sim.url,
    ...(options.webhooks ? { webhooks: {} } : {}),
  });
  if (options.webhooks)
    sim.control.world.webhooks.create(merchant.id, {
      url: poller.webhookUrl(STORE),
      topics: ['return.created', 'return.updated', 'return.completed'],
      secret: SECRET,
    });

  let passes = 0;
  const pass = async () => {
    passes += 1;
    await harness.requestPoll(STORE, { stream: 'returns' });
    await eventually(
      async () =>
        (await counted(poller.metrics, 'poll_requests_total', {
          stream: 'returns',
          outcome: 'completed',
        })) === passes,
      `returns pass ${passes} to complete`,
    );
  };
  const returnFacts = () =>
    harness.facts.flatMap((f) =>
      f.topic === 'returnUpdated'
        ? [{ idempotencyKey: f.idempotencyKey, value: f.value as EventOf<'returnUpdated'> }]
        : [],
    );
  return { sim, harness, poller, createReturn, pass, returnFacts, inventoryId };
}

const keyOf = (returnId: number, status: string) => `shipbob:${STORE}:return:${returnId}:${status}`;

describe('shipbob-poller returns stream', () => {
  it('emits ShipBobReturnUpdated once per status change, reading "Awaiting Arrival" as AwaitingArrival', async () => {
    const { sim, harness, createReturn, pass, returnFacts, inventoryId } = await setUp();
    sim.control.world.returns.awaitingArrivalSpelling = 'spaced';
    const waiting = await createReturn('MIRAKL-RET-A-1');
    const done = await createReturn('MIRAKL-RET-A-2');
    sim.control.world.returns.complete(done.id, [{ inventoryId, action: 'Dispose' }]);

    await pass();
    await eventually(() => returnFacts().length >= 2, 'the first pass facts');
    expect(
      returnFacts()
        .map((f) => f.idempotencyKey)
        .sort(),
    ).toEqual([keyOf(waiting.id, 'AwaitingArrival'), keyOf(done.id, 'Completed')].sort());
    expect(returnFacts().find((f) => f.value.returnId === String(done.id))?.value).toMatchObject({
      referenceId: 'MIRAKL-RET-A-2',
      storeOrderId: 'MIRAKL-RET-A',
      status: 'Completed',
      fulfillmentCenterName: expect.any(String),
      actionRequested: 'Default',
      actionTaken: 'Dispose',
      completedAt: expect.any(Number),
    });
    expect(returnFacts().find((f) => f.value.returnId === String(waiting.id))?.value).toMatchObject(
      { status: 'AwaitingArrival', actionTaken: null, completedAt: null },
    );

    // Nothing changed: a second pass over the overlap emits nothing.
    await pass();
    expect(await harness.messagesOn('returnUpdated')).toBe(2);

    sim.control.world.returns.advance(waiting.id);
    await pass();
    await eventually(() => returnFacts().length >= 3, 'the arrival');
    sim.control.world.returns.complete(waiting.id);
    await pass();
    await eventually(() => returnFacts().length >= 4, 'the completion');
    await pass();
    expect(await harness.messagesOn('returnUpdated')).toBe(4);
    expect(returnFacts().slice(2)).toMatchObject([
      { idempotencyKey: keyOf(waiting.id, 'Arrived'), value: { status: 'Arrived' } },
      {
        idempotencyKey: keyOf(waiting.id, 'Completed'),
        value: { status: 'Completed', actionTaken: 'Restock' },
      },
    ]);

    const cursor = await harness.db
      .collection('shipbob_poll_cursors')
      .findOne({ stream: 'returns' });
    withContext('the cursor is the latest status change read', () =>
      expect(cursor?.['cursor']).toEqual(expect.any(Date)),
    );
  });

  it('a return.* webhook emits the polled fact under the polled key; the pass after it adds nothing', async () => {
    const { sim, harness, poller, createReturn, pass, returnFacts } = await setUp({
      webhooks: true,
    });
    const ret = await createReturn('MIRAKL-RET-A-9');
    await eventually(() => returnFacts().length === 1, 'the pushed creation');
    sim.control.world.returns.complete(ret.id);
    await eventually(() => returnFacts().length === 2, 'the pushed completion');
    expect(returnFacts().map((f) => f.idempotencyKey)).toEqual([
      keyOf(ret.id, 'AwaitingArrival'),
      keyOf(ret.id, 'Completed'),
    ]);
    expect(
      await counted(poller.metrics, 'shipbob_webhook_facts_emitted_total', {
        type: 'returnUpdated',
      }),
    ).toBe(2);

    await pass();
    expect(await harness.messagesOn('returnUpdated')).toBe(2);
  });
});
