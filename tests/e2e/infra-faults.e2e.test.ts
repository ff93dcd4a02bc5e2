import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPrivateInfra, type ComponentHandle, type PrivateInfra } from '@msync/infra';
import { errorMessage } from '@msync/platform';
import { eventually, withContext } from '@msync/test-support';
import {
  FLOW_SERVICES,
  flowReadings,
  startOrdersFlow,
  type FlowService,
  type OrdersFlow,
  type Shop,
} from './support/orders-flow.js';
import { groupPositions } from './support/consumer-groups.js';
import { eventuallyProgressing } from './support/progress.js';

// Infrastructure faults during traffic, on a private Kafka, Apicurio Registry and FerretDB (own
// ports, own state folder; the shared servers other tests use are never touched): the broker is
// stopped for 30 s and started again, then FerretDB, then the registry is restarted. Orders keep
// arriving in Mirakl all along. While a server is down every service's /readyz answers 503 naming
// it; once it is back every service is ready again without having been restarted, every order so
// far is SHIPPED in Mirakl with its ShipBob tracking, and each was created in ShipBob once,
// accepted once and shipped (OR24) once. Decisions: docs/adr/0084.

const DOWN_MS = 30_000;
/** A new order in Mirakl every this often while a fault lasts. */
const ORDER_EVERY_MS = 6_000;
const POLL_EVERY_MS = 2_000;
/** A wait fails when nothing moved for this long (not after a fixed total): ADR 0053. */
const STALL_MS = 120_000;
const SETUP_TIMEOUT_MS = 300_000;
const FAULT_TIMEOUT_MS = 240_000;

type Readiness = { status: number; checks: Record<string, string> };

