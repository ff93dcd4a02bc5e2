import { describe, expect, it } from '@jest/globals';
import { signWebhookMessage, type ShipBobOrder } from '@msync/shipbob';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { closeAfterEach, counted, untilOutcome } from '@msync/polling/test-support';
import { capturingLogger, eventually, withContext } from '@msync/test-support';
import { simulatedAccount } from './test-support/account.js';
import { pollerHarness } from './test-support/harness.js';

const PAT = 'test-shipbob-pat-webhooks';
const STORE = 'store-webhooks';
const SECRET = `whsec_${Buffer.alloc(24, 42).toString('base64')}`;
const TOPICS = ['order.shipped', 'order.shipment.cancelled', 'order.shipment.delivered'];
const RECEIVED = 'shipbob_webhooks_received_total';

const opened = closeAfterEach();

/**
 * The ShipBob simulator delivering to shipbob-poller's receiver: one merchant subscribed with the
 * store's secret, real Kafka, registry and FerretDB behind the receiver.
 */
async function setUp(options: { maxBodyBytes?: number } = {}) {
  const { logger, lines } = capturingLogger('info');
  const sim: RunningShipBobSimulator = opened.add(
    await startShipBobSimulator({
      port: 0,
      webhooks: { deliver: true, retryDelaysMs: [200, 400, 800, 1_600] },
    }),
  );
  const {
    merchant,
    client: shipbob,
    createOrder,
  } = simulatedAccount(sim, {
    pat: PAT,
    storeId: STORE,
    logger,
  });
  const harness = opened.add(await pollerHarness(logger));
  await harness.addStore({
    storeId: STORE,
    pat: PAT,
    channelId: String(merchant.patChannelId),
    shipbobWebhookSecret: SECRET,
  });
  const poller = await harness.startPoller({
    shipbobBaseUrl: sim.url,
    webhooks: { maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024 },
  });
  sim.control.world.webhooks.create(merchant.id, {
    url: poller.webhookUrl(STORE),
    topics: TOPICS,
    secret: SECRET,
  });

  const label = (order: ShipBobOrder) =>
    sim.control.world.labelShipment(order.shipments[0]!.id, {
      carrier: 'UPS',
      trackingNumber: `1Z${order.id}`,
    });
  const received = (labels: Record<string, string> = {}) =>
    counted(poller.metrics, RECEIVED, labels);
  const labeledKey = (order: ShipBobOrder) =>
    `shipbob:${STORE}:shipment:${order.shipments[0]!.id}:labeled`;
  return { sim, shipbob, harness, poller, createOrder, label, received, labeledKey, lines };
}

