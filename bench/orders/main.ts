/**
 * The orders flow under load: 100 stores (each its own Mirakl shop and ShipBob merchant and
 * token), 10 new orders a minute each, polled every minute by the real scheduler at Mirakl's real
 * once-a-minute OR11 limit. Prints p50/p99 of each hop and of its in-system share, the calls per
 * idle store per cycle and each service's peak RSS, next to the targets.
 *
 *   npm run bench -- orders [--minutes 6] [--stores 100] [--idle 10] [--orders-per-minute 10]
 *                           [--backend shared|sqlite|postgresql]
 *
 * `--backend`: `shared` (default) uses the infrastructure's MongoDB; `sqlite` or `postgresql`
 * starts a FerretDB of the run's own on that backend (ADR 0083).
 */
import { loadavg } from 'node:os';
import { errorMessage, isErrorLike } from '@msync/platform';
import { MONGO_BACKENDS, type MongoBackend } from '../../tools/infra/src/index.js';
import { parseOptions } from '../support.js';
import { report, type Measured } from './report.js';
import { OrdersRun } from './system.js';

const DEFAULTS = {
  minutes: 6,
  stores: 100,
  idle: 10,
  'orders-per-minute': 10,
  'drain-minutes': 4,
  backend: 'shared' as 'shared' | MongoBackend,
};

export async function main(args: string[]): Promise<void> {
  const options = parseOptions(args, DEFAULTS, { backend: ['shared', ...MONGO_BACKENDS] });
  const run = scenario(options);
  try {
    const measured = await measure(
      run,
      options.minutes,
      options['drain-minutes'],
      run.settings.say,
    );
    process.stdout.write(`${await report(run, measured)}\n`);
  } finally {
    await run.close();
  }
}

/** The bench's scenario at the given size; progress goes to stderr with the time of day. */
export function scenario(options: {
  stores: number;
  idle: number;
  'orders-per-minute': number;
  backend?: 'shared' | MongoBackend;
}): OrdersRun {
  return new OrdersRun({
    stores: options.stores,
    idleStores: options.idle,
    ordersPerMinute: options['orders-per-minute'],
    paymentDelayMs: 3_000,
    labelAfterMs: 5_000,
    shipAfterMs: 10_000,
    backend: options.backend ?? 'shared',
    path: process.env['PATH'] ?? '',
    say: (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
  });
}

/** Connects the stores, feeds orders for `minutes`, then waits for the last ones to ship. */
export async function measure(
  run: OrdersRun,
  minutes: number,
  drainMinutes: number,
  say: (line: string) => void,
  /** Called once the orders start flowing; what it returns is awaited before the drain. */
  whileFeeding?: (feedEnd: number) => Promise<void>,
): Promise<Measured> {
  const loadAtStart = loadAverage();
  await run.start();
  await run.connectStores(60_000);
  const cpuAtStart = run.processes.cpuSeconds();
  const feedStart = Date.now();
  run.startFeed();
  say(`feeding orders for ${minutes} min`);
  const feedEnd = feedStart + minutes * 60_000;
  // Settled at once, so a failure there waits for the feed to end instead of ending the process.
  const alongside = whileFeeding?.(feedEnd).then(
    () => undefined,
    (error: unknown) => error,
  );
  while (Date.now() < feedEnd) {
    await sleep(Math.min(30_000, feedEnd - Date.now()));
    say(progress(run));
  }
  const database = await run.databaseProbe();
  run.stopFeed();
  const stoppedAt = Date.now();
  const cpuAtEnd = run.processes.cpuSeconds();
  const failed = await alongside;
  if (failed !== undefined) throw isErrorLike(failed) ? failed : new Error(errorMessage(failed));
  say(`feed stopped; waiting up to ${drainMinutes} min for the last orders to ship`);
  const drainEnd = stoppedAt + drainMinutes * 60_000;
  // Also given up when no order moved a step for STALL_MS: what is left then is stuck.
  let last = progress(run);
  let movedAt = Date.now();
  while (Date.now() < drainEnd && Date.now() - movedAt < STALL_MS && !allShipped(run)) {
    await sleep(5_000);
    const now = progress(run);
    if (counts(now) !== counts(last)) movedAt = Date.now();
    if ((Date.now() - stoppedAt) % 30_000 < 5_000) say(now);
    last = now;
  }
  say(progress(run));
  return {
    cpuAtStart,
    cpuAtEnd,
    database,
    feedStart,
    feedEnd: stoppedAt,
    drainedAt: Date.now(),
    loadAtStart,
    loadAtEnd: loadAverage(),
  };
}

const STALL_MS = 5 * 60_000;
/** The progress line's counts without the load average. */
const counts = (line: string) => line.slice(0, line.indexOf('; load'));

const allShipped = (run: OrdersRun) =>
  [...run.timeline.orders.values()].every((o) => o.shipped !== undefined);

function progress(run: OrdersRun): string {
  const orders = [...run.timeline.orders.values()];
  const count = (pick: (o: (typeof orders)[number]) => number | undefined) =>
    orders.filter((o) => pick(o) !== undefined).length;
  return `orders ${orders.length}: accepted ${count((o) => o.accepted)}, created ${count((o) => o.created)}, labeled ${count((o) => o.labeled)}, shipped ${count((o) => o.shipped)}; load ${loadAverage()}`;
}

/** The machine's 1, 5 and 15 minute load averages (other work shares the cores). */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