describe('infrastructure faults during traffic', () => {
  let servers: PrivateInfra;
  let flow: OrdersFlow;
  let shop: Shop;
  const opsPorts = new Map<FlowService, number>();
  const pids = new Map<FlowService, number | undefined>();

  const readiness = async (name: FlowService): Promise<Readiness> => {
    try {
      const response = await fetch(`http://127.0.0.1:${opsPorts.get(name)}/readyz`, {
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await response.json()) as { checks: Record<string, string> };
      return { status: response.status, checks: body.checks };
    } catch (error) {
      return { status: 0, checks: { request: String(error) } };
    }
  };
  const everyService = async (wanted: (r: Readiness) => boolean): Promise<boolean> =>
    (await Promise.all(FLOW_SERVICES.map(readiness))).every(wanted);

  const readings = () => flowReadings(flow);
  const shippedSoFar = () => readings().shippedWithTrackingCount(shop, shop.orderIds);

  /**
   * Where a stalled wait stands: each order not shipped yet, as Mirakl and ShipBob hold it, and
   * the warnings and errors each service logged in the last minutes.
   */
  const stallReport = async (): Promise<string> => {
    const r = readings();
    const mirakl = new Map(r.miraklOrders(shop).map((o) => [o.orderId, o]));
    const orders = shop.orderIds
      .filter((id) => r.shippedWithTrackingCount(shop, [id]) === 0)
      .map((id) => {
        const inShipBob = r.shipbobOrder(id);
        return `  ${id}: Mirakl ${mirakl.get(id)?.state ?? 'absent'}, ShipBob ${
          inShipBob
            ? `shipment ${inShipBob.shipments[0]?.status ?? 'none'}, tracking ${
                inShipBob.shipments[0]?.tracking?.trackingNumber ?? 'none'
              }`
            : 'absent'
        }`;
      });
    const since = new Date(Date.now() - STALL_MS - 60_000).toISOString();
    const logs = FLOW_SERVICES.map((name) => {
      const lines = flow
        .logs(name)
        .split('\n')
        .filter((line) => /"level":"(warn|error)"/.test(line))
        .filter((line) => (/"time":"([^"]+)"/.exec(line)?.[1] ?? since) >= since);
      return `${name}: ${lines.length} warnings and errors since ${since}\n${lines
        .slice(-12)
        .map((line) => `  ${line.slice(0, 400)}`)
        .join('\n')}`;
    });
    const groups = await groupPositions(flow.kafka, flow.namespace).catch((error: unknown) => [
      `groups not read: ${errorMessage(error)}`,
    ]);
    return [
      `orders not shipped with tracking:\n${orders.join('\n')}`,
      `poll driver: ${JSON.stringify(flow.pollDriving())}`,
      `consumer groups (committed/end):\n${groups.map((line) => `  ${line}`).join('\n')}`,
      ...logs,
      writeLogs(),
    ].join('\n');
  };

  /** Writes every line each service wrote to a new folder, for what a report leaves out. */
  const writeLogs = (): string => `every service's log: ${flow.writeLogs('msync-faults-logs-')}`;

  /**
   * Each service's `events_consumer_crashes_total` so far, by who restarted the consumer, and its
   * MongoDB client's reconnects (ADR 0129).
   */
  const crashes = async (): Promise<string> => {
    const counts = await Promise.all(
      FLOW_SERVICES.map(async (name) => {
        const text = await fetch(`http://127.0.0.1:${opsPorts.get(name)}/metrics`).then(
          (response) => response.text(),
          (error: unknown) => `unread: ${errorMessage(error)}`,
        );
        const series = [...text.matchAll(/^events_consumer_crashes_total\{([^}]*)\} (\S+)$/gm)];
        const reconnects = /^mongodb_client_reconnects_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1];
        return `${name} ${series.map((m) => `${m[1]} ${m[2]}`).join(', ') || 'none'}, mongo reconnects ${reconnects ?? 0}`;
      }),
    );
    return counts.join('; ');
  };

  /** Every order so far SHIPPED with tracking, each effect once, no service restarted. */
  const expectAllShippedOnce = async (after: string): Promise<void> => {
    await eventuallyProgressing(
      () => readings().shippedWithTracking(shop, shop.orderIds),
      shippedSoFar,
      `${shop.orderIds.length} orders SHIPPED with tracking after ${after}`,
      STALL_MS,
    ).catch(async (error: unknown) => {
      throw new Error(`${errorMessage(error)}\n${await stallReport()}`);
    });
    console.log(`after ${after}, consumer crashes by who restarted them: ${await crashes()}`);
    const r = readings();
    const accepts = r.miraklOkCallsPerOrder('OR21');
    const ships = r.miraklOkCallsPerOrder('OR24');
    const byReference = r.shipbobOrdersByReference();
    const ids = shop.orderIds;
    withContext(after, () => {
      // Once in ShipBob: one create per reference id, one order in the account.
      expect(ids.filter((id) => r.shipbobCreates(id) !== 1)).toEqual([]);
      expect(ids.filter((id) => byReference.get(id)?.length !== 1)).toEqual([]);
      // Accepted once (OR21) and shipped once (OR24) in Mirakl.
      expect(ids.filter((id) => accepts.get(id) !== 1)).toEqual([]);
      expect(ids.filter((id) => ships.get(id) !== 1)).toEqual([]);
      expect(flow.outcomes.filter((o) => o.outcome === 'FAILED')).toEqual([]);
      // No service was restarted: the processes started before the first fault still run.
      for (const name of FLOW_SERVICES) {
        const child = flow.service(name).child;
        expect([name, child.pid, child.exitCode, child.signalCode]).toEqual([
          name,
          pids.get(name),
          null,
          null,
        ]);
      }
    });
  };

  /** Orders arrive in Mirakl every {@link ORDER_EVERY_MS} until stopped. */
  const keepOrdering = () => {
    const timer = setInterval(() => flow.createOrders(shop, 1), ORDER_EVERY_MS);
    return () => clearInterval(timer);
  };

  /**
   * Stops `server`, waits until every service reports not-ready with `check` failing, keeps it
   * down for `downMs` in all, starts it again and waits until every service is ready.
   */
  const outage = async (server: ComponentHandle, check: string, downMs: number) => {
    const stopOrdering = keepOrdering();
    try {
      flow.createOrders(shop, 1);
      const stoppedAt = Date.now();
      await server.stop();
      await eventually(
        () => everyService((r) => r.status === 503 && r.checks[check] !== 'ok'),
        `every service not ready with ${check} down`,
        60_000,
      );
      const rest = stoppedAt + downMs - Date.now();
      if (rest > 0) await new Promise((r) => setTimeout(r, rest));
      await server.start();
      await eventually(
        () => everyService((r) => r.status === 200),
        `every service ready again after ${server.name} came back`,
        120_000,
      ).catch(async (error: unknown) => {
        // Which service is still not ready, and what its checks say.
        const states = await Promise.all(
          FLOW_SERVICES.map(async (name) => `${name}: ${JSON.stringify(await readiness(name))}`),
        );
        throw new Error(`${errorMessage(error)}\n${states.join('\n')}\n${writeLogs()}`);
      });
    } finally {
      stopOrdering();
    }
    flow.createOrders(shop, 1);
  };

  beforeAll(async () => {
    servers = await startPrivateInfra({
      stateDir: mkdtempSync(join(tmpdir(), 'msync-faults-')),
    });
    try {
      flow = await startOrdersFlow({
        name: 'faults',
        path: process.env['PATH'] ?? '',
        infra: servers.env,
      });
    } catch (error) {
      await servers.close({ removeState: true });
      throw error;
    }
    for (const name of FLOW_SERVICES) {
      opsPorts.set(name, await flow.service(name).announcedPort('ops endpoint listening'));
      pids.set(name, flow.service(name).child.pid);
    }
    shop = flow.addShop('faults');
    await flow.connectStore(shop, { orders: true, tracking: true });
    flow.drivePolls([shop], POLL_EVERY_MS);
    flow.createOrders(shop, 2);
    await expectAllShippedOnce('the start');
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    try {
      // A test that failed during an outage may have left a server stopped: the flow's cleanup
      // needs all three.
      if (servers)
        await Promise.all([servers.kafka, servers.registry, servers.mongo].map((h) => h.start()));
      await flow?.close();
    } finally {
      await servers?.close({ removeState: true });
    }
  }, SETUP_TIMEOUT_MS);

  it(
    'survives the Kafka broker stopped for 30 s',
    async () => {
      await outage(servers.kafka, 'kafka', DOWN_MS);
      await expectAllShippedOnce('the broker outage');
    },
    FAULT_TIMEOUT_MS,
  );

  it(
    'survives FerretDB stopped for 30 s',
    async () => {
      await outage(servers.mongo, 'mongo', DOWN_MS);
      await expectAllShippedOnce('the FerretDB outage');
    },
    FAULT_TIMEOUT_MS,
  );

  it(
    'survives a schema registry restart',
    async () => {
      await outage(servers.registry, 'schema-registry', 0);
      await expectAllShippedOnce('the registry restart');
    },
    FAULT_TIMEOUT_MS,
  );
});
