import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { envelope, type EventOf } from '@msync/events';
import { capturingLogger, infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import {
  ADMIN_TOKEN,
  client,
  configApiHarness,
  eventually,
  type ApiBody,
  type Harness,
  type Instance,
} from './test-support/harness.js';
import { orderJourney } from './test-support/order-events.js';
import { ACTIVITY_COLLECTIONS } from './adapters/mongo-activity.js';

// The activity projection on real Kafka, registry and FerretDB: outcomes and order facts are
// published with the project's publisher and read by a running config-api.

const MIRAKL_KEY = 'activity-mirakl-key-5c4b3a29';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** The projection's clock: fixed, so ages and the retention cut-off are exact. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const { logger } = capturingLogger('warn');

let h: Harness;
let instance: Instance;
let alice: ReturnType<typeof client>;
let bob: ReturnType<typeof client>;
let admin: ReturnType<typeof client>;
let storeId = '';
let published = 0;

/** Events the projection has finished (any result), read from its own counter. */
async function handled(): Promise<number> {
  const { values } = await instance.api.metrics.activityEvents.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

async function publishAndWait(batches: {
  [
    K in
      | 'syncOutcome'
      | 'orderAwaitingAcceptance'
      | 'orderReadyToShip'
      | 'shipmentLabeled'
      | 'orderCanceledOnMarketplace'
      | 'returnUpdated'
  ]?: EventOf<K>[];
}): Promise<void> {
  for (const [topic, events] of Object.entries(batches)) {
    await h.publisher.publish(topic as 'syncOutcome', events as EventOf<'syncOutcome'>[]);
    published += events.length;
  }
  const expected = published;
  await eventually(async () => (await handled()) >= expected, `${expected} events projected`);
}

const activity = (query = '') => alice('GET', `/v1/stores/${storeId}/activity${query}`);
const timeline = (orderId: string) =>
  alice('GET', `/v1/stores/${storeId}/orders/${encodeURIComponent(orderId)}/timeline`);
const stepTimes = (body: ApiBody) =>
  Object.fromEntries(
    (body['steps'] as { step: string; at: string | null }[]).map((s) => [s.step, s.at]),
  );

beforeAll(async () => {
  h = await configApiHarness({
    infra: infra(),
    database: uniqueName('config-api-activity'),
    namespace: uniqueNamespace(),
    logger,
  });
  h.mirakl.control.addShop({ shopId: 8101, apiKey: MIRAKL_KEY, name: 'Activity Shop' });
  instance = await h.start({ activity: true, now: () => NOW });
  admin = client(instance.url, ADMIN_TOKEN);
  const token = async (name: string) => {
    const tenant = await admin('POST', '/v1/tenants', { body: { name } });
    return (await admin('POST', '/v1/tokens', { body: { name, tenantId: tenant.body.id } })).body
      .token;
  };
  alice = client(instance.url, await token('Alice'));
  bob = client(instance.url, await token('Bob'));
  const store = await alice('POST', '/v1/stores', {
    body: { miraklUrl: h.mirakl.url, miraklApiKey: MIRAKL_KEY },
  });
  expect(store.status).toBe(201);
  storeId = store.body.id;
});

afterAll(async () => {
  await h?.close();
});

describe('activity projection', () => {
  const order = () => orderJourney(storeId, 'MKP-1001-A');
  let outcomes: EventOf<'syncOutcome'>[] = [];

  it('adds one entry per outcome, none for dry runs, also when every event comes twice', async () => {
    const o = order();
    outcomes = [
      o.outcome(ago(50 * MINUTE), 'orders', 'accept', 'APPLIED', 'accepted 1 line'),
      o.outcome(ago(40 * MINUTE), 'orders', 'create', 'APPLIED', 'ShipBob order 555 created'),
      o.outcome(ago(30 * MINUTE), 'tracking', 'ship', 'FAILED', 'Mirakl answered 500 to OR23'),
      o.outcome(ago(20 * MINUTE), 'tracking', 'ship', 'APPLIED', 'tracking sent, order shipped'),
      {
        ...o.outcome(ago(10 * MINUTE), 'offers', 'product', 'SKIPPED', 'flow switched off'),
        subjectId: 'MUG-1',
        effectKey: 'product:MUG-1',
      },
    ];
    const dryRun = o.outcome(ago(5 * MINUTE), 'orders', 'accept', 'APPLIED', null, {
      dryRun: true,
    });
    const facts = {
      orderAwaitingAcceptance: [o.awaiting(ago(60 * MINUTE), ago(65 * MINUTE))],
      orderReadyToShip: [o.readyToShip(ago(45 * MINUTE))],
      shipmentLabeled: [o.labeled(ago(25 * MINUTE), '555')],
    };
    await publishAndWait({ syncOutcome: [...outcomes, dryRun], ...facts });
    // The same events again, as after a redelivery or a replay of the topics.
    await publishAndWait({ syncOutcome: [...outcomes, dryRun], ...facts });

    const page = await activity();
    expect(page.status).toBe(200);
    expect(page.body.items.map((e) => e.id)).toEqual(
      [...outcomes].reverse().map((e) => e.envelope.eventId),
    );
    expect(page.body['nextCursor']).toBeNull();
    expect(page.body.items[2]).toMatchObject({
      flow: 'tracking',
      outcome: 'FAILED',
      effectKey: 'ship:MKP-1001-A',
      orderId: 'MKP-1001-A',
      steps: ['trackingSent', 'shipped'],
      detail: 'Mirakl answered 500 to OR23',
      target: 'MIRAKL',
      at: ago(30 * MINUTE).toISOString(),
    });
    const { values } = await instance.api.metrics.activityEvents.get();
    const count = (result: string) =>
      values.filter((v) => v.labels['result'] === result).reduce((s, v) => s + v.value, 0);
    expect([count('duplicate'), count('dry-run')]).toEqual([5, 2]);
    const entries = await instance.api.metrics.activityEntries.get();
    expect(entries.values.reduce((s, v) => s + v.value, 0)).toBe(5);
  });

  it('shows the order’s timeline: every step with its time, ids, tracking and the last failure', async () => {
    const res = await timeline('MKP-1001-A');
    expect(res.status).toBe(200);
    expect(stepTimes(res.body)).toEqual({
      seen: ago(60 * MINUTE).toISOString(),
      accepted: ago(50 * MINUTE).toISOString(),
      readyToShip: ago(45 * MINUTE).toISOString(),
      createdInShipBob: ago(40 * MINUTE).toISOString(),
      labeled: ago(25 * MINUTE).toISOString(),
      trackingSent: ago(20 * MINUTE).toISOString(),
      shipped: ago(20 * MINUTE).toISOString(),
      canceled: null,
      canceledInShipBob: null,
    });
    expect(res.body).toMatchObject({
      orderId: 'MKP-1001-A',
      commercialId: 'C-MKP-1001-A',
      orderCreatedAt: ago(65 * MINUTE).toISOString(),
      awaitingAcceptance: false,
      shipbobOrderId: '555',
      shipment: { carrier: 'USPS', trackingNumber: '9400111899223197428490' },
      cancellation: null,
      lastFailure: {
        at: ago(30 * MINUTE).toISOString(),
        flow: 'tracking',
        outcome: 'FAILED',
        detail: 'Mirakl answered 500 to OR23',
        resolved: true,
      },
      finishedAt: ago(20 * MINUTE).toISOString(),
      updatedAt: ago(20 * MINUTE).toISOString(),
    });
  });

  it('filters by flow, outcome and order, and pages newest first with a cursor', async () => {
    const ids = async (query: string) => (await activity(query)).body.items.map((e) => e.id);
    const [accept, create, failed, shipped, skipped] = outcomes.map((e) => e.envelope.eventId);
    expect(await ids('?outcome=FAILED')).toEqual([failed]);
    expect(await ids('?flow=tracking')).toEqual([shipped, failed]);
    expect(await ids('?flow=offers&outcome=SKIPPED')).toEqual([skipped]);
    expect(await ids('?orderId=MKP-1001-A')).toEqual([shipped, failed, create, accept]);
    expect(await ids('?orderId=MKP-404')).toEqual([]);

    const pages: string[][] = [];
    let next: string | null = '';
    while (next !== null) {
      const res = await activity(`?limit=2${next ? `&cursor=${next}` : ''}`);
      expect(res.status).toBe(200);
      pages.push(res.body.items.map((e) => e.id));
      next = res.body['nextCursor'] as string | null;
    }
    expect(pages).toEqual([[skipped, shipped], [failed, create], [accept]]);
  });

  it('names the bad query field in a problem', async () => {
    const cases: [string, string, string][] = [
      ['?limit=0', 'limit', 'too_small'],
      ['?limit=101', 'limit', 'too_big'],
      ['?limit=ten', 'limit', 'invalid_type'],
      ['?cursor=not-ours', 'cursor', 'cursor'],
      ['?outcom=FAILED', 'outcom', 'unknown-field'],
      ['?flow=orders&flow=tracking', 'flow', 'single-value'],
      ['?orderId=', 'orderId', 'too_small'],
    ];
    for (const [query, field, rule] of cases) {
      const res = await activity(query);
      expect([query, res.status, res.headers.get('content-type')]).toEqual([
        query,
        422,
        'application/problem+json; charset=utf-8',
      ]);
      expect(res.body.errors).toEqual([expect.objectContaining({ field, rule })]);
    }
  });

  it('is the owner’s (and the admin’s) only: another tenant gets 404, like an unknown order', async () => {
    expect((await bob('GET', `/v1/stores/${storeId}/activity`)).status).toBe(404);
    expect((await bob('GET', `/v1/stores/${storeId}/orders/MKP-1001-A/timeline`)).status).toBe(404);
    expect((await timeline('MKP-404')).status).toBe(404);
    expect((await alice('GET', '/v1/stores/no-such-store/activity')).status).toBe(404);
    const asAdmin = await admin('GET', `/v1/stores/${storeId}/activity?limit=1`);
    expect([asAdmin.status, asAdmin.body.items.length]).toEqual([200, 1]);
  });

  it('shows, per incident, the ShipBob return created and its latest ShipBob status', async () => {
    const incident = orderJourney(storeId, 'MKP-3001-R');
    const created = {
      ...incident.outcome(ago(9 * MINUTE), 'returns', 'return', 'APPLIED', 'return 7001 created'),
      target: 'SHIPBOB' as const,
      subjectId: 'MKP-3001-R-1',
      effectKey: 'return:MKP-3001-R-1',
      externalIds: { shipbobReturnId: '7001', referenceId: 'MKP-3001-R-1' },
    };
    const skipped = {
      ...incident.outcome(ago(8 * MINUTE), 'returns', 'return', 'SKIPPED', 'not approved'),
      subjectId: 'MKP-3001-R-2',
      effectKey: 'return:MKP-3001-R-2',
    };
    const status = (value: string, at: Date): EventOf<'returnUpdated'> => ({
      envelope: envelope({
        storeId,
        idempotencyKey: `shipbob:${storeId}:return:7001:${value}`,
        source: 'shipbob-poller',
        occurredAt: at,
      }),
      returnId: '7001',
      referenceId: 'MKP-3001-R-1',
      storeOrderId: 'MKP-3001-R',
      status: value,
      fulfillmentCenterName: 'Cicero',
      actionRequested: 'Default',
      actionTaken: value === 'Completed' ? 'Restock' : null,
      completedAt: value === 'Completed' ? ago(2 * MINUTE).getTime() : null,
    });
    // The completion arrives before the arrival (webhooks and polls are not ordered), twice.
    const completed = status('Completed', ago(2 * MINUTE));
    await publishAndWait({
      syncOutcome: [created, skipped],
      returnUpdated: [completed, status('Arrived', ago(5 * MINUTE)), completed],
    });

    const items = (await activity('?flow=returns')).body.items;
    const byLine: Record<string, ApiBody> = Object.fromEntries(
      items.map((e) => [String(e['subjectId']), e]),
    );
    expect(byLine['MKP-3001-R-1']?.['returnStatus']).toEqual({
      returnId: '7001',
      status: 'Completed',
      at: ago(2 * MINUTE).toISOString(),
      actionTaken: 'Restock',
      completedAt: ago(2 * MINUTE).toISOString(),
    });
    expect(byLine['MKP-3001-R-1']?.externalIds).toEqual({
      shipbobReturnId: '7001',
      referenceId: 'MKP-3001-R-1',
    });
    expect(byLine['MKP-3001-R-2']?.['returnStatus']).toBeNull();
  });

  it('measures the oldest order still waiting for acceptance, per store', async () => {
    const waiting = orderJourney(storeId, 'MKP-2001-W');
    const younger = orderJourney(storeId, 'MKP-2002-W');
    const refused = orderJourney(storeId, 'MKP-2003-R');
    const byHand = orderJourney(storeId, 'MKP-2004-H');
    await publishAndWait({
      orderAwaitingAcceptance: [
        waiting.awaiting(ago(170 * MINUTE), ago(180 * MINUTE)),
        younger.awaiting(ago(50 * MINUTE), ago(60 * MINUTE)),
        refused.awaiting(ago(290 * MINUTE), ago(300 * MINUTE)),
        byHand.awaiting(ago(400 * MINUTE), ago(400 * MINUTE)),
      ],
      orderCanceledOnMarketplace: [refused.canceled(ago(10 * MINUTE))],
      // Accepted in the back office: our accept never ran, but the order moved on.
      orderReadyToShip: [byHand.readyToShip(ago(300 * MINUTE))],
    });
    const gauge = await instance.api.metrics.oldestAwaitingAcceptance.get();
    expect(gauge.values).toEqual([{ labels: { store_id: storeId }, value: 180 * 60 }]);
    expect((await timeline('MKP-2003-R')).body).toMatchObject({
      awaitingAcceptance: false,
      cancellation: { state: 'REFUSED', reason: 'Not accepted in time' },
    });
    expect((await timeline('MKP-2001-W')).body['awaitingAcceptance']).toBe(true);
  });

  it('shows cancellations: canceled in Mirakl by the applier, and canceled in ShipBob after a marketplace cancellation', async () => {
    const inShipBob = orderJourney(storeId, 'MKP-3001-C');
    const onMarketplace = orderJourney(storeId, 'MKP-3002-M');
    const shipbob = { target: 'SHIPBOB' as const };
    await publishAndWait({
      syncOutcome: [
        inShipBob.outcome(ago(50 * MINUTE), 'orders', 'create', 'APPLIED'),
        inShipBob.outcome(ago(30 * MINUTE), 'cancellations', 'cancel', 'APPLIED'),
        onMarketplace.outcome(ago(50 * MINUTE), 'orders', 'create', 'APPLIED'),
        onMarketplace.outcome(
          ago(35 * MINUTE),
          'cancellations',
          'cancel-in-shipbob',
          'FAILED',
          'ShipBob answered 500',
          shipbob,
        ),
        onMarketplace.outcome(
          ago(20 * MINUTE),
          'cancellations',
          'cancel-in-shipbob',
          'APPLIED',
          null,
          shipbob,
        ),
      ],
      orderCanceledOnMarketplace: [onMarketplace.canceled(ago(40 * MINUTE))],
    });
    const first = (await timeline('MKP-3001-C')).body;
    expect(stepTimes(first)).toMatchObject({
      createdInShipBob: ago(50 * MINUTE).toISOString(),
      canceled: ago(30 * MINUTE).toISOString(),
      canceledInShipBob: null,
    });
    expect(first['finishedAt']).toBe(ago(30 * MINUTE).toISOString());
    const second = (await timeline('MKP-3002-M')).body;
    expect(stepTimes(second)).toMatchObject({
      canceled: ago(40 * MINUTE).toISOString(),
      canceledInShipBob: ago(20 * MINUTE).toISOString(),
    });
    expect(second).toMatchObject({
      cancellation: { state: 'REFUSED' },
      lastFailure: { steps: ['canceledInShipBob'], resolved: true },
    });
    const entries = (await activity('?orderId=MKP-3002-M')).body.items;
    expect(entries.map((e) => [e.action, e.steps, e.target])).toEqual([
      [null, ['canceledInShipBob'], 'SHIPBOB'],
      [null, ['canceledInShipBob'], 'SHIPBOB'],
      [null, ['createdInShipBob'], 'SHIPBOB'],
    ]);
  });

  it('projects a burst of one store’s outcomes a fetched batch at a time, not a write per event', async () => {
    // Given 1,000 outcomes of one store published at once (a catalog's first cycle has one per
    // SKU); the store's events share one key, so they are handled one after the other.
    const burstStore = uniqueName('burst-store');
    const burst = Array.from({ length: 1_000 }, (_, n) => ({
      ...orderJourney(burstStore, `SKU-${n}`).outcome(ago(MINUTE), 'offers', 'product', 'APPLIED'),
      subjectId: `SKU-${n}`,
      effectKey: `product:SKU-${n}`,
    }));
    const insertsBefore = h.commands(`insert ${ACTIVITY_COLLECTIONS.entries}`);

    // When they are projected.
    await publishAndWait({ syncOutcome: burst });

    // Then each is an entry, written by a few inserts (with a group write per event: 1,000).
    const entries = h.db.collection(ACTIVITY_COLLECTIONS.entries);
    expect(await entries.countDocuments({ storeId: burstStore })).toBe(1_000);
    expect(h.commands(`insert ${ACTIVITY_COLLECTIONS.entries}`) - insertsBefore).toBeLessThan(20);
  });

  it('prunes entries past the retention, and timelines finished or silent since then', async () => {
    const old = orderJourney(storeId, 'MKP-0001-OLD');
    const silent = orderJourney(storeId, 'MKP-0002-SILENT');
    const oldOutcome = old.outcome(ago(95 * DAY), 'tracking', 'ship', 'APPLIED');
    await publishAndWait({
      syncOutcome: [oldOutcome, old.outcome(ago(89 * DAY), 'orders', 'accept', 'DUPLICATE')],
      orderAwaitingAcceptance: [silent.awaiting(ago(91 * DAY))],
    });
    expect((await timeline('MKP-0001-OLD')).status).toBe(200);
    const before = (await activity('?limit=100')).body.items.length;

    const pruned = await instance.api.activity.prune();

    expect(pruned).toEqual({ entries: 1, timelines: 2 });
    const after = (await activity('?limit=100')).body.items.map((e) => e.id);
    expect(after).toHaveLength(before - 1);
    expect(after).not.toContain(oldOutcome.envelope.eventId);
    expect((await timeline('MKP-0001-OLD')).status).toBe(404);
    expect((await timeline('MKP-0002-SILENT')).status).toBe(404);
    expect((await timeline('MKP-1001-A')).status).toBe(200);
    expect((await timeline('MKP-2001-W')).status).toBe(200);
  });
});
