/**
 * Outage isolation of sync-applier (design §4: a store whose Mirakl fails must not hold the
 * stores it shares a partition with). Healthy stores and failing stores — whose Mirakl answers
 * 500 to every call for the whole run, or never answers (`--fault timeout`) — share the fact
 * topics' partitions; orders awaiting acceptance arrive at a steady rate, round-robin over the
 * stores. The same load runs without the fault (baseline) and with it, side by side (each with
 * its own applier, topics, database and simulators), so the rest of the machine's load weighs on
 * both alike; the healthy stores' latency from the fact's observation to its applied effect (the
 * outcome's `latencyMs`) is compared, for every healthy store and for those that share a
 * partition with a failing one.
 *
 *   npm run bench -- isolation [--stores 20] [--failing 1] [--partitions 2] [--seconds 120]
 *                              [--rate 1] [--fault 500|timeout]
 *
 * `--rate` is per scenario; keep the two together below what MongoDB takes on the machine, or
 * the backlog any hold leaves behind swamps the difference.
 *
 * The applier runs with its production settings (in-place retries, backoff, timeouts, retrier
 * cadence, commit interval), in this process, with both simulators, on real Kafka and FerretDB.
 */
import { cpus, loadavg } from 'node:os';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { createLogger, sleep } from '@msync/platform';
import {
  applierHarness,
  newAwaitingOrder,
  type ApplierHarness,
  type TestStore,
} from '../../services/sync-applier/src/test-support/harness.js';
import { infrastructure, parseOptions } from '../support.js';

interface Settings extends Record<string, number | string> {
  stores: number;
  failing: number;
  partitions: number;
  seconds: number;
  rate: number;
  fault: string;
}

/** The Mirakl client's timeout when the fault is a store that never answers (production: 15 s). */
const MIRAKL_TIMEOUT_MS = 15_000;