describe('shipbob-poller webhook receiver, with the simulator delivering', () => {
  it('turns order.shipped into the fact polling would emit, with its key; a pass afterwards adds nothing', async () => {
    const { harness, poller, createOrder, label, received, labeledKey } = await setUp();
    const order = await createOrder('MIRAKL-PUSHED-A');
    label(order);

    await eventually(() => harness.facts.length === 1, 'the pushed fact');
    const [fact] = harness.facts;
    expect(fact).toMatchObject({
      topic: 'shipmentLabeled',
      idempotencyKey: labeledKey(order),
      value: {
        referenceId: 'MIRAKL-PUSHED-A',
        carrier: 'UPS',
        trackingNumber: `1Z${order.id}`,
        envelope: { source: 'shipbob-poller', storeId: STORE },
      },
    });
    await eventually(
      async () => (await received({ topic: 'order.shipped', outcome: 'accepted' })) === 1,
      'the delivery counted as accepted',
    );
    expect(
      await counted(poller.metrics, 'shipbob_webhook_facts_emitted_total', {
        type: 'shipmentLabeled',
      }),
    ).toBe(1);

    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the pass after the webhook');
    expect(await counted(poller.metrics, 'poll_items_seen_total', { stream: 'shipments' })).toBe(1);
    expect(await harness.messagesOn('shipmentLabeled')).toBe(1);
    expect(await counted(poller.metrics, 'poll_facts_emitted_total', {})).toBe(0);
  });

  it('a webhook after the pass that already reported the shipment emits nothing; both paths use one key', async () => {
    const { sim, harness, poller, createOrder, label, received, labeledKey } = await setUp();
    const order = await createOrder('MIRAKL-POLLED-A');
    sim.control.setWebhookDelivery(false);
    label(order);
    await harness.requestPoll(STORE);
    await untilOutcome(poller.metrics, 'completed', 1, 'the pass');
    await eventually(() => harness.facts.length === 1, 'the polled fact');
    expect(harness.facts[0]!.idempotencyKey).toBe(labeledKey(order));

    sim.control.setWebhookDelivery(true);
    const shipmentId = order.shipments[0]!.id;
    sim.control.world.shipShipment(shipmentId);
    sim.control.world.deliverShipment(shipmentId);
    await eventually(
      async () => (await received({ topic: 'order.shipment.delivered' })) === 1,
      'the delivered webhook answered',
    );
    expect(await received({ topic: 'order.shipment.delivered', outcome: 'ignored' })).toBe(1);
    expect(await harness.messagesOn('shipmentLabeled')).toBe(1);
  });

  it('a delivered shipment whose order.shipped was lost is reported from the shipment, under the same key', async () => {
    const { sim, harness, createOrder, label, received, labeledKey } = await setUp();
    const order = await createOrder('MIRAKL-LOST-A');
    sim.control.setWebhookDelivery(false);
    label(order);
    sim.control.setWebhookDelivery(true);
    const shipmentId = order.shipments[0]!.id;
    sim.control.world.shipShipment(shipmentId);
    sim.control.world.deliverShipment(shipmentId);
    await eventually(() => harness.facts.length === 1, 'the fact from the delivered shipment');
    expect(harness.facts[0]!.idempotencyKey).toBe(labeledKey(order));
    await eventually(
      async () =>
        (await received({ topic: 'order.shipment.delivered', outcome: 'accepted' })) === 1,
      'the delivery counted as accepted',
    );
  });

  it('duplicate and reordered deliveries change nothing: one fact per shipment', async () => {
    const { sim, harness, createOrder, label, received, labeledKey } = await setUp();
    sim.control.setWebhookFaults({ duplicate: true, reorderWindowMs: 300 });
    const order = await createOrder('MIRAKL-DUP-A');
    label(order);
    const shipmentId = order.shipments[0]!.id;
    sim.control.world.shipShipment(shipmentId);
    sim.control.world.deliverShipment(shipmentId);

    // Two events, each sent twice, the delivered one first: four answers, whatever they were.
    await eventually(async () => (await received({})) >= 4, 'four deliveries answered');
    // A copy answered 409 (the other copy held the claim) is retried, then answered 200.
    await eventually(() => {
      const journal = sim.control.webhookDeliveries();
      const ids = new Set(journal.map((d) => d.webhookId));
      return (
        ids.size === 2 &&
        [...ids].every((id) =>
          journal.some((d) => d.webhookId === id && d.outcome === 'delivered' && !d.fault),
        )
      );
    }, 'every event delivered');
    expect(await harness.messagesOn('shipmentLabeled')).toBe(1);
    await eventually(() => harness.facts.length === 1, 'the fact read');
    expect(harness.facts[0]!.idempotencyKey).toBe(labeledKey(order));
    // Whichever event was handled first (the reorder window decides, not the test) made the fact
    // and carries its webhook-id; the other found it reported.
    const webhookIds = sim.control.webhookDeliveries().map((d) => d.webhookId);
    expect(webhookIds).toContain(harness.facts[0]!.value.envelope.correlationId);
    expect(await received({ outcome: 'accepted' })).toBe(1);
    expect(await received({ outcome: 'ignored' })).toBe(1);
  });

  it('a bad signature is refused with 401 and counted, nothing emitted; the retry signed right gets through once', async () => {
    const { sim, harness, createOrder, label, received, labeledKey } = await setUp();
    sim.control.setWebhookFaults({ badSignature: true });
    const order = await createOrder('MIRAKL-BADSIG-A');
    label(order);
    await eventually(
      async () => (await received({ outcome: 'bad-signature' })) >= 1,
      'the refusal counted',
    );
    expect(await harness.messagesOn('shipmentLabeled')).toBe(0);
    await eventually(
      () => sim.control.webhookDeliveries().length > 0,
      'the refused delivery recorded by the simulator',
    );
    expect(sim.control.webhookDeliveries()[0]).toMatchObject({
      outcome: 'failed',
      status: 401,
      fault: 'bad-signature',
    });

    sim.control.setWebhookFaults({ badSignature: false });
    await eventually(() => harness.facts.length === 1, 'the retried delivery accepted');
    expect(harness.facts[0]!.idempotencyKey).toBe(labeledKey(order));
    await eventually(
      async () => (await received({ outcome: 'accepted' })) === 1,
      'the retry counted as accepted',
    );
    expect(await harness.messagesOn('shipmentLabeled')).toBe(1);
  });

  it('a canceled shipment asks for a pass, which reports the canceled order once', async () => {
    const { harness, poller, shipbob, createOrder, received } = await setUp();
    const order = await createOrder('MIRAKL-CANCEL-A');
    await shipbob.cancelOrder(order.id);
    await eventually(() => harness.facts.length === 1, 'the canceled order');
    expect(harness.facts[0]).toMatchObject({
      topic: 'orderCanceledInShipBob',
      idempotencyKey: `shipbob:${STORE}:order:${order.id}:canceled`,
    });
    await eventually(
      async () =>
        (await received({ topic: 'order.shipment.cancelled', outcome: 'poll-requested' })) === 1,
      'the delivery counted as a requested pass',
    );
    await untilOutcome(poller.metrics, 'completed', 1, 'the requested pass counted');
  });
});

