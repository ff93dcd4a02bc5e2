/**
 * `npm run soak`: the orders benchmark's scenario for an hour, with a service of the flow killed
 * (SIGKILL: no shutdown, nothing flushed) and restarted at a random moment of every interval,
 * then an exactly-once check against the simulators' own state. Exits 1 when a check fails.
 *
 *   npm run soak -- [--minutes 60] [--stores 100] [--idle 5] [--kill-every-minutes 5]
 *                   [--down-seconds 5] [--drain-minutes 30]
 */
import type { FlowService } from '../../tests/e2e/support/flow-services.js';
import { loadAverage, measure, scenario } from '../orders/main.js';
import { parseOptions } from '../orders/options.js';
import type { OrdersRun } from '../orders/system.js';
import { report } from '../orders/report.js';

const DEFAULTS = {
  minutes: 60,
  stores: 100,
  idle: 5,
  'orders-per-minute': 10,
  'kill-every-minutes': 5,
  'down-seconds': 5,
  'drain-minutes': 30,
};

/** The services killed in turn: those holding state in flight first. */
const KILL_ORDER: readonly FlowService[] = [
  'sync-applier',
  'mirakl-poller',
  'shipbob-poller',
  'scheduler',
  'config-api',
];

export async function main(args: string[]): Promise<void> {
  const options = parseOptions(args, DEFAULTS);
  const run = scenario(options);
  const { say } = run.settings;
  const kills: string[] = [];
  let failed = false;
  try {
    const measured = await measure(
      run,
      options.minutes,
      options['drain-minutes'],
      say,
      async (feedEnd) => {
        const everyMs = options['kill-every-minutes'] * 60_000;
        for (let i = 0; ; i++) {
          // A random moment of the i-th interval, never in the feed's last interval's tail.
          const at = Date.now() + Math.random() * everyMs;
          if (at >= feedEnd) return;
          await new Promise((r) => setTimeout(r, at - Date.now()));
          const name = KILL_ORDER[i % KILL_ORDER.length]!;
          say(`SIGKILL ${name}; restarting it in ${options['down-seconds']} s`);
          await run.kill(name, options['down-seconds'] * 1_000);
          kills.push(`${new Date().toISOString().slice(11, 19)} ${name}`);
          const left = everyMs - (Date.now() - at);
          if (left > 0) await new Promise((r) => setTimeout(r, left));
        }
      },
    );
    const checks = exactlyOnceChecks(run);
    failed = checks.some((c) => !c.pass);
    process.stdout.write(
      [
        `soak: ${options.minutes} min of orders, ${kills.length} services killed with SIGKILL and restarted (${kills.join(', ') || 'none'}); load average ${loadAverage()} at the end`,
        '',
        'exactly once (the simulators own state, after the drain):',
        ...checks.map((c) => `  ${c.pass ? 'ok  ' : 'FAIL'} ${c.what}: ${c.detail}`),
        '',
        await report(run, measured),
        '',
      ].join('\n'),
    );
  } finally {
    await run.close();
  }
  if (failed) process.exitCode = 1;
}

interface Check {
  what: string;
  pass: boolean;
  detail: string;
}

/**
 * Every fed order once in ShipBob (the simulator's orders per `reference_id`), accepted once,
 * and every labeled order `SHIPPED` in Mirakl with the label's tracking number, shipped once.
 */
function exactlyOnceChecks(run: OrdersRun): Check[] {
  const { timeline } = run;
  const fed = [...timeline.orders.keys()];
  const shipbobOrders = run.shipbobSim.control.world.orders;
  const perReference = new Map<string, number>();
  const labels = new Map<string, string>();
  for (const order of shipbobOrders) {
    perReference.set(order.referenceId, (perReference.get(order.referenceId) ?? 0) + 1);
    const tracking = order.shipments[0]?.tracking?.trackingNumber;
    if (tracking) labels.set(order.referenceId, tracking);
  }
  const mirakl = new Map(
    run.stores
      .filter((s) => !s.idle)
      .flatMap((s) => run.miraklSim.control.snapshot(s.shopId).orders)
      .map((o) => [o.orderId, o]),
  );
  const notOnce = fed.filter((id) => perReference.get(id) !== 1);
  const notAccepted = fed.filter((id) => (mirakl.get(id)?.acceptedLines.length ?? 0) === 0);
  const labeled = fed.filter((id) => labels.has(id));
  const notShipped = labeled.filter((id) => {
    const order = mirakl.get(id);
    return order?.state !== 'SHIPPED' || order.tracking?.trackingNumber !== labels.get(id);
  });
  const writtenTwice = (op: 'OR21' | 'OR24' | 'POST /order') =>
    fed.filter((id) => timeline.orders.get(id)!.writes[op] > 1);
  const sample = (ids: string[]) => (ids.length ? ` (e.g. ${ids.slice(0, 5).join(', ')})` : '');
  const twice = [...writtenTwice('OR21'), ...writtenTwice('POST /order'), ...writtenTwice('OR24')];
  return [
    {
      what: 'every order created exactly once in ShipBob',
      pass: notOnce.length === 0,
      detail: `${fed.length - notOnce.length} of ${fed.length}${sample(notOnce)}`,
    },
    {
      what: 'every order accepted in Mirakl',
      pass: notAccepted.length === 0,
      detail: `${fed.length - notAccepted.length} of ${fed.length}${sample(notAccepted)}`,
    },
    {
      what: 'every labeled order SHIPPED in Mirakl with its tracking number',
      pass: labeled.length === fed.length && notShipped.length === 0,
      detail: `${labeled.length - notShipped.length} of ${labeled.length} labeled (${fed.length} fed)${sample(notShipped)}`,
    },
    {
      what: 'no vendor write made twice (OR21, POST /order, OR24 answered with success)',
      pass: twice.length === 0,
      detail: `${twice.length} orders${sample(twice)}`,
    },
    {
      what: 'no FAILED outcome',
      pass: timeline.failures.length === 0,
      detail: `${timeline.failures.length}${sample(timeline.failures.map((f) => `${f.effectKey} ${f.reason ?? ''}`))}`,
    },
  ];
}
