import { afterEach, describe, expect, it } from '@jest/globals';
import { physicalTopic, type TopicKey } from '@msync/events';
import { createEffectsLedgerReader, EFFECTS_COLLECTION } from '@msync/sync-applier/replay';
import { infra, withContext } from '@msync/test-support';
import {
  applierHarness,
  eventually,
  type ApplierHarness,
  type TestStore,
} from '../../../services/sync-applier/src/test-support/harness.js';
import { awaitingAcceptance } from '../../../services/sync-applier/src/test-support/facts.js';
import { stream } from './test-support/cli.js';
import { awaitOutcomes, previewReplay, replayFacts, type PreviewLine } from './replay.js';

let h: ApplierHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const FROM_THE_START = { time: new Date(0) };
/** Every request either simulator answered, reads included. */
const vendorExchanges = (harness: ApplierHarness, store: TestStore) =>
  store.mirakl.control.exchanges().length + harness.shipbob.control.exchanges().length;

async function endOffsets(harness: ApplierHarness, keys: TopicKey[]): Promise<string> {
  const admin = harness.kafka.admin();
  await admin.connect();
  try {
    const ends = [];
    for (const key of keys)
      ends.push(await admin.fetchTopicOffsets(physicalTopic(key, harness.namespace)));
    return JSON.stringify(ends);
  } finally {
    await admin.disconnect();
  }
}

const ledgerSnapshot = (harness: ApplierHarness) =>
  harness.mongo.db.collection(EFFECTS_COLLECTION).find().sort({ _id: 1 }).toArray();

