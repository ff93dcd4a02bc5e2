/**
 * Labeled in ShipBob → tracking in Mirakl, with ShipBob's webhooks on and off: every store polled
 * every 15 minutes, its orders already `SHIPPING` in Mirakl and waiting in ShipBob, the
 * simulator's warehouse labeling each at a seeded random time. Prints p50/p99/max of both runs
 * side by side with the 10 s target.
 *
 *   npm run bench -- tracking [--stores 100] [--minutes 5] [--mode both|webhooks|polling]
 *     [--orders-per-store 3] [--polling-minutes 15] [--drain-minutes 3] [--seed 1]
 */
import { freePort } from '../../tools/infra/src/index.js';
import { seededRandom } from '../../tests/e2e/support/seeded-random.js';
import { loadAverage } from '../orders/main.js';
import { OrdersRun, type BenchStore } from '../orders/system.js';
import { parseOptions } from '../support.js';

const DEFAULTS = {
  stores: 100,
  minutes: 5,
  mode: 'both',
  'orders-per-store': 3,
  'polling-minutes': 15,
  'drain-minutes': 3,
  seed: 1,
};
type Options = typeof DEFAULTS;
type Mode = 'webhooks' | 'polling';

/** The target: labeled → tracking in Mirakl, p99. */
const TARGET_P99_MS = 10_000;
const POLL_INTERVAL_MINUTES = 15;
const SKU = 'BENCH-MUG';

