import { cpus } from 'node:os';
import { percentile, seconds } from './stats.js';
import type { OrdersRun } from './system.js';
import type { Action, HopFigures, OrderTimes } from './timeline.js';

/** When the measured phases ran, and the machine's load around them. */
export interface Measured {
  /** CPU seconds per watched process when the feed started and stopped. */
  cpuAtStart: Map<string, number>;
  cpuAtEnd: Map<string, number>;
  /** Insert and read by `_id` at the end of the feed, in the run's database and an empty one. */
  database: Record<'run' | 'empty', { insertMs: number; readMs: number }>;
  feedStart: number;
  feedEnd: number;
  drainedAt: number;
  loadAtStart: string;
  loadAtEnd: string;
}

/** The issue's targets. */
export const TARGETS = { hopP99Ms: 70_000, inSystemP99Ms: 2_000, miraklCallsPerIdleCycle: 2 };

const HOPS: [Action, string][] = [
  ['accept', 'appeared → accepted (OR21)'],
  ['create', 'SHIPPING (paid) → created in ShipBob'],
  ['ship', 'labeled → tracked in Mirakl (OR23+OR24)'],
];

const mark = (pass: boolean) => (pass ? 'ok' : 'MISS');

/** The benchmark's table: hops, calls per idle store, exactly-once counts, RSS. */
export async function report(run: OrdersRun, measured: Measured): Promise<string> {
  const { timeline, settings } = run;
  timeline.createdInShipBob(run.shipbobSim.control.world.orders);
  const inFeed = (o: OrderTimes) =>
    o.appeared >= measured.feedStart && o.appeared < measured.feedEnd;
  const orders = [...timeline.orders.values()].filter(inFeed);
  const hops = timeline.hops(settings.paymentDelayMs, inFeed);
  const minutes = (measured.feedEnd - measured.feedStart) / 60_000;
  const lines = [
    `orders flow: ${settings.stores} stores + ${settings.idleStores} idle, ${settings.ordersPerMinute} orders/min each, pollIntervalMinutes=${run.pollIntervalMinutes}, OR11 at most 1/min per shop (simulator and product gate); ${minutes.toFixed(1)} min of orders (${orders.length} orders)`,
    `${cpus().length} cores, ${new Date(measured.feedStart).toISOString().slice(0, 16)}Z, load average ${measured.loadAtStart} at start, ${measured.loadAtEnd} at end (shared machine); MongoDB: ${settings.backend === 'shared' ? 'the shared one' : `own FerretDB on ${settings.backend}`}`,
    '',
    `${'hop'.padEnd(42)}${'orders'.padStart(7)}${'p50 s'.padStart(8)}${'p99 s'.padStart(8)}${'max s'.padStart(8)}${'target p99'.padStart(14)}${'in system p50/p99/max s'.padStart(26)}${'target p99'.padStart(13)}${'poll wait p50/p99 s'.padStart(22)}`,
  ];
  for (const [action, label] of HOPS) lines.push(hopLine(label, hops[action]));
  lines.push(
    '',
    ...idleCalls(run, measured),
    '',
    ...exactlyOnce(orders),
    '',
    ...polls(run, measured),
  );
  lines.push(
    '',
    ...(await serviceFigures(run)),
    '',
    ...processFigures(run, measured, orders.length),
  );
  return lines.join('\n');
}

function hopLine(label: string, hop: HopFigures): string {
  const totalOk = hop.count > 0 && hop.total.p99 <= TARGETS.hopP99Ms;
  const inSystemOk = hop.count > 0 && hop.inSystem.p99 <= TARGETS.inSystemP99Ms;
  const inSystem = `${seconds(hop.inSystem.p50)} / ${seconds(hop.inSystem.p99)} / ${seconds(hop.inSystem.max)}`;
  const wait = `${seconds(hop.pollWait.p50)} / ${seconds(hop.pollWait.p99)}`;
  return `${label.padEnd(42)}${String(hop.count).padStart(7)}${seconds(hop.total.p50).padStart(8)}${seconds(hop.total.p99).padStart(8)}${seconds(hop.total.max).padStart(8)}${`≤ 70 ${mark(totalOk)}`.padStart(14)}${inSystem.padStart(26)}${`≤ 2 ${mark(inSystemOk)}`.padStart(13)}${wait.padStart(22)}`;
}

/** Calls per idle store per poll cycle while the busy stores were fed. */
function idleCalls(run: OrdersRun, measured: Measured): string[] {
  const idle = run.stores.filter((s) => s.idle);
  if (idle.length === 0) return ['calls per idle store per cycle: no idle store (--idle 0)'];
  const cycles = (measured.feedEnd - measured.feedStart) / (run.pollIntervalMinutes * 60_000);
  const { timeline } = run;
  const per = (
    calls: Map<string, { at: number; operation: string }[]>,
    callers: readonly string[],
  ) => {
    const made = timeline.callsBetween(calls, callers, measured.feedStart, measured.feedEnd);
    const byOperation = new Map<string, number>();
    for (const c of made) byOperation.set(c.operation, (byOperation.get(c.operation) ?? 0) + 1);
    const total = made.length / idle.length / cycles;
    const detail = [...byOperation]
      .map(([op, n]) => `${op} ${(n / idle.length / cycles).toFixed(2)}`)
      .join(', ');
    return { total, detail };
  };
  const mirakl = per(
    timeline.miraklCalls,
    idle.map((s) => String(s.shopId)),
  );
  const shipbob = per(
    timeline.shipbobCalls,
    idle.map((s) => String(s.merchantId)),
  );
  return [
    `calls per idle store per cycle (${idle.length} idle stores, ${cycles.toFixed(1)} cycles):`,
    `  Mirakl  ${mirakl.total.toFixed(2)} (${mirakl.detail || 'none'})   target ≤ ${TARGETS.miraklCallsPerIdleCycle} ${mark(mirakl.total <= TARGETS.miraklCallsPerIdleCycle)}`,
    `  ShipBob ${shipbob.total.toFixed(2)} (${shipbob.detail || 'none'})`,
  ];
}