describe('stream replay', () => {
  it('dry run says per fact what the applier would do and touches nothing; a live replay goes through the applier and twice changes nothing', async () => {
    h = await applierHarness();
    const harness = h;
    const store = await harness.addStore();
    const running = await harness.startApplier();
    const orderIds = [`${store.storeId}-R1-A`, `${store.storeId}-R2-A`];
    for (const orderId of orderIds)
      store.mirakl.control.createOrder(store.shopId, { orderId, lines: [{ sku: 'SKU-MUG' }] });
    const fact = (orderId: string) =>
      awaitingAcceptance({
        storeId: store.storeId,
        orderId,
        lines: [{ id: `${orderId}-1`, sku: 'SKU-MUG' }],
      });

    // R1 accepted; R2 arrives while the orders flow is off: skipped, nothing in the ledger.
    await harness.publish('orderAwaitingAcceptance', fact(orderIds[0]!));
    await eventually(() => harness.outcomesOf(store.storeId).length === 1, 'R1 decided');
    await store.configure({ toggles: { ...store.config.toggles, orders: false } });
    // The configuration and the fact travel on different topics: R2 follows once the applier
    // holds the configuration that switched the flow off.
    await eventually(
      () => running.applier.configs.get(store.storeId)?.version === store.config.version,
      'the flow switched off in the applier',
    );
    await harness.publish('orderAwaitingAcceptance', fact(orderIds[1]!));
    await eventually(() => harness.outcomesOf(store.storeId).length === 2, 'R2 decided');
    await running.stop();
    expect(harness.outcomesOf(store.storeId).map((o) => o.outcome)).toEqual(['APPLIED', 'SKIPPED']);

    const selection = {
      kafka: harness.kafka,
      codec: harness.codec,
      namespace: harness.namespace,
      storeId: store.storeId,
      topicKeys: ['orderAwaitingAcceptance', 'orderReadyToShip'] as const,
      from: FROM_THE_START,
      ledger: createEffectsLedgerReader(harness.mongo.db),
    };
    const watched: TopicKey[] = ['orderAwaitingAcceptance', 'syncOutcome', 'storeConfigChanged'];
    const dryRun = async () => {
      const lines: PreviewLine[] = [];
      const summary = await previewReplay(selection, (line) => lines.push(line));
      return { lines, summary };
    };
    const before = {
      vendor: vendorExchanges(harness, store),
      offsets: await endOffsets(harness, watched),
      ledger: await ledgerSnapshot(harness),
    };
    const touched = async () => ({
      vendor: vendorExchanges(harness, store),
      offsets: await endOffsets(harness, watched),
      ledger: await ledgerSnapshot(harness),
    });

    // Dry run with the flow off: both skipped by the gate, R1 said to be applied already.
    const off = await dryRun();
    const doneAt = (before.ledger[0]!.doneAt as Date).toISOString().slice(0, 16);
    expect(off.lines.map((l) => l.text)).toEqual([
      `skipped: flow-disabled (already applied ${doneAt}Z)`,
      'skipped: flow-disabled',
    ]);
    expect(off.summary).toMatchObject({ events: 2, skipped: 2 });
    const untouched = await touched();
    withContext('a dry run calls no vendor and writes nothing', () =>
      expect(untouched).toEqual(before),
    );

    // Flow back on: R2 would now be accepted.
    await store.configure({ toggles: { ...store.config.toggles, orders: true } });
    const on = await dryRun();
    expect(on.summary).toMatchObject({ events: 2, 'already-applied': 1, 'would-apply': 1 });
    expect(on.lines.map((l) => l.text)).toEqual([
      `already applied ${doneAt}Z`,
      `would apply: OR21 accept 1 line of ${orderIds[1]}`,
    ]);

    // The same through the command, which refuses a live replay without --confirm.
    const env = {
      KAFKA_BROKERS: infra().KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: infra().SCHEMA_REGISTRY_URL,
      TOPIC_NAMESPACE: harness.namespace,
      MONGO_URL: infra().MONGO_URL,
      MONGO_DB: harness.mongo.db.databaseName,
    };
    const args = ['replay', '--store', store.storeId, '--topic', 'orderAwaitingAcceptance'];
    const printed = await stream([...args, '--from', '0', '--dry-run'], env);
    withContext(printed.stderr, () => expect(printed.code).toBe(0));
    expect(printed.stdout).toContain(`would apply: OR21 accept 1 line of ${orderIds[1]}`);
    expect(printed.stdout).toMatch(/summary .*"would-apply":1/);
    const refused = await stream([...args, '--from', '0'], env);
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({
      code: 2,
      stderr: expect.stringContaining('--confirm'),
    });
    const afterConfig = await touched();
    expect({ vendor: afterConfig.vendor, ledger: afterConfig.ledger }).toEqual({
      vendor: before.vendor,
      ledger: before.ledger,
    });

    // Live: the facts go back to their topic; the applier accepts R2 once, R1 is a DUPLICATE.
    await harness.startApplier();
    const live = { ...selection, producer: harness.publisher.producer };
    expect(await replayFacts(live)).toMatchObject({ republished: 2, undecodable: 0 });
    await eventually(
      () => harness.outcomesOf(store.storeId).length === 4,
      'both replayed facts decided',
    );
    expect(harness.outcomesOf(store.storeId).map((o) => [o.outcome, o.miraklOrderId])).toEqual([
      ['APPLIED', orderIds[0]],
      ['SKIPPED', orderIds[1]],
      ['DUPLICATE', orderIds[0]],
      ['APPLIED', orderIds[1]],
    ]);
    // Two OR21 in all: R1's first delivery, R2's replay.
    expect(harness.writesTo(store.mirakl.control.exchanges())).toBe(2);

    // Replayed again: originals only (not the copies), and nothing changes. The applier marks an
    // effect's outcome recorded once it is published: the ledger settles just after the outcome
    // shows on its topic.
    await eventually(
      async () =>
        (await ledgerSnapshot(harness)).every(
          (entry) => entry['status'] !== 'done' || entry['outcomeRecorded'] === true,
        ),
      'the replay’s outcomes marked recorded in the ledger',
    );
    const ledgerAfterFirst = await ledgerSnapshot(harness);
    const writesAfterFirst = harness.writesTo(store.mirakl.control.exchanges());
    const second = await replayFacts(live);
    expect(second).toMatchObject({ republished: 2, undecodable: 0 });
    const followed = await awaitOutcomes(
      { ...selection, eventIds: second.eventIds, since: second.startedAt, timeoutMs: 60_000 },
      () => undefined,
    );
    expect(followed).toEqual({ outcomes: { DUPLICATE: 2 }, missing: 0 });
    await eventually(
      () => harness.outcomesOf(store.storeId).length === 6,
      'the second replay decided',
    );
    expect(
      harness
        .outcomesOf(store.storeId)
        .slice(4)
        .map((o) => o.outcome),
    ).toEqual(['DUPLICATE', 'DUPLICATE']);

    // A third time through the command, waiting for the applier's verdicts.
    const third = await stream([...args, '--from', '0', '--confirm', '--wait', '60'], env);
    withContext(third.stderr, () => expect(third.code).toBe(0));
    expect(third.stdout).toContain('republished 2 facts');
    expect(third.stdout).toContain(`DUPLICATE accept:${orderIds[0]}`);
    expect(third.stdout).toContain('outcomes {"outcomes":{"DUPLICATE":2},"missing":0}');
    await eventually(() => harness.outcomesOf(store.storeId).length === 8, 'the third replay');
    expect(harness.writesTo(store.mirakl.control.exchanges())).toBe(writesAfterFirst);
    expect(harness.writesTo(harness.shipbob.control.exchanges())).toBe(0);
    expect(await ledgerSnapshot(harness)).toEqual(ledgerAfterFirst);
  });
});