interface ScenarioResult {
  /** Latency of every healthy store's applied fact, ms. */
  all: number[];
  /** The same, for healthy stores on a partition that also carries a failing store. */
  shared: number[];
  facts: number;
  seconds: number;
}

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** The partition the publisher's partitioner gives a store's key. */
function partitionOf(storeId: string, partitions: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, id) => ({
    partitionId: id,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return Partitioners.DefaultPartitioner()({
    topic: 'facts',
    partitionMetadata,
    message: { key: storeId, value: null },
  });
}

async function runScenario(settings: Settings, withFault: boolean): Promise<ScenarioResult> {
  const logger = createLogger({
    level: 'error',
    write: (line) => process.stderr.write(`${line}\n`),
  });
  const h: ApplierHarness = await applierHarness(logger, { partitions: settings.partitions });
  try {
    const healthy: TestStore[] = [];
    const failing: TestStore[] = [];
    for (let i = 0; i < settings.stores; i++) healthy.push(await h.addStore({ skus: ['SKU-MUG'] }));
    for (let i = 0; i < settings.failing; i++)
      failing.push(await h.addStore({ skus: ['SKU-MUG'] }));
    if (withFault) {
      for (const store of failing) {
        store.mirakl.control.addFault(
          settings.fault === 'timeout'
            ? // Longer than the client waits: every call times out.
              { operation: '*', kind: 'latency', ms: MIRAKL_TIMEOUT_MS + 5_000 }
            : { operation: '*', kind: 'status', status: 500 },
        );
      }
    }
    const failingPartitions = new Set(
      failing.map((s) => partitionOf(s.storeId, settings.partitions)),
    );
    const sharing = new Set(
      healthy
        .filter((s) => failingPartitions.has(partitionOf(s.storeId, settings.partitions)))
        .map((s) => s.storeId),
    );

    // Production settings, except where the simulators live.
    await h.startApplier({
      vendors: {
        miraklTrustedHosts: ['127.0.0.1'],
        miraklTimeoutMs: MIRAKL_TIMEOUT_MS,
        shipbobBaseUrl: h.shipbob.url,
      },
      retrier: {},
      waitingRetryMs: 15 * 60_000,
      commit: {},
    });

    const stores = [...healthy, ...failing];
    const healthyIds = new Set(healthy.map((s) => s.storeId));
    let healthyFacts = 0;
    const started = Date.now();
    const end = started + settings.seconds * 1_000;
    const gapMs = 1_000 / settings.rate;
    for (let i = 0, next = started; Date.now() < end; i++) {
      const store = stores[i % stores.length]!;
      const fact = newAwaitingOrder(store, `${store.storeId}-${i}-A`);
      await h.publish('orderAwaitingAcceptance', {
        ...fact,
        envelope: { ...fact.envelope, observedAt: Date.now() },
      });
      if (healthyIds.has(store.storeId)) healthyFacts++;
      next += gapMs;
      await sleep(Math.max(0, next - Date.now()));
    }
    const applied = () => h.outcomes.filter((o) => healthyIds.has(o.envelope.storeId));
    const deadline = Date.now() + 5 * 60_000;
    while (applied().length < healthyFacts && Date.now() < deadline) await sleep(200);
    const outcomes = applied();
    const notApplied = outcomes.filter((o) => o.outcome !== 'APPLIED');
    if (outcomes.length < healthyFacts || notApplied.length > 0) {
      throw new Error(
        `healthy stores: ${outcomes.length} outcomes for ${healthyFacts} facts, ${notApplied.length} not APPLIED`,
      );
    }
    const latency = (o: (typeof outcomes)[number]) => o.latencyMs ?? 0;
    return {
      all: outcomes.map(latency),
      shared: outcomes.filter((o) => sharing.has(o.envelope.storeId)).map(latency),
      facts: healthyFacts,
      seconds: settings.seconds,
    };
  } finally {
    await h.close();
  }
}

function table(settings: Settings, baseline: ScenarioResult, faulty: ScenarioResult): string {
  const ms = (v: number) => (Number.isNaN(v) ? '–' : Math.round(v).toLocaleString('en-US'));
  const signed = (v: number) => (Number.isNaN(v) ? '–' : `${v >= 0 ? '+' : ''}${ms(v)}`);
  const fault =
    settings.fault === 'timeout'
      ? `Mirakl never answers (client timeout ${MIRAKL_TIMEOUT_MS / 1000} s)`
      : 'Mirakl answers 500 to every call';
  const lines = [
    `${settings.stores} healthy + ${settings.failing} failing stores (${fault}), ${settings.partitions} partitions, ${settings.rate} orders/s for ${settings.seconds} s, baseline alongside; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${'healthy stores, fact → effect'.padEnd(40)}${'orders'.padStart(8)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}`,
  ];
  const row = (label: string, values: number[]) =>
    `${label.padEnd(40)}${String(values.length).padStart(8)}${ms(percentile(values, 50)).padStart(9)}${ms(percentile(values, 99)).padStart(9)}${ms(Math.max(...values)).padStart(9)}`;
  const extra = (label: string, base: number[], withFault: number[]) =>
    `${label.padEnd(40)}${''.padStart(8)}${signed(percentile(withFault, 50) - percentile(base, 50)).padStart(9)}${signed(percentile(withFault, 99) - percentile(base, 99)).padStart(9)}${signed(Math.max(...withFault) - Math.max(...base)).padStart(9)}`;
  lines.push(
    row('baseline (no fault), all', baseline.all),
    row('with the fault, all', faulty.all),
    row('with the fault, sharing its partition', faulty.shared),
    extra('extra, all', baseline.all, faulty.all),
    extra('extra, sharing its partition', baseline.all, faulty.shared),
  );
  const worst = percentile(faulty.shared.length ? faulty.shared : faulty.all, 99);
  const extraP99 = worst - percentile(baseline.all, 99);
  lines.push(
    '',
    `goal: < 5,000 ms extra at p99 on a shared partition: ${extraP99 < 5_000 ? 'ok' : 'MISS'}`,
  );
  return lines.join('\n');
}

export async function main(args: string[]): Promise<void> {
  const settings = parseOptions<Settings>(
    args,
    { stores: 20, failing: 1, partitions: 2, seconds: 120, rate: 1, fault: '500' },
    { fault: ['500', 'timeout'] },
  );
  // The applier's test harness reads the servers from the environment.
  Object.assign(process.env, await infrastructure(process.env));
  process.stderr.write(`baseline and fault (${settings.fault}), side by side…\n`);
  const [baseline, faulty] = await Promise.all([
    runScenario(settings, false),
    runScenario(settings, true),
  ]);
  process.stdout.write(`${table(settings, baseline, faulty)}\n`);
}
