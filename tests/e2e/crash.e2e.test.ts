import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { physicalTopic, type TopicKey } from '@msync/events';
import { errorMessage } from '@msync/platform';
import { eventually, withContext } from '@msync/test-support';
import {
  caughtUp,
  endOffsets,
  groupPositions,
  groupsStartingWith,
  recordCount,
  resetGroupsToEarliest,
} from './support/consumer-groups.js';
import {
  flowReadings,
  startOrdersFlow,
  type FlowService,
  type OrdersFlow,
  type Shop,
} from './support/orders-flow.js';
import { eventuallyProgressing } from './support/progress.js';
import { seededRandom } from './support/seeded-random.js';

// Crashes while 250 orders flow: the sync-applier and both pollers are killed with SIGKILL five
// times each at moments drawn from a seeded generator, and started again at once. Afterwards
// every order exists once in ShipBob, was accepted once in Mirakl and, once labeled, is SHIPPED
// with its tracking. Then the applier's consumer groups are reset to the start of every topic
// and the whole history is applied again: no vendor write, every outcome DUPLICATE.
// CRASH_SEED=<n> draws the same kill schedule again (docs/adr/0053); CRASH_STORES=<n> runs
// more stores (10: the 500 orders of the longer run, minutes more on a loaded machine).

/**
 * Five stores by default: ShipBob allows 150 calls a minute per token and a created order costs
 * two (the product lookup and the create), so 50 orders a store stay within one token's budget.
 */
const STORES = process.env['CRASH_STORES'] ? Number(process.env['CRASH_STORES']) : 5;
const FIRST_WAVE_PER_STORE = 5;
/** Orders added per store after each kill, so orders keep arriving until the last one. */
const WAVE_PER_STORE = 3;
const KILLS_PER_SERVICE = 5;
const TARGETS = [
  'sync-applier',
  'mirakl-poller',
  'shipbob-poller',
] as const satisfies readonly FlowService[];
/** Time from a service being ready (or started) to its next kill. */
const KILL_AFTER_MS = { min: 1_500, max: 6_000 };
/** The poll driver's cadence: each order needs three passes (awaiting, ready to ship, labeled). */
const POLL_EVERY_MS = 3_000;
/**
 * The waits fail when nothing moved for this long (a stuck system), not after a fixed total: the
 * run's length depends on how busy the machine and the shared FerretDB are (ADR 0053). The
 * longest legitimate pause is a retrier lane whose lease a killed applier held (10 s here).
 */
const STALL_MS = 180_000;
const TEST_TIMEOUT_MS = 30 * 60_000;
const ORDERS =
  STORES * (FIRST_WAVE_PER_STORE + TARGETS.length * KILLS_PER_SERVICE * WAVE_PER_STORE);
const FACT_TOPICS: readonly TopicKey[] = [
  'orderAwaitingAcceptance',
  'orderReadyToShip',
  'shipmentLabeled',
];

const seed = process.env['CRASH_SEED'] ? Number(process.env['CRASH_SEED']) : randomInt(2 ** 31);
const random = seededRandom(seed);
/** Per service, the waits before each of its kills: drawn up front, printed with the seed. */
const schedule = Object.fromEntries(
  TARGETS.map((target) => [
    target,
    Array.from({ length: KILLS_PER_SERVICE }, () =>
      Math.round(KILL_AFTER_MS.min + random() * (KILL_AFTER_MS.max - KILL_AFTER_MS.min)),
    ),
  ]),
) as Record<(typeof TARGETS)[number], number[]>;
const seedContext = `CRASH_SEED=${seed} (kill schedule ${JSON.stringify(schedule)})`;

interface Kill {
  target: FlowService;
  atMs: number;
  /** Orders created but not yet SHIPPED with tracking when the kill landed. */
  inFlight: number;
  signal: NodeJS.Signals | null;
}

let flow: OrdersFlow;
/** The replay needs the crash run to have finished with every order shipped. */
let crashRunFinished = false;
let read: ReturnType<typeof flowReadings>;
const shops: Shop[] = [];
const allOrderIds = () => shops.flatMap((s) => s.orderIds);
const shippedCount = () =>
  shops.reduce((sum, shop) => sum + read.shippedWithTrackingCount(shop, shop.orderIds), 0);