describe('shipbob-poller webhook receiver refusals', () => {
  /** Posts a delivery signed with `secret` (the store's unless told), as ShipBob would. */
  const post = async (
    url: string,
    options: {
      body?: string;
      secret?: string;
      sentAt?: number;
      tamper?: (body: string) => string;
      headers?: Record<string, string>;
      topic?: string;
    } = {},
  ) => {
    const body = options.body ?? JSON.stringify({ id: 1, reference_id: 'X', created_date: 'x' });
    const id = `msg_${Math.random().toString(36).slice(2)}`;
    const timestamp = Math.floor((options.sentAt ?? Date.now()) / 1000);
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhookMessage(options.secret ?? SECRET, id, timestamp, body),
        'x-webhook-topic': options.topic ?? 'order.shipped',
        ...options.headers,
      },
      body: options.tamper ? options.tamper(body) : body,
    });
    return { status: response.status, body: (await response.json()) as { outcome: string } };
  };

  it('answers 4xx to each bad delivery, counts it by reason, and emits nothing', async () => {
    const { harness, poller, received, lines } = await setUp({ maxBodyBytes: 2_048 });
    const url = poller.webhookUrl(STORE);
    const cases: [string, Promise<{ status: number; body: { outcome: string } }>, number][] = [
      ['bad-signature', post(url, { tamper: (b) => b.replace('"X"', '"Y"') }), 401],
      [
        'bad-signature',
        post(url, { secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}` }),
        401,
      ],
      ['stale-timestamp', post(url, { sentAt: Date.now() - 6 * 60_000 }), 401],
      ['stale-timestamp', post(url, { sentAt: Date.now() + 6 * 60_000 }), 401],
      ['missing-headers', post(url, { headers: { 'webhook-signature': '' } }), 400],
      ['missing-headers', post(url, { headers: { 'x-webhook-topic': '' } }), 400],
      ['unknown-store', post(poller.webhookUrl('no-such-store')), 404],
      ['malformed', post(url, { body: '{"id": 1,' }), 400],
      ['malformed', post(url, { body: JSON.stringify({ id: 'not-a-number' }) }), 400],
      ['oversized', post(url, { body: JSON.stringify({ pad: 'x'.repeat(4_096) }) }), 413],
    ];
    const answers = await Promise.all(cases.map(([, answer]) => answer));
    cases.forEach(([outcome, , status], i) =>
      withContext(outcome, () => expect(answers[i]).toEqual({ status, body: { outcome } })),
    );
    for (const outcome of new Set(cases.map(([o]) => o)))
      expect(await received({ outcome })).toBe(cases.filter(([o]) => o === outcome).length);
    expect(await harness.messagesOn('shipmentLabeled')).toBe(0);
    expect(await harness.messagesOn('orderCanceledInShipBob')).toBe(0);
    expect(lines.join('\n')).not.toContain(SECRET.slice('whsec_'.length));
    // Each refusal is logged under the store and the delivery's webhook id (docs/runbook.md).
    const refusals = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['msg'] === 'ShipBob webhook refused' && l['outcome'] === 'bad-signature');
    expect(refusals).toHaveLength(2);
    for (const line of refusals)
      expect(line).toMatchObject({
        storeId: STORE,
        correlationId: expect.stringMatching(/^msg_/),
        requestId: expect.any(String),
      });
  });

  it('a delivery for a disconnected store is answered 2xx and emits nothing', async () => {
    const { sim, harness, createOrder, label, received } = await setUp();
    await harness.addStore({
      storeId: STORE,
      pat: PAT,
      channelId: String(sim.control.world.merchants[0]!.patChannelId),
      shipbobWebhookSecret: SECRET,
      status: 'DISCONNECTED',
      version: 2,
    });
    label(await createOrder('MIRAKL-OFF-A'));
    await eventually(
      async () => (await received({ outcome: 'store-not-connected' })) === 1,
      'the delivery answered',
    );
    // The simulator records the delivery once the answer reached it, which may be a moment later.
    await eventually(
      () => sim.control.webhookDeliveries().length > 0,
      'the delivery recorded by the simulator',
    );
    expect(sim.control.webhookDeliveries()[0]).toMatchObject({ outcome: 'delivered', status: 200 });
    expect(await harness.messagesOn('shipmentLabeled')).toBe(0);
  });
});