export async function main(args: string[]): Promise<void> {
  const options = parseOptions(args, DEFAULTS, { mode: ['both', 'webhooks', 'polling'] });
  const modes: Mode[] = options.mode === 'both' ? ['webhooks', 'polling'] : [options.mode as Mode];
  const results = new Map<Mode, Figures>();
  const record = (mode: Mode) => (f: Figures) => void results.set(mode, f);
  let runs: Promise<void>[];
  if (options.mode === 'both') {
    // At once: the polling run needs a whole poll interval, and the webhooks run fits in it once
    // the polling run's stores are connected and only wait for their next poll.
    let labeling = () => undefined as void;
    const pollingLabels = new Promise<void>((resolve) => (labeling = resolve));
    const polling = measure('polling', options, labeling).finally(labeling);
    runs = [
      polling.then(record('polling')),
      pollingLabels.then(() => measure('webhooks', options).then(record('webhooks'))),
    ];
  } else {
    const mode = options.mode as Mode;
    runs = [measure(mode, options).then(record(mode))];
  }
  const settled = await Promise.allSettled(runs);
  process.stdout.write(`${table(options, results, modes.length > 1)}\n`);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

interface Figures {
  labeled: number;
  tracked: number;
  p50: number;
  p99: number;
  max: number;
  inSystemP99: number;
  /** Orders whose OR24 was answered with success more than once. */
  twice: number;
  /** Seeded ShipBob orders the system tried to create again, and ShipBob orders made twice. */
  createsRefused: number;
  createdTwice: number;
  webhooksDelivered: number;
  labelsFrom: number;
  labelWindowMs: number;
  measuredUntil: number;
  loadAtStart: string;
  loadAtEnd: string;
}

/** One run: the system, its stores and their orders, the labels, then the figures. */
async function measure(
  mode: Mode,
  options: Options,
  labelingStarted: () => void = () => undefined,
): Promise<Figures> {
  const say = (line: string) =>
    process.stderr.write(`${new Date().toISOString().slice(11, 19)} [${mode}] ${line}\n`);
  const run = new OrdersRun({
    stores: options.stores,
    idleStores: 0,
    ordersPerMinute: 1,
    paymentDelayMs: 0,
    labelAfterMs: null,
    shipAfterMs: 10_000,
    pollIntervalMinutes: POLL_INTERVAL_MINUTES,
    ...(mode === 'webhooks' ? { webhookPort: await freePort() } : {}),
    runName: `bench-tracking-${mode}`,
    backend: 'shared',
    path: process.env['PATH'] ?? '',
    say,
  });
  try {
    const loadAtStart = loadAverage();
    await run.start();
    const shipments = seedOrders(run, options['orders-per-store']);
    say(`${shipments.size} orders SHIPPING in Mirakl and waiting in ShipBob`);
    await run.connectStores(60_000);
    if (mode === 'webhooks') await subscribed(run, say);
    // Polling alone: labels over a whole poll interval, so their wait for the poll is spread
    // over it as a seller's labels are.
    const windowMs = (mode === 'webhooks' ? options.minutes : options['polling-minutes']) * 60_000;
    const labelsFrom = Date.now();
    const random = seededRandom(options.seed);
    const due = [...shipments].map(([orderId, shipmentId]) => ({
      orderId,
      shipmentId,
      at: labelsFrom + random() * windowMs,
    }));
    due.sort((a, b) => a.at - b.at);
    say(`labeling ${due.length} orders over ${windowMs / 60_000} min`);
    labelingStarted();
    const world = run.shipbobSim.control.world;
    const labels = setInterval(() => {
      while (due.length > 0 && due[0]!.at <= Date.now()) {
        world.labelShipment(due.shift()!.shipmentId, { carrier: 'UPS' });
      }
    }, 50);
    try {
      // Webhooks: until the last label is tracked or `drain-minutes` after the window. Polling:
      // until each store's next poll after the window (or the window's end) has had its time.
      const lastPollMs = Math.max(windowMs, POLL_INTERVAL_MINUTES * 60_000);
      const until =
        labelsFrom +
        (mode === 'webhooks' ? windowMs : lastPollMs) +
        options['drain-minutes'] * 60_000;
      let reported = Date.now();
      while (Date.now() < until && !(due.length === 0 && allTracked(run))) {
        await sleep(1_000);
        if (Date.now() - reported >= 30_000) {
          say(progress(run));
          reported = Date.now();
        }
      }
    } finally {
      clearInterval(labels);
    }
    say(progress(run));
    return figures(run, { labelsFrom, windowMs, loadAtStart });
  } finally {
    await run.close();
  }
}

/**
 * Each store's orders, as the orders flow leaves them before the label: `SHIPPING` (paid) in
 * Mirakl, and a ShipBob order on the store's channel with `reference_id` = the Mirakl order id.
 * Answers the ShipBob shipment to label per Mirakl order id.
 */
function seedOrders(run: OrdersRun, perStore: number): Map<string, number> {
  const world = run.shipbobSim.control.world;
  const shipments = new Map<string, number>();
  for (const store of run.stores) {
    const merchant = world.merchant(store.merchantId);
    for (let n = 1; n <= perStore; n++) {
      const orderId = orderIdOf(store, n);
      run.miraklSim.control.createOrder(store.shopId, {
        orderId,
        commercialId: orderId.slice(0, -2),
        state: 'SHIPPING',
        lines: [{ sku: SKU, quantity: 1 }],
      });
      const order = world.createOrder(merchant, merchant.patChannelId, {
        reference_id: orderId,
        shipping_method: 'Standard',
        recipient: {
          name: 'Jane Doe',
          address: { address1: '151 West 34th Street', city: 'New York', country: 'US' },
        },
        products: [{ reference_id: SKU, quantity: 1 }],
      });
      run.timeline.appeared(orderId, store.index, Date.now());
      shipments.set(orderId, order.shipments[0]!.id);
    }
  }
  return shipments;
}

const orderIdOf = (store: BenchStore, n: number) =>
  `T${String(store.index).padStart(3, '0')}N${String(n).padStart(4, '0')}-A`;

/** Waits until config-api shows every store subscribed to ShipBob's webhooks. */
async function subscribed(run: OrdersRun, say: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 5 * 60_000;
  let pending = [...run.stores];
  while (pending.length > 0) {
    if (Date.now() > deadline)
      throw new Error(`${pending.length} stores not subscribed to webhooks after 5 min`);
    const modes = await Promise.all(pending.map((s) => run.trackingMode(s)));
    pending = pending.filter((_, i) => modes[i] !== 'webhooks');
    if (pending.length > 0) await sleep(2_000);
  }
  say(`${run.stores.length} stores subscribed to ShipBob webhooks`);
}

const labeledOrders = (run: OrdersRun) =>
  [...run.timeline.orders.values()].filter((o) => o.labeled !== undefined);

const allTracked = (run: OrdersRun) =>
  [...run.timeline.orders.values()].every((o) => o.shipped !== undefined);

function progress(run: OrdersRun): string {
  const labeled = labeledOrders(run);
  const tracked = labeled.filter((o) => o.shipped !== undefined).length;
  return `orders ${run.timeline.orders.size}: labeled ${labeled.length}, tracked in Mirakl ${tracked}; load ${loadAverage()}`;
}

function figures(
  run: OrdersRun,
  measured: { labelsFrom: number; windowMs: number; loadAtStart: string },
): Figures {
  const hop = run.timeline.hops(0, (o) => o.labeled !== undefined).ship;
  const labeled = labeledOrders(run);
  const creates = [...run.shipbobSim.control.world.allOrderCreates().values()];
  return {
    labeled: labeled.length,
    tracked: hop.count,
    p50: hop.total.p50,
    p99: hop.total.p99,
    max: hop.total.max,
    inSystemP99: hop.inSystem.p99,
    twice: labeled.filter((o) => o.writes.OR24 > 1).length,
    createsRefused: creates.reduce((n, c) => n + c.duplicates, 0),
    createdTwice: creates.filter((c) => c.created > 1).length,
    webhooksDelivered: run.shipbobSim.control
      .webhookDeliveries()
      .filter((d) => d.topic === 'order.shipped' && d.outcome === 'delivered').length,
    labelsFrom: measured.labelsFrom,
    labelWindowMs: measured.windowMs,
    measuredUntil: Date.now(),
    loadAtStart: measured.loadAtStart,
    loadAtEnd: loadAverage(),
  };
}

/** Both runs side by side, with the target. */
function table(options: Options, results: Map<Mode, Figures>, together: boolean): string {
  const columns: [Mode, string][] = [
    ['webhooks', 'webhooks on'],
    ['polling', 'webhooks off (polling)'],
  ];
  const shown = columns.filter(([mode]) => results.has(mode));
  const row = (label: string, cell: (f: Figures) => string) =>
    `${label.padEnd(34)}${shown.map(([mode]) => cell(results.get(mode)!).padStart(26)).join('')}`;
  const untracked = (f: Figures) => f.labeled - f.tracked;
  const lines = [
    `labeled → tracking in Mirakl (OR23+OR24): ${options.stores} stores, ${options['orders-per-store']} orders each labeled at seeded random times (seed ${options.seed}), pollIntervalMinutes=${POLL_INTERVAL_MINUTES}${together ? '; both runs at once, each its own services, simulators, topics and database' : ''}`,
    '',
    `${''.padEnd(34)}${shown.map(([, title]) => title.padStart(26)).join('')}`,
    row('labels spread over', (f) => `${(f.labelWindowMs / 60_000).toFixed(0)} min`),
    row(
      'measured until (after 1st label)',
      (f) => `${((f.measuredUntil - f.labelsFrom) / 60_000).toFixed(1)} min`,
    ),
    row('labeled / tracked', (f) => `${f.labeled} / ${f.tracked}`),
    row('not tracked when measured', (f) => String(untracked(f))),
    row('p50 s', (f) => seconds(f.p50)),
    row('p99 s', (f) => seconds(f.p99)),
    row('max s', (f) => seconds(f.max)),
    row(`target p99 ≤ ${TARGET_P99_MS / 1000} s`, (f) =>
      f.tracked > 0 && untracked(f) === 0 && f.p99 <= TARGET_P99_MS ? 'ok' : 'MISS',
    ),
    row('in system p99 s (fact → OR24)', (f) => seconds(f.inSystemP99)),
    row('order.shipped webhooks delivered', (f) => String(f.webhooksDelivered)),
    row('orders with OR24 twice', (f) => String(f.twice)),
    row('ShipBob orders made twice', (f) => String(f.createdTwice)),
    row('POST /order refused (existing ref)', (f) => String(f.createsRefused)),
    row('load average at start', (f) => f.loadAtStart),
    row('load average at end', (f) => f.loadAtEnd),
  ];
  const missing = [...results.values()].some((f) => untracked(f) > 0);
  if (missing)
    lines.push(
      '',
      'p50/p99/max are over the tracked orders only; orders not tracked when measured count as a MISS.',
    );
  return lines.join('\n');
}

/** Seconds with two decimals (webhooks take well under one), `–` when there is no figure. */
const seconds = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