/** Where the orders stand, and what the services complained about: the message of a stall. */
async function situation(): Promise<string> {
  const sums = async (target: FlowService, metric: string, label: string, values: string[]) => {
    const counted = await Promise.all(
      values.map(async (v) => `${v}=${await flow.service(target).metric(metric, { [label]: v })}`),
    ).catch((error: unknown) => [errorMessage(error)]);
    return `${target} ${metric}: ${counted.join(' ')}`;
  };
  const metrics = [
    await sums('sync-applier', 'sync_applier_outcomes_total', 'outcome', [
      'APPLIED',
      'DUPLICATE',
      'SKIPPED',
      'FAILED',
    ]),
    await sums('sync-applier', 'sync_applier_parked_lanes', 'lane', ['store', 'waiting']),
    ...(await Promise.all(
      (['mirakl-poller', 'shipbob-poller'] as const).map((target) =>
        sums(target, 'poll_requests_total', 'outcome', [
          'completed',
          'coalesced',
          'deferred',
          'retried',
          'failed',
        ]),
      ),
    )),
  ];
  const states = new Map<string, number>();
  for (const order of shops.flatMap((shop) => read.miraklOrders(shop)))
    states.set(order.state, (states.get(order.state) ?? 0) + 1);
  const shipbobOrders = flow.shipbob.control.world.orders;
  const complaints = TARGETS.map((target) => {
    const lines = flow
      .logs(target)
      .split('\n')
      .filter((l) => /"level":"(warn|error)"/.test(l));
    return `${target}: ${lines.length} warnings/errors, last:\n  ${lines.slice(-8).join('\n  ')}`;
  });
  return [
    ...metrics,
    `Mirakl states: ${JSON.stringify(Object.fromEntries(states))}`,
    `ShipBob orders: ${shipbobOrders.length}, labeled ${shipbobOrders.filter((o) => o.shipments[0]?.tracking).length}`,
    `poll driver: ${JSON.stringify(flow.pollDriving())}`,
    `consumer groups (committed/end):\n  ${(
      await groupPositions(flow.kafka, flow.namespace).catch((error: unknown) => [
        `not read: ${errorMessage(error)}`,
      ])
    ).join('\n  ')}`,
    ...complaints,
    `every service's whole log: ${flow.writeLogs('crash-e2e-logs-')}`,
  ].join('\n');
}

beforeAll(async () => {
  console.log(`crash test: ${seedContext}`);
  flow = await startOrdersFlow({
    name: 'crash_e2e',
    path: process.env['PATH'] ?? '',
    // Journals large enough to keep every exchange of the run (they drop the oldest first).
    mirakl: { journalLimit: 200_000 },
    // ShipBob lists a new order a second late: a create resumed after a crash may not see it and
    // get the 422 duplicate instead.
    shipbob: { journalLimit: 200_000, orderListLagMs: 1_000 },
    env: {
      // A killed member holds its partitions for its session: short, so restarts take seconds.
      // A killed applier's retrier lanes are taken over after 10 s instead of 2 minutes.
      'sync-applier': { CONSUMER_SESSION_TIMEOUT_MS: '8000', RETRIER_LEASE_MS: '10000' },
      'mirakl-poller': { CONSUMER_SESSION_TIMEOUT_MS: '8000', POLL_LEASE_MS: '4000' },
      'shipbob-poller': { CONSUMER_SESSION_TIMEOUT_MS: '8000', POLL_LEASE_MS: '4000' },
    },
  });
  read = flowReadings(flow);
  for (let i = 0; i < STORES; i++) shops.push(flow.addShop(`C${i}`));
});

afterAll(async () => {
  await flow?.close();
});

