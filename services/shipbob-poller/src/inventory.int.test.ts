import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Partitioners } from 'kafkajs';
import { OFFERS_CHANGED_REASON, bootstrapTopics, createKafka, physicalTopic } from '@msync/events';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { createPublishedPositions } from '@msync/polling';
import { closeAfterEach, counted, untilOutcome } from '@msync/polling/test-support';
import { capturingLogger, eventually, infra, withContext } from '@msync/test-support';
import type { ShipBobInventoryObserved } from '@msync/events';
import { inventoryPerSku } from '@msync/events/test-support';
import { Secret } from '@msync/stores';
import {
  INVENTORY_ACCOUNTS,
  INVENTORY_SNAPSHOTS,
  accountKeyOf,
  createInventoryAccounts,
} from './adapters/inventory-accounts.js';
import { INVENTORY } from './inventory-pass.js';
import { COLLECTIONS } from './service.js';
import { pollerHarness, type PollerHarness } from './test-support/harness.js';

const PAT = 'test-shipbob-pat-inventory-0001';
const STORE_A = 'store-inventory-a';
const STORE_B = 'store-inventory-b';
const WINDOW_MS = 60_000;
const ACCOUNT = accountKeyOf(new Secret(PAT));

const opened = closeAfterEach();

/** The partition of the bed's two a store's poll requests land on (the publisher's partitioner). */
function partitionOf(storeId: string): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = [0, 1].map((partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return partitioner({
    topic: 'pollRequested',
    partitionMetadata,
    message: { key: storeId, value: null },
  });
}

/**
 * Two store ids whose poll requests land on different partitions of the bed's two: the poller
 * handles them at the same time.
 */
function storesOnTwoPartitions(): [string, string] {
  const byPartition = new Map<number, string>();
  for (let i = 0; byPartition.size < 2; i++) {
    const storeId = `store-inventory-p${i}`;
    const partition = partitionOf(storeId);
    if (!byPartition.has(partition)) byPartition.set(partition, storeId);
  }
  return [byPartition.get(0)!, byPartition.get(1)!];
}

/** Two store ids whose poll requests land on the same partition. */
function storesOnOnePartition(): [string, string] {
  const first = 'store-inventory-q0';
  for (let i = 1; ; i++) {
    const storeId = `store-inventory-q${i}`;
    if (partitionOf(storeId) === partitionOf(first)) return [first, storeId];
  }
}

/** Two stores on one simulated ShipBob account holding a stocked, a digital and an inactive SKU. */
async function setUp(
  stores: readonly [string, string] = [STORE_A, STORE_B],
  /** Asked before the poller starts, so that it finds them in one fetch. */
  before: (harness: Awaited<ReturnType<typeof pollerHarness>>) => Promise<void> = async () => {},
  /** The poller's settings beside the test's (default: the service's, a share window of 60 s). */
  settings: Pick<
    Parameters<PollerHarness['startPoller']>[0],
    'keysAtOnce' | 'inventoryShareWindowMs' | 'inventoryReadDeferral' | 'inventoryLevelsPerFact'
  > = {},
) {
  const { logger, lines } = capturingLogger('info');
  const sim = opened.add(await startShipBobSimulator({ port: 0 }));
  const merchant = sim.control.world.seedMerchant({ pats: [PAT] });
  const stocked = sim.control.world.seedProduct(merchant.id, { sku: 'SKU-1', stock: { 1: 50 } });
  sim.control.world.seedProduct(merchant.id, { sku: 'SKU-DIGITAL', isDigital: true });
  sim.control.world.seedProduct(merchant.id, { sku: 'SKU-OFF', isActive: false, stock: { 1: 2 } });
  const harness = opened.add(await pollerHarness(logger));
  for (const storeId of stores) {
    await harness.addStore({ storeId, pat: PAT, channelId: String(merchant.patChannelId) });
  }
  await before(harness);
  const poller = await harness.startPoller({
    shipbobBaseUrl: sim.url,
    inventoryShareWindowMs: WINDOW_MS,
    ...settings,
  });
  return { sim, harness, poller, merchant, lines, inventoryId: stocked.variants[0]!.inventoryId };
}

/** The inventory facts published, as they are (up to 250 SKUs each, ADR 0166). */
const inventoryFacts = (facts: readonly { topic: string; value: unknown }[]) =>
  facts
    .filter((f) => f.topic === 'inventoryObserved')
    .map((f) => f.value as ShipBobInventoryObserved);

/** The inventory facts' SKUs, one value each. */
const inventoryValues = (facts: readonly { topic: string; value: unknown }[]) =>
  inventoryPerSku(inventoryFacts(facts));

const inventoryReads = (sim: RunningShipBobSimulator) =>
  sim.control.exchanges().filter((e) => e.operation === 'GET /inventory-level').length;
const catalogCalls = (sim: RunningShipBobSimulator) =>
  sim.control.exchanges().filter((e) => e.operation === 'GET /inventory');
const inactiveLists = (sim: RunningShipBobSimulator) =>
  catalogCalls(sim).filter((e) => e.query['IsActive']?.[0] === 'false');

/** Moves the applier group's committed offsets on `topic` to its end, as if it took every fact. */
async function commitToEnd(groupId: string, topic: string): Promise<void> {
  const kafka = createKafka({
    brokers: infra().KAFKA_BROKERS.split(','),
    clientId: 'applier',
    logger: capturingLogger('warn').logger,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Asks for the store's inventory until a request reads (`reads` reads in all): the group's
 * offsets are read again half a second after the last read of them, so a request answered from
 * the read before a commit is deferred again, and the next one asked.
 */
async function requestUntilRead(
  harness: PollerHarness,
  poller: { metrics: Parameters<typeof counted>[0] },
  storeId: string,
  reads: number,
): Promise<void> {
  const outcomes = async () => ({
    read: await counted(poller.metrics, 'poll_requests_total', { outcome: 'read' }),
    deferred: await counted(poller.metrics, 'poll_requests_total', { outcome: 'applier-behind' }),
  });
  for (let before = await outcomes(); before.read < reads; before = await outcomes()) {
    await harness.requestPoll(storeId, { stream: INVENTORY });
    const deferredBefore = before.deferred;
    await eventually(async () => {
      const now = await outcomes();
      return now.read >= reads || now.deferred > deferredBefore;
    }, 'the request answered');
  }
}

describe('shipbob-poller inventory stream', () => {
  it('reads an account once for the stores sharing it and emits only what changed, each store closing its cycle', async () => {
    const { sim, harness, poller, inventoryId } = await setUp();
    const factsOf = (storeId: string) =>
      inventoryValues(harness.facts).filter((f) => f.envelope.storeId === storeId);

    // First store: the account is read, the store gets every SKU as a full cycle.
    await harness.requestPoll(STORE_A, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'read', 1, 'the first read');
    await eventually(() => factsOf(STORE_A).length === 3, 'store A facts');
    const first = factsOf(STORE_A);
    expect(first.map((f) => [f.sku, f.fulfillable, f.active, f.digital])).toEqual([
      ['SKU-1', 50, true, false],
      ['SKU-DIGITAL', 0, true, true],
      ['SKU-OFF', 2, false, false],
    ]);
    expect(first.map((f) => f.endOfCycle)).toEqual([false, false, true]);
    expect(first.every((f) => f.fullCycle)).toBe(true);
    expect(inventoryReads(sim)).toBe(1);

    // Second store on the account, within the window: served from the snapshot, no read.
    await harness.requestPoll(STORE_B, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'baseline', 1, 'store B given the snapshot');
    await eventually(() => factsOf(STORE_B).length === 3, 'store B facts');
    expect(inventoryReads(sim)).toBe(1);

    // Stock changes; a request after the window reads again, and both stores get the one change.
    sim.control.world.setStock(inventoryId, 1, 40);
    const later = Date.now() + 2 * WINDOW_MS;
    await harness.requestPoll(STORE_A, { stream: INVENTORY, occurredAt: later });
    await untilOutcome(poller.metrics, 'read', 2, 'the second read');
    // The two stores' facts arrive on their own partitions, in no set order.
    await eventually(
      () => factsOf(STORE_A).length === 4 && factsOf(STORE_B).length === 4,
      'both stores given the change',
    );
    for (const storeId of [STORE_A, STORE_B]) {
      const last = factsOf(storeId).at(-1)!;
      withContext(storeId, () =>
        expect(last).toMatchObject({
          sku: 'SKU-1',
          fulfillable: 40,
          endOfCycle: true,
          fullCycle: false,
          nothingChanged: false,
        }),
      );
    }
    expect(inventoryReads(sim)).toBe(2);

    // Store B's own request in the same cycle is served by that read: nothing read, nothing emitted.
    await harness.requestPoll(STORE_B, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'shared', 1, 'store B served by the shared read');
    expect(inventoryReads(sim)).toBe(2);
    // A fact per store and read: its three SKUs, then the one change (ADR 0166).
    expect(await harness.messagesOn('inventoryObserved')).toBe(1 + 1 + 2);

    // A read with nothing changed still closes each store's cycle with one unchanged SKU, and
    // the snapshot's items are not read to find that out (ADR 0137).
    const snapshotReads = () =>
      counted(poller.metrics, 'catalog_map_reads_total', { map: INVENTORY_SNAPSHOTS });
    const readsBefore = await snapshotReads();
    expect(readsBefore).toBeGreaterThan(0);
    await harness.requestPoll(STORE_B, { stream: INVENTORY, occurredAt: later });
    await untilOutcome(poller.metrics, 'read', 3, 'the third read');
    expect(await harness.messagesOn('inventoryObserved')).toBe(4 + 2);
    expect(await snapshotReads()).toBe(readsBefore);
    await eventually(() => factsOf(STORE_A).length === 5, 'store A closing fact');
    expect(factsOf(STORE_A).at(-1)).toMatchObject({
      sku: 'SKU-1',
      fulfillable: 40,
      active: true,
      digital: false,
      endOfCycle: true,
      fullCycle: false,
      nothingChanged: true,
    });

    // The next change is found again, from the prints of the last save: the snapshot's items
    // are not read either (ADR 0146).
    sim.control.world.setStock(inventoryId, 1, 35);
    await harness.requestPoll(STORE_A, { stream: INVENTORY, occurredAt: later + 2 * WINDOW_MS });
    await untilOutcome(poller.metrics, 'read', 4, 'the fourth read');
    await eventually(() => factsOf(STORE_B).length === 6, 'store B change');
    expect(factsOf(STORE_B).at(-1)).toMatchObject({ sku: 'SKU-1', fulfillable: 35 });
    expect(await snapshotReads()).toBe(readsBefore);

    // The snapshot is one head per account over its chunks (the first read's, then one per
    // read that changed something), and the PAT is nowhere in it.
    const heads = await harness.db.collection(INVENTORY_SNAPSHOTS).find({}).toArray();
    expect(heads).toHaveLength(1);
    const chunks = await harness.db.collection(`${INVENTORY_SNAPSHOTS}_chunks`).find({}).toArray();
    expect(chunks).toHaveLength(3);
    expect(JSON.stringify([heads, chunks])).not.toContain(PAT);
  });

  it('tells what a read changed from the prints of its last save, and from the snapshot when another process saved since or a SKU was renamed (ADR 0146)', async () => {
    const { sim, harness, poller, inventoryId } = await setUp();
    const factsOf = (storeId: string) =>
      inventoryValues(harness.facts).filter((f) => f.envelope.storeId === storeId);
    const prints = (result: string) =>
      counted(poller.metrics, 'inventory_level_prints_total', { result });
    const snapshotReads = () =>
      counted(poller.metrics, 'catalog_map_reads_total', { map: INVENTORY_SNAPSHOTS });
    let at = Date.now();
    const readAgain = async (reads: number) => {
      at += 2 * WINDOW_MS;
      await harness.requestPoll(STORE_A, { stream: INVENTORY, occurredAt: at });
      await untilOutcome(poller.metrics, 'read', reads, `read ${reads}`);
    };
    const lastFact = async (facts: number) => {
      await eventually(() => factsOf(STORE_A).length === facts, `${facts} facts`);
      return factsOf(STORE_A).at(-1);
    };
    await readAgain(1);
    await lastFact(3);

    // A change, told by the prints the first read's save left.
    sim.control.world.setStock(inventoryId, 1, 41);
    const snapshotReadsBefore = await snapshotReads();
    await readAgain(2);
    expect(await lastFact(4)).toMatchObject({ sku: 'SKU-1', fulfillable: 41 });
    expect(await snapshotReads()).toBe(snapshotReadsBefore);
    expect(await prints('hit')).toBe(1);

    // Another process reads SKU-1 at 42 and saves: the prints are not of that revision any more,
    // so the snapshot tells that nothing changed (stale prints would report 42 as a change).
    const other = createInventoryAccounts(harness.db);
    const saved = (await other.get(ACCOUNT))!;
    const at42 = { ...saved.items.find((i) => i.sku === 'SKU-1')!, fulfillable: 42, onHand: 42 };
    const items = saved.items.map((i) => (i.sku === 'SKU-1' ? at42 : i));
    expect(await other.save(ACCOUNT, { ...saved, items }, [['SKU-1', at42]])).toBe(true);
    sim.control.world.setStock(inventoryId, 1, 42);
    await readAgain(3);
    expect(await lastFact(5)).toMatchObject({
      sku: 'SKU-1',
      fulfillable: 42,
      nothingChanged: true,
    });
    expect(await snapshotReads()).toBeGreaterThan(snapshotReadsBefore);

    // The seller renames SKU-1: the prints cannot tell (the old SKU's removal needs it), the
    // snapshot is read, the new SKU reported and the old one removed from the snapshot.
    sim.control.world.renameSku(inventoryId, 'SKU-1-NEW');
    await readAgain(4);
    expect(await lastFact(6)).toMatchObject({ sku: 'SKU-1-NEW', fulfillable: 42 });
    expect((await other.get(ACCOUNT))!.items.map((i) => i.sku)).toEqual([
      'SKU-1-NEW',
      'SKU-DIGITAL',
      'SKU-OFF',
    ]);

    // Its save left prints again: the next change is told by them.
    sim.control.world.setStock(inventoryId, 1, 43);
    await readAgain(5);
    expect(await lastFact(7)).toMatchObject({ sku: 'SKU-1-NEW', fulfillable: 43 });
    expect([await prints('hit'), await prints('miss'), await prints('unusable')]).toEqual([
      3, 2, 1,
    ]);
  });

  it('moves an account saved in the layout before chunks into its map at the next read (ADR 0110)', async () => {
    const { sim, harness, poller, inventoryId } = await setUp([STORE_A, STORE_B], async (bed) => {
      // What a poller of the layout before left: one document with every SKU, stores included.
      await bed.db.collection(INVENTORY_ACCOUNTS).insertOne({
        _id: ACCOUNT as never,
        items: [
          {
            sku: 'SKU-1',
            inventoryId: 'inv-of-the-layout-before',
            fulfillable: 50,
            onHand: 50,
            committed: 0,
            exception: 0,
            active: true,
            digital: false,
          },
        ],
        readAt: new Date(Date.now() - 10 * WINDOW_MS),
        flagsReadAt: null,
        stores: [{ storeId: STORE_A, baseline: true }],
        revision: 4,
      });
    });
    sim.control.world.setStock(inventoryId, 1, 30);
    await harness.requestPoll(STORE_A, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'read', 1, 'the read');
    // Store A knew SKU-1 at 50: it gets the change and the two SKUs the old snapshot lacked.
    await eventually(
      () =>
        inventoryValues(harness.facts).filter((f) => f.envelope.storeId === STORE_A).length === 3,
      'store A facts',
    );
    expect(
      inventoryValues(harness.facts)
        .filter((f) => f.envelope.storeId === STORE_A)
        .map((f) => [f.sku, f.fulfillable]),
    ).toEqual([
      ['SKU-1', 30],
      ['SKU-DIGITAL', 0],
      ['SKU-OFF', 2],
    ]);
    expect(await harness.db.collection(INVENTORY_ACCOUNTS).countDocuments()).toBe(0);
    const saved = await createInventoryAccounts(harness.db).get(ACCOUNT);
    expect(saved).toMatchObject({ revision: 1, stores: [{ storeId: STORE_A, baseline: true }] });
    expect(saved!.items.map((i) => [i.sku, i.fulfillable])).toEqual([
      ['SKU-1', 30],
      ['SKU-DIGITAL', 0],
      ['SKU-OFF', 2],
    ]);
  });

  it('a resync reads again and gives the store every SKU', async () => {
    const { harness, poller } = await setUp();
    await harness.requestPoll(STORE_A, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'read', 1, 'the first read');
    await harness.requestPoll(STORE_A, { stream: INVENTORY, reason: 'resync' });
    await untilOutcome(poller.metrics, 'read', 2, 'the resync read');
    await eventually(() => inventoryValues(harness.facts).length === 6, 'a full cycle again');
    expect(await harness.messagesOn('inventoryObserved')).toBe(2);
    const resync = inventoryValues(harness.facts)
      .slice(-3)
      .map((f) => f.fullCycle);
    expect(resync).toEqual([true, true, true]);
  });
  it('reads the catalog’s flags again only for a new item or a resync (ADR 0109)', async () => {
    const { sim, harness, poller, merchant, inventoryId } = await setUp();
    // A catalog read is two filtered lists (ADR 0160): counted by its list of inactive items.
    const catalogReads = () => inactiveLists(sim).length;
    const later = (n: number) => Date.now() + n * 2 * WINDOW_MS;
    await harness.requestPoll(STORE_A, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'read', 1, 'the first read');
    expect([inventoryReads(sim), catalogReads()]).toEqual([1, 1]);

    // A later read with the flags young: the levels alone, and the change still found.
    sim.control.world.setStock(inventoryId, 1, 45);
    await harness.requestPoll(STORE_A, { stream: INVENTORY, occurredAt: later(1) });
    await untilOutcome(poller.metrics, 'read', 2, 'the read with known flags');
    expect([inventoryReads(sim), catalogReads()]).toEqual([2, 1]);
    await eventually(
      () => inventoryValues(harness.facts).some((f) => f.sku === 'SKU-1' && f.fulfillable === 45),
      'the stock change emitted',
    );

    // A new item: its flags are unknown, so the catalog is read with the levels.
    sim.control.world.seedProduct(merchant.id, {
      sku: 'SKU-NEW',
      isDigital: true,
      stock: { 1: 3 },
    });
    await harness.requestPoll(STORE_A, { stream: INVENTORY, occurredAt: later(2) });
    await untilOutcome(poller.metrics, 'read', 3, 'the read finding a new item');
    expect([inventoryReads(sim), catalogReads()]).toEqual([3, 2]);
    await eventually(
      () => inventoryValues(harness.facts).some((f) => f.sku === 'SKU-NEW'),
      'the new item emitted',
    );
    expect(inventoryValues(harness.facts).find((f) => f.sku === 'SKU-NEW')).toMatchObject({
      digital: true,
      fulfillable: 3,
    });

    // A resync reads the catalog whatever the flags' age.
    await harness.requestPoll(STORE_A, { stream: INVENTORY, reason: 'resync' });
    await untilOutcome(poller.metrics, 'read', 4, 'the resync read');
    expect([inventoryReads(sim), catalogReads()]).toEqual([4, 3]);
  });

  it('reads the catalog every time with a flag age of 0', async () => {
    const { logger } = capturingLogger('warn');
    const sim = opened.add(await startShipBobSimulator({ port: 0 }));
    const merchant = sim.control.world.seedMerchant({ pats: [PAT] });
    sim.control.world.seedProduct(merchant.id, { sku: 'SKU-1', stock: { 1: 5 } });
    const harness = opened.add(await pollerHarness(logger));
    await harness.addStore({
      storeId: STORE_A,
      pat: PAT,
      channelId: String(merchant.patChannelId),
    });
    const poller = await harness.startPoller({
      shipbobBaseUrl: sim.url,
      inventoryFlagsMaxAgeMs: 0,
    });
    for (const n of [1, 2]) {
      await harness.requestPoll(STORE_A, { stream: INVENTORY });
      await untilOutcome(poller.metrics, 'read', n, `read ${n}`);
    }
    expect(inactiveLists(sim)).toHaveLength(2);
    expect(catalogCalls(sim)).toHaveLength(4);
  });

  it('two stores of one account asking at once, on two partitions, are served by one read', async () => {
    const [first, second] = storesOnTwoPartitions();
    // Both requests wait for the poller, which then handles its two partitions at once.
    const { sim, harness, poller } = await setUp([first, second], async (bed) => {
      await bed.requestPoll(first, { stream: INVENTORY });
      await bed.requestPoll(second, { stream: INVENTORY });
    });
    await untilOutcome(poller.metrics, 'read', 1, 'the read');
    await untilOutcome(poller.metrics, 'baseline', 1, 'the other store given the snapshot');
    // Each store's three SKUs are one fact (ADR 0166).
    await eventually(
      async () => (await harness.messagesOn('inventoryObserved')) === 2,
      'every SKU to each store',
    );
    expect(inventoryReads(sim)).toBe(1);
    // The topic holds them all; the test's collector may still be reading them.
    await eventually(
      async () => inventoryValues(harness.facts).length === 6,
      'every fact collected',
    );
    const keys = inventoryFacts(harness.facts).map((f) => f.envelope.idempotencyKey);
    expect(new Set(keys).size).toBe(2);
  });

  it("with POLL_KEYS_AT_ONCE above 1, a store whose pass another process holds does not hold the next store's request on its partition (ADR 0117)", async () => {
    const [held, next] = storesOnOnePartition();
    const leaseKey = JSON.stringify([held, INVENTORY]);
    // Another instance is polling the first store's inventory, for as long as the test needs.
    const { harness, poller } = await setUp(
      [held, next],
      async (bed) => {
        await bed.db
          .collection<{ _id: string; owner: string; expiresAt: number }>(COLLECTIONS.leases)
          .insertOne({ _id: leaseKey, owner: 'another-instance', expiresAt: Date.now() + 600_000 });
        await bed.requestPoll(held, { stream: INVENTORY });
        await bed.requestPoll(next, { stream: INVENTORY });
      },
      { keysAtOnce: 4 },
    );

    // The next store is read while the first one's request waits for the lease.
    await untilOutcome(poller.metrics, 'read', 1, "the next store's read");
    const storesWithFacts = () =>
      new Set(inventoryValues(harness.facts).map((f) => f.envelope.storeId));
    await eventually(() => storesWithFacts().has(next), "the next store's facts");
    expect(storesWithFacts().has(held)).toBe(false);

    // The other instance lets go: the first store's request is served then.
    await harness.db.collection<{ _id: string }>(COLLECTIONS.leases).deleteOne({ _id: leaseKey });
    await eventually(() => storesWithFacts().has(held), "the first store's facts");
  });

  it('waits to read a store again while the applier has not taken its last facts, then reads (ADR 0154)', async () => {
    const applierGroupId = `applier-${randomUUID()}`;
    const { sim, harness, poller, lines } = await setUp([STORE_A, STORE_B], undefined, {
      inventoryShareWindowMs: 0,
      inventoryReadDeferral: { behindLimit: 1, maxDeferMs: 600_000, applierGroupId },
      // One SKU a fact: a store's read is three facts for the applier to take.
      inventoryLevelsPerFact: 1,
    });
    await harness.requestPoll(STORE_A, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'read', 1, 'the first read');
    expect(inventoryReads(sim)).toBe(1);

    // Nothing of the applier's group committed: store A's 3 facts are all still to be applied.
    await harness.requestPoll(STORE_A, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'applier-behind', 1, 'the read deferred');
    expect(inventoryReads(sim)).toBe(1);
    const deferredLine = lines.find((l) => l.includes('inventory read deferred'));
    const deferredLog = JSON.parse(deferredLine ?? '{}') as { storeId?: string; behind?: number };
    expect(deferredLog.storeId).toBe(STORE_A);
    expect(deferredLog.behind).toBeGreaterThanOrEqual(3);

    // The applier commits past every fact: the next request reads.
    await commitToEnd(applierGroupId, physicalTopic('inventoryObserved', harness.namespace));
    await requestUntilRead(harness, poller, STORE_A, 2);
    expect(inventoryReads(sim)).toBe(2);
  });

  it('reads anyway once the store’s facts have waited for the applier the longest it may (ADR 0154)', async () => {
    const { sim, harness, poller, lines } = await setUp([STORE_A, STORE_B], undefined, {
      inventoryShareWindowMs: 0,
      inventoryReadDeferral: {
        behindLimit: 1,
        maxDeferMs: 0,
        applierGroupId: `applier-${randomUUID()}`,
      },
      inventoryLevelsPerFact: 1,
    });
    await harness.requestPoll(STORE_A, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'read', 1, 'the first read');
    await harness.requestPoll(STORE_A, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'read', 2, 'the second read');
    expect(inventoryReads(sim)).toBe(2);
    expect(
      await counted(poller.metrics, 'poll_requests_total', { outcome: 'applier-behind' }),
    ).toBe(0);
    expect(
      lines.some((l) =>
        l.includes('inventory read although the applier has not taken the last facts'),
      ),
    ).toBe(true);
  });

  it('waits to read a store while the applier has not taken its last offers, closes its cycle meanwhile, then reads (ADR 0169)', async () => {
    const applierGroupId = `applier-${randomUUID()}`;
    const { sim, harness, poller, lines } = await setUp([STORE_A, STORE_B], undefined, {
      inventoryShareWindowMs: 0,
      inventoryReadDeferral: { behindLimit: 1, maxDeferMs: 600_000, applierGroupId },
    });
    await harness.requestPoll(STORE_A, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'read', 1, 'the first read');

    const kafka = createKafka({
      brokers: infra().KAFKA_BROKERS.split(','),
      clientId: 'mirakl-poller',
      logger: capturingLogger('warn').logger,
    });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      // The applier took the store's levels; the mirakl-poller then published five offer facts
      // of the store, which the applier has not taken.
      await commitToEnd(applierGroupId, physicalTopic('inventoryObserved', harness.namespace));
      const offersTopic = physicalTopic('offerObserved', harness.namespace);
      // The product's own topic creation, which waits out a broker still creating them.
      await bootstrapTopics({
        kafka,
        logger: capturingLogger('warn').logger,
        namespace: harness.namespace,
        partitions: 2,
        only: ['offerObserved'],
      });
      const [sent] = await producer.send({
        topic: offersTopic,
        acks: -1,
        messages: Array.from({ length: 5 }, (_, i) => ({ key: STORE_A, value: `offer-${i}` })),
      });
      await createPublishedPositions(harness.db).record(
        { storeId: STORE_A, system: 'MIRAKL', stream: 'offers' },
        {
          position: {
            topic: offersTopic,
            partition: sent!.partition,
            offset: String(Number(sent!.baseOffset) + 4),
          },
          publishedAt: Date.now(),
        },
      );

      await harness.requestPoll(STORE_A, { stream: INVENTORY });
      await untilOutcome(poller.metrics, 'applier-behind', 1, 'the read deferred');
      expect(inventoryReads(sim)).toBe(1);
      const deferredLine = lines.find((l) => l.includes('inventory read deferred'));
      expect(JSON.parse(deferredLine ?? '{}')).toMatchObject({
        storeId: STORE_A,
        waitsFor: 'offers',
        behind: 5,
      });

      // Once the applier has written the offers it asks for their stock: that close does not
      // wait for the offers it follows.
      await harness.requestPoll(STORE_A, { stream: INVENTORY, reason: OFFERS_CHANGED_REASON });
      await untilOutcome(poller.metrics, 'close', 1, 'the cycle closed with the last read');
      expect(inventoryReads(sim)).toBe(1);

      // The applier commits past the offers: a read is made again.
      await commitToEnd(applierGroupId, offersTopic);
      await requestUntilRead(harness, poller, STORE_A, 2);
      expect(inventoryReads(sim)).toBe(2);
    } finally {
      await producer.disconnect();
    }
  });

  it('closes a store’s cycle with the last read when the applier says its offers changed, unless a later fact already did (ADR 0155)', async () => {
    const { sim, harness, poller } = await setUp();
    const factsOf = (storeId: string) =>
      inventoryValues(harness.facts).filter((f) => f.envelope.storeId === storeId);
    await harness.requestPoll(STORE_A, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'read', 1, 'the first read');
    await eventually(() => factsOf(STORE_A).length === 3, 'store A facts');

    // Offers written in the applier since: the cycle ends again with the read of a moment ago.
    await harness.requestPoll(STORE_A, { stream: INVENTORY, reason: OFFERS_CHANGED_REASON });
    await untilOutcome(poller.metrics, 'close', 1, 'the cycle closed');
    await eventually(() => factsOf(STORE_A).length === 4, 'the closing fact');
    const [first, closing] = [factsOf(STORE_A)[0]!, factsOf(STORE_A)[3]!];
    expect(closing).toMatchObject({
      sku: 'SKU-1',
      fulfillable: 50,
      endOfCycle: true,
      nothingChanged: true,
      fullCycle: false,
    });
    expect(closing.cycleId).not.toBe(first.cycleId);
    expect(inventoryReads(sim)).toBe(1);

    // A request made before store B got its facts: those facts end B's cycle after it already.
    const askedAt = Date.now();
    await harness.requestPoll(STORE_B, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'baseline', 1, "store B's facts from the snapshot");
    await harness.requestPoll(STORE_B, {
      stream: INVENTORY,
      reason: OFFERS_CHANGED_REASON,
      occurredAt: askedAt,
    });
    await untilOutcome(poller.metrics, 'covered', 1, "store B's request covered");
    expect(factsOf(STORE_B)).toHaveLength(3);
    expect(inventoryReads(sim)).toBe(1);
  });

  it('reads 10,000 SKUs page by page and publishes each of them once', async () => {
    const { sim, harness, poller, merchant } = await setUp();
    const skus = 10_000 - 3;
    for (let i = 0; i < skus; i++) {
      sim.control.world.seedProduct(merchant.id, {
        sku: `BULK-${String(i).padStart(5, '0')}`,
        stock: { 1: 1 + (i % 7) },
      });
    }
    await harness.requestPoll(STORE_A, { stream: INVENTORY });
    await untilOutcome(poller.metrics, 'read', 1, 'the read', 120_000);
    // 250 SKUs a fact (ADR 0166): 40 facts.
    await eventually(
      async () => (await harness.messagesOn('inventoryObserved')) === 40,
      '40 facts',
      120_000,
    );
    await eventually(
      () => inventoryFacts(harness.facts).length === 40,
      'every fact collected',
      60_000,
    );
    const facts = inventoryFacts(harness.facts);
    expect(new Set(facts.map((f) => f.envelope.idempotencyKey)).size).toBe(40);
    expect(facts.every((f) => f.more.length === 249)).toBe(true);
    const values = inventoryValues(harness.facts);
    expect(new Set(values.map((f) => f.sku)).size).toBe(10_000);
    expect(values.filter((f) => f.endOfCycle).map((f) => f.sku)).toEqual([values.at(-1)!.sku]);
    // 250 items a page: 40 pages of levels, each asked once; the catalog's flags are its two
    // short lists of inactive and digital items, a page each (ADR 0160), not its 40 pages.
    expect(inventoryReads(sim)).toBe(40);
    expect(catalogCalls(sim).map((e) => e.query)).toEqual([
      { IsActive: ['false'], PageSize: ['250'] },
      { IsDigital: ['true'], PageSize: ['250'] },
    ]);
  });
});