/** Each order's vendor writes: how many reached each step, and how many were made twice. */
export function exactlyOnce(orders: readonly OrderTimes[]): string[] {
  const reached = (pick: (o: OrderTimes) => number | undefined) =>
    orders.filter((o) => pick(o) !== undefined).length;
  const twice = (op: keyof OrderTimes['writes']) => orders.filter((o) => o.writes[op] > 1).length;
  return [
    `orders: ${orders.length} appeared, ${reached((o) => o.accepted)} accepted, ${reached((o) => o.created)} created in ShipBob, ${reached((o) => o.labeled)} labeled, ${reached((o) => o.shipped)} shipped in Mirakl`,
    `written twice: OR21 ${twice('OR21')}, POST /order ${twice('POST /order')}, OR23 ${twice('OR23')}, OR24 ${twice('OR24')}`,
  ];
}

/** How regularly each busy shop was polled, and what the limits refused. */
function polls(run: OrdersRun, measured: Measured): string[] {
  const gaps: number[] = [];
  let refused = 0;
  for (const store of run.stores) {
    const or11 = (run.timeline.miraklCalls.get(String(store.shopId)) ?? []).filter(
      (c) => c.operation === 'OR11' && c.at >= measured.feedStart && c.at < measured.feedEnd,
    );
    refused += or11.filter((c) => c.status === 429).length;
    const answered = or11.filter((c) => c.status === 200);
    for (let i = 1; i < answered.length; i++) gaps.push(answered[i]!.at - answered[i - 1]!.at);
  }
  let shipbobLimited = 0;
  for (const calls of run.timeline.shipbobCalls.values())
    shipbobLimited += calls.filter((c) => c.status === 429).length;
  const outcomes = [...run.timeline.outcomes]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    `OR11 interval per shop p50/p99/max: ${seconds(percentile(gaps, 50))} / ${seconds(percentile(gaps, 99))} / ${seconds(gaps.reduce((a, b) => Math.max(a, b), 0))} s; Mirakl 429 (call frequency) ${refused}, ShipBob 429 ${shipbobLimited}`,
    `outcomes: ${outcomes || 'none'}`,
  ];
}

async function serviceFigures(run: OrdersRun): Promise<string[]> {
  const pollOutcomes = async (service: 'mirakl-poller' | 'shipbob-poller') => {
    const names = ['completed', 'coalesced', 'deferred', 'retried', 'failed'];
    const values = await Promise.all(
      names.map((outcome) => run.metric(service, 'poll_requests_total', { outcome })),
    );
    return names.map((n, i) => `${n} ${values[i]}`).join(', ');
  };
  return [
    `mirakl-poller requests: ${await pollOutcomes('mirakl-poller')}`,
    `shipbob-poller requests: ${await pollOutcomes('shipbob-poller')}`,
    `applier facts set aside: ${await run.metric('sync-applier', 'events_set_aside_total')}`,
  ];
}

/**
 * Each process's peak RSS, and the CPU it used while orders were fed: in seconds, as a share of
 * one core, and per 1,000 orders (what the load costs, whatever else runs on the machine).
 */
function processFigures(run: OrdersRun, measured: Measured, orders: number): string[] {
  const seconds = (measured.feedEnd - measured.feedStart) / 1000;
  const rss = run.processes.peakRssMb();
  const lines = [
    `${'process'.padEnd(22)}${'peak RSS MB'.padStart(12)}${'CPU s (feed)'.padStart(14)}${'cores'.padStart(7)}${'CPU s / 1,000 orders'.padStart(22)}`,
  ];
  let total = 0;
  for (const [name, mb] of rss) {
    const cpu = (measured.cpuAtEnd.get(name) ?? 0) - (measured.cpuAtStart.get(name) ?? 0);
    if (!name.includes('(shared)')) total += cpu;
    lines.push(
      `${name.padEnd(22)}${mb.toFixed(0).padStart(12)}${cpu.toFixed(0).padStart(14)}${(cpu / seconds).toFixed(2).padStart(7)}${(orders ? (cpu / orders) * 1000 : Number.NaN).toFixed(1).padStart(22)}`,
    );
  }
  lines.push(
    `services + simulators: ${(total / seconds).toFixed(2)} cores; shared servers also serve other work on the machine`,
  );
  const { run: busy, empty } = measured.database;
  lines.push(
    `database at the end of the feed (median of 9, by _id): insert ${busy.insertMs.toFixed(0)} ms, read ${busy.readMs.toFixed(0)} ms in the run's database; ${empty.insertMs.toFixed(0)} ms, ${empty.readMs.toFixed(0)} ms in an empty one`,
  );
  return lines;
}