describe('the orders flow under crashes', () => {
  it(
    `creates every one of ${ORDERS} orders once in ShipBob, accepts and ships each once in Mirakl while the applier and both pollers are killed ${KILLS_PER_SERVICE} times each`,
    async () => {
      const began = Date.now();
      for (const shop of shops) await flow.connectStore(shop, { orders: true, tracking: true });
      for (const shop of shops) flow.createOrders(shop, FIRST_WAVE_PER_STORE);
      flow.drivePolls(shops, POLL_EVERY_MS);

      const kills: Kill[] = [];
      const crashes = async (target: (typeof TARGETS)[number]) => {
        for (const waitMs of schedule[target]) {
          await new Promise((r) => setTimeout(r, waitMs));
          const inFlight = allOrderIds().length - shippedCount();
          await flow.kill(target);
          kills.push({
            target,
            atMs: Date.now() - began,
            inFlight,
            signal: flow.service(target).child.signalCode,
          });
          for (const shop of shops) flow.createOrders(shop, WAVE_PER_STORE);
          await flow.start(target);
        }
      };
      await Promise.all(TARGETS.map((target) => crashes(target)));
      const killsDoneMs = Date.now() - began;

      await eventuallyProgressing(
        () => allOrderIds().length === ORDERS && shippedCount() === ORDERS,
        () => flow.outcomes.length + shippedCount(),
        `all ${ORDERS} orders SHIPPED in Mirakl with their tracking (${seedContext})`,
        STALL_MS,
      ).catch(async (error: unknown) => {
        throw new Error(`${errorMessage(error)}\n${await situation()}`);
      });
      // The outcome of an effect is published after the vendor call: the last ones may follow.
      const notApplied = () => {
        const applied = new Set(
          flow.outcomes.filter((o) => o.outcome === 'APPLIED').map((o) => o.effectKey),
        );
        return allOrderIds().flatMap((id) =>
          [`accept:${id}`, `create:${id}`, `ship:${id}`].filter((key) => !applied.has(key)),
        );
      };
      await eventually(
        () => notApplied().length === 0,
        `an APPLIED outcome for each of the ${ORDERS * 3} effects (${seedContext})`,
        60_000,
      ).catch((error: unknown) => {
        throw new Error(`${errorMessage(error)}; missing: ${notApplied().join(' ')}`);
      });
      const doneMs = Date.now() - began;

      const ids = allOrderIds();
      const creates = ids.map((id) => ({ id, ...flow.shipbob.control.world.orderCreates(id) }));
      const byReference = read.shipbobOrdersByReference();
      const miraklById = new Map(
        shops.flatMap((shop) => read.miraklOrders(shop)).map((o) => [o.orderId, o]),
      );
      const accepts = read.miraklOkCallsPerOrder('OR21');
      const ships = read.miraklOkCallsPerOrder('OR24');
      const count = (outcome: string) => flow.outcomes.filter((o) => o.outcome === outcome).length;
      const setAside = new Map<string, number>();
      for (const [, reason] of flow
        .logs('sync-applier')
        .matchAll(/"msg":"handler failed; event set aside for a retrier".*?"reason":"([^"]+)"/g))
        setAside.set(reason!, (setAside.get(reason!) ?? 0) + 1);
      console.log(
        [
          `crash test: ${seedContext}`,
          `kills (ms from start, orders in flight): ${kills
            .map((k) => `${k.target}@${k.atMs}(${k.inFlight})`)
            .join(' ')}`,
          `last kill at ${killsDoneMs} ms, all ${ORDERS} shipped at ${doneMs} ms`,
          `ShipBob 422 duplicate creates: ${creates.reduce((sum, c) => sum + c.duplicates, 0)}`,
          `outcomes: APPLIED ${count('APPLIED')}, DUPLICATE ${count('DUPLICATE')}, SKIPPED ${count('SKIPPED')}, FAILED ${count('FAILED')}`,
          `facts the applier set aside (by reason): ${JSON.stringify(Object.fromEntries(setAside))}`,
        ].join('\n'),
      );

      withContext(seedContext, () => {
        expect(ids).toHaveLength(ORDERS);
        // The kills were real and landed while orders were flowing.
        expect(kills.map((k) => `${k.target}:${k.signal}`).sort()).toEqual(
          TARGETS.flatMap((t) => Array<string>(KILLS_PER_SERVICE).fill(`${t}:SIGKILL`)).sort(),
        );
        expect(kills.filter((k) => k.inFlight === 0)).toEqual([]);
        // Exactly once in ShipBob: one create per reference id, one order in the account.
        expect(creates.filter((c) => c.created !== 1)).toEqual([]);
        expect(ids.filter((id) => byReference.get(id)?.length !== 1)).toEqual([]);
        expect(flow.shipbob.control.world.orders).toHaveLength(ORDERS);
        // Accepted once in Mirakl: one acceptance of both lines, one successful OR21.
        const acceptedOnce = (id: string) => {
          const order = miraklById.get(id);
          return (
            order?.history.filter((h) => h.action === 'accepted').length === 1 &&
            order.acceptedLines.length === 2 &&
            accepts.get(id) === 1
          );
        };
        expect(ids.filter((id) => !acceptedOnce(id))).toEqual([]);
        // Every labeled order SHIPPED in Mirakl with the label's tracking, shipped once.
        const labeled = flow.shipbob.control.world.orders.filter((o) => o.shipments[0]?.tracking);
        expect(labeled).toHaveLength(ORDERS);
        const shippedWithLabel = (referenceId: string, trackingNumber: string) => {
          const order = miraklById.get(referenceId);
          return (
            order?.state === 'SHIPPED' &&
            order.tracking?.trackingNumber === trackingNumber &&
            order.history.filter((h) => h.action === 'shipped').length === 1 &&
            ships.get(referenceId) === 1
          );
        };
        expect(
          labeled
            .filter(
              (o) => !shippedWithLabel(o.referenceId, o.shipments[0]!.tracking!.trackingNumber),
            )
            .map((o) => o.referenceId),
        ).toEqual([]);
        // Every effect is in the audit trail as APPLIED; nothing failed.
        expect(notApplied()).toEqual([]);
        expect(flow.outcomes.filter((o) => o.outcome === 'FAILED')).toEqual([]);
      });
      crashRunFinished = true;
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'applies the whole history again after the applier’s groups are reset to the start: no vendor write, every outcome DUPLICATE',
    async () => {
      expect(crashRunFinished).toBe(true);
      const began = Date.now();
      const topics = FACT_TOPICS.map((key) => physicalTopic(key, flow.namespace));
      const factsGroup = `${flow.namespace}sync-applier`;
      await flow.stopDrivingPolls();
      await eventuallyProgressing(
        () => caughtUp(flow.kafka, factsGroup, topics),
        () => flow.outcomes.length,
        'the applier having committed every fact',
        STALL_MS,
      );
      const marks: [string, number][] = [['caught up', Date.now() - began]];
      await flow.stop('sync-applier');
      marks.push(['stopped', Date.now() - began]);

      // Every group of the applier (the facts' and the configuration views' of its processes).
      const groups = await groupsStartingWith(flow.kafka, factsGroup);
      expect(groups).toContain(factsGroup);
      const reset = await resetGroupsToEarliest(flow.kafka, groups);
      marks.push([`${groups.length} groups reset`, Date.now() - began]);
      expect(reset.find((r) => r.groupId === factsGroup)?.topics.sort()).toEqual(
        [...topics].sort(),
      );

      // What happened before the reset: outcomes read up to the topic's end, the journals' length.
      const outcomesEnd = await endOffsets(flow.kafka, [
        physicalTopic('syncOutcome', flow.namespace),
      ]);
      const outcomesBefore = [...outcomesEnd.values()][0]!;
      await eventually(
        () => flow.outcomesReadUpTo() >= outcomesBefore,
        'every outcome recorded before the reset read',
      );
      const before = flow.outcomes.length;
      const journals = {
        mirakl: flow.mirakl.control.exchanges().length,
        shipbob: flow.shipbob.control.exchanges().length,
      };
      const originalByFact = new Map<string, Set<string>>();
      for (const o of flow.outcomes)
        originalByFact.set(
          o.envelope.causationId ?? '',
          new Set([...(originalByFact.get(o.envelope.causationId ?? '') ?? []), o.outcome]),
        );

      await flow.start('sync-applier');
      marks.push(['restarted', Date.now() - began]);
      const facts = () => recordCount(flow.kafka, topics);
      await eventuallyProgressing(
        async () =>
          (await caughtUp(flow.kafka, factsGroup, topics)) &&
          BigInt(flow.outcomes.length - before) >= (await facts()),
        () => flow.outcomes.length,
        'the restarted applier having consumed every fact topic to its end',
        STALL_MS,
      );
      marks.push(['replayed', Date.now() - began]);
      const factCount = Number(await facts());
      const replayed = flow.outcomes.slice(before);
      const outcomesCounted = await flow
        .service('sync-applier')
        .metric('sync_applier_outcomes_total');
      const writes = (exchanges: readonly { method: string }[], from: number) =>
        exchanges.slice(from).filter((e) => e.method !== 'GET' && e.method !== 'HEAD');
      console.log(
        `replay: ${factCount} facts, ${replayed.length} outcomes; ms from the start: ${marks
          .map(([what, ms]) => `${what} ${ms}`)
          .join(', ')} (${seedContext})`,
      );

      withContext(seedContext, () => {
        expect(writes(flow.mirakl.control.exchanges(), journals.mirakl)).toEqual([]);
        expect(writes(flow.shipbob.control.exchanges(), journals.shipbob)).toEqual([]);
        // One outcome per fact record, DUPLICATE unless the fact was SKIPPED the first time too.
        expect(replayed).toHaveLength(factCount);
        expect(outcomesCounted).toBe(factCount);
        const unexpected = replayed.filter(
          (o) =>
            o.outcome !== 'DUPLICATE' &&
            !(
              o.outcome === 'SKIPPED' &&
              originalByFact.get(o.envelope.causationId ?? '')?.has('SKIPPED')
            ),
        );
        expect(unexpected).toEqual([]);
      });
    },
    TEST_TIMEOUT_MS,
  );
});
