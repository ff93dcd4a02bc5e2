/**
 * Sync Offers and Sync Inventory at catalog size: every store's Mirakl offers exported and
 * matched to ShipBob products, ShipBob's stock pushed to Mirakl, then a cycle with nothing
 * changed and one with `--change-percent` of the stock changed. Prints the cycle times, the
 * SKUs per second through shipbob-poller's diff and the applier, stock imports and vendor calls
 * per store and cycle, and each process's peak RSS, next to the targets.
 *
 *   npm run bench -- catalog [--stores 100] [--skus 10000] [--change-percent 1]
 *     [--accounts per-store|shared] [--max-cycle-minutes 20] [--live-deadline-ms 120000]
 *     [--commit-interval-ms 1000] [--max-unfinished 0] [--heap-mb 0] [--semi-space-mb 0]
 *     [--scale 10,100]
 *     [--poll-keys 0] [--map-cache-entries -1] [--backend shared|sqlite|postgresql]
 *
 * `--scale 10,100` runs the whole measure once per store count, one after the other, and adds a
 * table of how the cycle times grow. Method: ADR 0091.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { subjectsOfOutcome, type SyncOutcomeRecorded } from '@msync/events';
import {
  MONGO_BACKENDS,
  SERVICE_HEAP,
  nodeOptionsOf,
  type MongoBackend,
} from '../../tools/infra/src/index.js';
import { loadAverage } from '../orders/main.js';
import { OrdersRun, type BenchStore } from '../orders/system.js';
import { parseOptions } from '../support.js';
import { FLOW_SERVICES, type FlowService } from '../../tests/e2e/support/flow-services.js';
import { CallCounter, type CallCounts } from './calls.js';
import { table, growth, type Figures } from './report.js';

const DEFAULTS = {
  stores: 100,
  skus: 10_000,
  'change-percent': 1,
  accounts: 'per-store' as 'per-store' | 'shared',
  'max-cycle-minutes': 20,
  'live-deadline-ms': 120_000,
  /** The applier's FACT_COMMIT_INTERVAL_MS (production default 1 s). */
  'commit-interval-ms': 1_000,
  /** The applier's FACT_MAX_UNFINISHED_PER_PARTITION (0: its default). */
  'max-unfinished': 0,
  /** The applier's FACT_FETCH_MAX_BYTES (0: its default, 2 MiB). */
  'fetch-max-bytes': 0,
  /**
   * Every service's V8 old-space limit (`--max-old-space-size`, MB) instead of its own
   * (`SERVICE_HEAP`, ADR 0122; 0: each service's own).
   */
  'heap-mb': 0,
  /**
   * Every service's V8 semi-space limit (`--max-semi-space-size`, MB) instead of its own (0: each
   * service's own).
   */
  'semi-space-mb': 0,
  /** Both pollers' POLL_KEYS_AT_ONCE (0: their default). */
  'poll-keys': 0,
  /** The mirakl-poller's LARGE_PASSES_AT_ONCE: full exports at once (0: its default, 2). */
  'export-passes': 0,
  /**
   * Every store's `pollIntervalMinutes` (ADR 0091: 1, the shortest; the product's default is 15):
   * how often the scheduler asks for each stream between the cycles the bench asks for itself.
   */
  'poll-interval-minutes': 1,
  /** The pollers' and the applier's MAP_CACHE_ENTRIES (-1: their default, 100,000; 0: none). */
  'map-cache-entries': -1,
  backend: 'shared' as 'shared' | MongoBackend,
};
export type Options = typeof DEFAULTS;

/**
 * This process's own V8 flags (`bench/run.ts` starts it again with those not given): it holds both
 * simulators, with up to a million products and offers (3.9 GB of heap at 100 × 10,000, near
 * Node's default limit on this machine), and answers every page of a cycle, each page's objects
 * dying within the request: with V8's default young generation they were collected under that
 * heap several times a second (ADR 0149).
 */
export const nodeFlags = [
  ...nodeOptionsOf({ oldSpaceMb: 12_000, semiSpaceMb: 64 }).split(' '),
  // Its garbage from what came before is collected before each measured later cycle.
  '--expose-gc',
];

/**
 * A read of the account serves the requests of this window (ADR 0075; production 5 min): below
 * the one-minute poll interval, so each cycle of the bench reads ShipBob once per account.
 */
const SHARE_WINDOW_MS = 30_000;
/** Mirakl's STO01 interval per shop, and a margin: a measured cycle never waits for it. */
const STOCK_IMPORT_INTERVAL_MS = 62_000;

export async function main(args: string[]): Promise<void> {
  const scaleAt = args.indexOf('--scale');
  const scale =
    scaleAt < 0 ? [] : (args[scaleAt + 1] ?? '').split(',').map((n) => Number(n.trim()));
  if (scale.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error(`--scale takes store counts, e.g. --scale 10,100`);
  const rest = scaleAt < 0 ? args : [...args.slice(0, scaleAt), ...args.slice(scaleAt + 2)];
  const options = parseOptions(rest, DEFAULTS, {
    accounts: ['per-store', 'shared'],
    backend: ['shared', ...MONGO_BACKENDS],
  });
  const sizes = scale.length > 0 ? scale : [options.stores];
  const results: Figures[] = [];
  for (const stores of sizes) {
    const figures = await measure({ ...options, stores });
    results.push(figures);
    process.stdout.write(`${table(figures)}\n\n`);
  }
  if (results.length > 1) process.stdout.write(`${growth(results)}\n`);
}

/**
 * Every service's heap limits when the options replace its own (not 0); otherwise nothing: the
 * services start with their own (`startService`).
 */
const heapTuning = (
  oldSpaceMb: number,
  semiSpaceMb: number,
): Partial<Record<FlowService, Record<string, string>>> => {
  if (oldSpaceMb === 0 && semiSpaceMb === 0) return {};
  return Object.fromEntries(
    FLOW_SERVICES.map((name) => {
      const own = SERVICE_HEAP[name];
      const heap = {
        oldSpaceMb: oldSpaceMb || own.oldSpaceMb,
        semiSpaceMb: semiSpaceMb || own.semiSpaceMb,
      };
      return [name, { NODE_OPTIONS: nodeOptionsOf(heap) }];
    }),
  );
};

/** The SKUs of a catalog: one product and one offer each, the same names in every account. */
const skuOf = (n: number) => `CAT-${String(n).padStart(6, '0')}`;
/** ShipBob's on-hand units of a SKU at the start; the first push sends them all. */
const initialStock = (n: number) => 10 + (n % 90);

/** One run at one size: the system, the first cycle, an unchanged cycle, a changed cycle. */
async function measure(options: Options): Promise<Figures> {
  const say = (line: string) =>
    process.stderr.write(`${new Date().toISOString().slice(11, 19)} [${options.stores}] ${line}\n`);
  const { skus } = options;
  /** Inventory ids per merchant, in SKU order. */
  const inventory = new Map<number, number[]>();
  const storeOf = new Map<string, BenchStore>();
  const progress = new CycleProgress(skus);
  const heap = heapTuning(options['heap-mb'], options['semi-space-mb']);
  const pollKeys: Record<string, string> =
    options['poll-keys'] > 0 ? { POLL_KEYS_AT_ONCE: String(options['poll-keys']) } : {};
  const mapCache: Record<string, string> =
    options['map-cache-entries'] >= 0
      ? { MAP_CACHE_ENTRIES: String(options['map-cache-entries']) }
      : {};
  const run: OrdersRun = new OrdersRun({
    stores: options.stores,
    idleStores: 0,
    ordersPerMinute: 1,
    paymentDelayMs: 0,
    labelAfterMs: null,
    shipAfterMs: 0,
    pollIntervalMinutes: options['poll-interval-minutes'],
    backend: options.backend,
    runName: 'bench-catalog',
    path: process.env['PATH'] ?? '',
    say,
    toggles: { offers: true, inventory: true },
    accounts: options.accounts,
    tuning: {
      ...heap,
      'mirakl-poller': {
        ...heap['mirakl-poller'],
        ...pollKeys,
        ...mapCache,
        ...(options['export-passes'] > 0
          ? { LARGE_PASSES_AT_ONCE: String(options['export-passes']) }
          : {}),
      },
      'shipbob-poller': {
        ...heap['shipbob-poller'],
        ...pollKeys,
        ...mapCache,
        INVENTORY_SHARE_WINDOW_MS: String(SHARE_WINDOW_MS),
      },
      // Production's 4 s sets every stock import aside (its first status read is 15 s after
      // STO01); ADR 0091.
      'sync-applier': {
        ...heap['sync-applier'],
        ...mapCache,
        LIVE_DEADLINE_MS: String(options['live-deadline-ms']),
        FACT_COMMIT_INTERVAL_MS: String(options['commit-interval-ms']),
        ...(options['max-unfinished'] > 0
          ? { FACT_MAX_UNFINISHED_PER_PARTITION: String(options['max-unfinished']) }
          : {}),
        ...(options['fetch-max-bytes'] > 0
          ? { FACT_FETCH_MAX_BYTES: String(options['fetch-max-bytes']) }
          : {}),
      },
    },
    seedStore: (store, newAccount) => {
      const catalog = Array.from({ length: skus }, (_, n) => skuOf(n));
      if (newAccount) {
        const world = run.shipbobSim.control.world;
        inventory.set(
          store.merchantId,
          catalog.map(
            (sku, n) =>
              world.seedProduct(store.merchantId, { sku, stock: { 1: initialStock(n) } })
                .variants[0]!.inventoryId,
          ),
        );
      }
      // Quantity 0 in Mirakl: the first cycle pushes every SKU.
      run.miraklSim.control.upsertOffers(
        store.shopId,
        catalog.map((sku) => ({ sku, quantity: 0 })),
      );
    },
    onOutcome: (outcome) => {
      // A store's outcomes may come while later stores are still being connected (100 stores
      // take about a minute): its id is known from its connection on.
      if (!storeOf.has(outcome.envelope.storeId))
        for (const connected of run.stores)
          if (connected.storeId) storeOf.set(connected.storeId, connected);
      const store = storeOf.get(outcome.envelope.storeId);
      if (store) progress.outcome(store, outcome, Date.now());
    },
  });
  const calls = new CallCounter();
  // The services' logs, for what the figures do not say (written at the end).
  const logs = mkdtempSync(join(tmpdir(), 'bench-catalog-logs-'));
  const dumpLogs = () => {
    for (const [name, service] of run.services)
      writeFileSync(join(logs, `${name}.log`), service.output());
  };
  const progressSay = say;
  try {
    const loadAtStart = loadAverage();
    say(`seeding ${options.stores} shops × ${skus} offers (${options.accounts} ShipBob accounts)`);
    await run.start();
    calls.attach(run);
    const sampler = new MetricSampler(run);
    sampler.start();

    // The full first cycle: connect, full export, products matched, every SKU's stock pushed.
    const first = calls.phase();
    const cpuFirst = run.processes.cpuSeconds();
    const dbFirst = await dbUse(run);
    const firstStart = Date.now();
    await run.connectStores(0);
    for (const store of run.stores) storeOf.set(store.storeId, store);
    const connectedMs = Date.now() - firstStart;
    await progress.until(
      () => {
        // A service that died (out of memory under --heap-mb, say) ends the run with its reason.
        for (const [name, service] of run.services) {
          const { exitCode, signalCode } = service.child;
          if (exitCode !== null || signalCode !== null)
            throw new Error(
              `${name} exited during the first cycle (code ${exitCode}, signal ${signalCode}) at ${progress.firstLine(run.stores, skus)}; its log is in ${logs}`,
            );
        }
        return progress.firstDone(run.stores);
      },
      firstStart + options['max-cycle-minutes'] * 60_000,
      () =>
        progressSay(`first cycle: ${progress.firstLine(run.stores, skus)}; load ${loadAverage()}`),
    );
    const firstEnd = progress.firstEnd(run.stores);
    const firstFigures = {
      connectedMs,
      offersMs: firstEnd.offers - firstStart,
      stockMs: firstEnd.stock - firstStart,
      ...progress.firstCounts(run.stores, skus),
      offersRate: sampler.rate('offers', firstStart),
      inventoryRate: sampler.rate('inventory', firstStart),
      stateWrites: await stateWrites(run),
      setAside: await setAsideByReason(run),
      inventoryPasses: await inventoryPasses(run),
      cycleEnds: await cycleEndDecisions(run),
      calls: first.counts(run.stores),
      cpu: cpuDelta(cpuFirst, run.processes.cpuSeconds()),
      db: dbDelta(dbFirst, await dbUse(run)),
    };
    say(`first cycle measured: ${progress.firstLine(run.stores, skus)}`);

    const firstComplete = progress.firstDone(run.stores);
    const later = firstComplete
      ? await laterCycles(run, { options, inventory, progress, calls, sampler, say, progressSay })
      : undefined;
    if (!firstComplete) say('first cycle incomplete: the unchanged and changed cycles are not run');
    sampler.stop();
    return {
      options,
      loadAtStart,
      loadAtEnd: loadAverage(),
      first: firstFigures,
      ...later,
      rss: run.processes.peakRssMb(),
      meanRss: run.processes.meanRssMb(),
      outcomesFailed: progress.failed,
    };
  } finally {
    calls.detach();
    dumpLogs();
    say(`service logs in ${logs}`);
    await run.close();
  }
}

/**
 * An inventory poll of every store with nothing changed, then one with `change-percent` of every
 * account's SKUs changed in ShipBob, and what Mirakl holds of those SKUs afterwards.
 */
async function laterCycles(
  run: OrdersRun,
  c: {
    options: Options;
    inventory: Map<number, number[]>;
    progress: CycleProgress;
    calls: CallCounter;
    sampler: MetricSampler;
    say: (line: string) => void;
    progressSay: (line: string) => void;
  },
): Promise<{
  caughtUpMs: number;
  unchanged: CycleFigures;
  changed: CycleFigures & { wrong: number };
}> {
  const { options, progress, calls, sampler, say, progressSay } = c;
  const maxMinutes = options['max-cycle-minutes'];
  // The cycles below are asked for by the bench, every store at once, as a scheduler tick
  // where all are due: the scheduler stops here so that no poll of its own falls in them.
  await run.services.get('scheduler')!.stop();
  // They measure a cycle of a system at rest, as a day's cycles after the first one are: the
  // consumers still working through the first cycle's events (config-api's activity feed, one
  // entry per SKU outcome) are waited for, and how long is printed.
  const caughtUpMs = await caughtUp(run, say, maxMinutes);
  await settle(calls, say);
  const unchanged = await cycle(
    run,
    progress,
    calls,
    sampler,
    'unchanged',
    () => 0,
    progressSay,
    maxMinutes,
  );
  await settle(calls, say);
  const changedSkus = new Set<number>();
  const every = Math.max(1, Math.round(100 / options['change-percent']));
  for (let n = 0; n < options.skus; n += every) changedSkus.add(n);
  const change = () => {
    const world = run.shipbobSim.control.world;
    for (const ids of c.inventory.values())
      for (const n of changedSkus) world.setStock(ids[n]!, 1, initialStock(n) + 7);
    return changedSkus.size;
  };
  const changed = await cycle(
    run,
    progress,
    calls,
    sampler,
    'changed',
    change,
    progressSay,
    maxMinutes,
  );
  let wrong = 0;
  for (const store of run.stores) {
    const offers = new Map(
      run.miraklSim.control.snapshot(store.shopId).offers.map((o) => [o.sku, o.quantity]),
    );
    for (const n of changedSkus) if (offers.get(skuOf(n)) !== initialStock(n) + 7) wrong += 1;
  }
  return { caughtUpMs, unchanged, changed: { ...changed, wrong } };
}

/**
 * Stores' cycle ends decided on the map, on the stock index, on neither, and left to the one after
 * the store's offers still to be applied (ADR 0180).
 */
export interface CycleEndDecisions {
  onMap: number;
  onIndex: number;
  withoutMap: number;
  afterOffers: number;
}

/**
 * The applier's cycle ends so far, decided on the store's map, on its stock index (ADR 0147),
 * without either (ADR 0142), and left to the one after the offers still to be applied (ADR 0180).
 */
async function cycleEndDecisions(run: OrdersRun): Promise<CycleEndDecisions> {
  const on = (value: string) => ({
    name: 'sync_applier_cycle_end_decisions_total',
    labels: { on: value },
  });
  const [onMap, onIndex, withoutMap, afterOffers] = await run.metrics('sync-applier', [
    on('map'),
    on('index'),
    on('no-map'),
    on('after-offers'),
  ]);
  return { onMap: onMap!, onIndex: onIndex!, withoutMap: withoutMap!, afterOffers: afterOffers! };
}

/** The applier's facts set aside for its retrier so far, by reason. */
async function setAsideByReason(run: OrdersRun): Promise<Map<string, number>> {
  const reasons = ['live-deadline', 'budget-wait', 'behind-set-aside', 'rate-limited'];
  const counts = await run.metrics(
    'sync-applier',
    reasons.map((reason) => ({ name: 'events_set_aside_total', labels: { reason } })),
  );
  return new Map(reasons.map((r, i) => [r, counts[i]!]));
}

/** The shipbob-poller's inventory passes by what they did (ADR 0154, 0155). */
export interface InventoryPasses {
  read: number;
  deferred: number;
  closed: number;
  covered: number;
}

/**
 * The shipbob-poller's inventory passes so far, scheduled and asked by the applier after offers
 * (ADR 0155): those that read ShipBob, waited for the applier (ADR 0154), closed a store's cycle
 * with the last read, or found it closed since.
 */
async function inventoryPasses(run: OrdersRun): Promise<InventoryPasses> {
  const outcomes = ['read', 'applier-behind', 'close', 'covered'] as const;
  const streams = ['inventory', 'inventory:offers-changed'];
  const counts = await run.metrics(
    'shipbob-poller',
    outcomes.flatMap((outcome) =>
      streams.map((stream) => ({ name: 'poll_requests_total', labels: { stream, outcome } })),
    ),
  );
  const sum = (i: number) => counts[2 * i]! + counts[2 * i + 1]!;
  return { read: sum(0), deferred: sum(1), closed: sum(2), covered: sum(3) };
}

/** Collections of the bench's process: full ones (count, pause ms) and all of them (pause ms). */
export interface BenchGc {
  full: number;
  fullMs: number;
  allMs: number;
}

export interface CycleFigures {
  skusChanged: number;
  /** Poll requested → the last store's import answered `COMPLETE` to the applier. */
  cycleMs: number;
  /** Poll requested → Mirakl's last import accepted (STO01 answered). */
  lastImportSentMs: number;
  storesDone: number;
  importsPerStore: number;
  /** The store's cycle ended, with or without an import (applier metric). */
  cyclesEnded: number;
  /** Of those, decided on the store's map and without it (ADR 0142). */
  cycleEnds: CycleEndDecisions;
  factsEmitted: number;
  pollerSkusPerSecond: number;
  applierFactsPerSecond: number;
  calls: CallCounts;
  cpu: Map<string, number>;
  /** This process's collections during the cycle (the simulators live in it). */
  benchGc: BenchGc;
  db: Map<string, DbUse>;
}

/** Asks every store's inventory poll at once and waits for every store's cycle to end. */
async function cycle(
  run: OrdersRun,
  progress: CycleProgress,
  calls: CallCounter,
  sampler: MetricSampler,
  name: string,
  change: () => number,
  say: (line: string) => void,
  maxMinutes: number,
): Promise<CycleFigures> {
  const skusChanged = change();
  // The simulators' heap (4 GB at 1 M SKUs) holds the garbage of everything since the first
  // cycle: collected now, a full collection of it does not fall into the measured cycle; those
  // that do are counted.
  await ownGc.collect();
  const gcBefore = ownGc.taken();
  const phase = calls.phase();
  const cpuBefore = run.processes.cpuSeconds();
  const dbBefore = await dbUse(run);
  const endedBefore = await run.metric('sync-applier', 'sync_applier_inventory_cycles_total');
  const decidedBefore = await cycleEndDecisions(run);
  const polled = await sampler.poller();
  const emittedBefore = await run.metric('shipbob-poller', 'poll_facts_emitted_total', {
    type: 'inventoryObserved',
  });
  const start = Date.now();
  progress.startCycle(start);
  // One publish for every store: all of them asked at the same instant (its time is printed).
  await run.requestPolls(run.stores, 'SHIPBOB', 'inventory');
  say(
    `${name} cycle: ${skusChanged} SKUs changed per account; polls requested in ${((Date.now() - start) / 1000).toFixed(2)} s`,
  );
  let ended = 0;
  const deadline = start + maxMinutes * 60_000;
  await progress.until(
    () => {
      // The sampler's last scrape of the applier: the wait adds none of its own to the cycle's.
      ended = (sampler.cyclesEnded() ?? endedBefore) - endedBefore;
      return (
        ended >= run.stores.length &&
        (skusChanged === 0 || progress.imported(run.stores) === run.stores.length)
      );
    },
    deadline,
    () =>
      say(
        `${name} cycle: ${ended} of ${run.stores.length} cycles ended, ${progress.imported(run.stores)} imports; load ${loadAverage()}`,
      ),
  );
  const counts = phase.counts(run.stores);
  const pollerAfter = await sampler.poller();
  const completes = phase.lastComplete();
  return {
    skusChanged,
    cycleMs: (completes ?? NaN) - start,
    lastImportSentMs: (phase.lastImportSent() ?? NaN) - start,
    storesDone: progress.imported(run.stores),
    importsPerStore: counts.mirakl.get('STO01') ?? 0,
    cyclesEnded: ended,
    cycleEnds: await cycleEndDecisions(run).then(({ onMap, onIndex, withoutMap, afterOffers }) => ({
      onMap: onMap - decidedBefore.onMap,
      onIndex: onIndex - decidedBefore.onIndex,
      withoutMap: withoutMap - decidedBefore.withoutMap,
      afterOffers: afterOffers - decidedBefore.afterOffers,
    })),
    factsEmitted:
      (await run.metric('shipbob-poller', 'poll_facts_emitted_total', {
        type: 'inventoryObserved',
      })) - emittedBefore,
    pollerSkusPerSecond:
      (pollerAfter.items - polled.items) / Math.max(0.001, pollerAfter.seconds - polled.seconds),
    applierFactsPerSecond: sampler.rate('inventory', start),
    calls: counts,
    cpu: cpuDelta(cpuBefore, run.processes.cpuSeconds()),
    benchGc: ownGc.since(gcBefore),
    db: dbDelta(dbBefore, await dbUse(run)),
  };
}

/** This process's collections: the simulators' and the bench's (main-thread pauses). */
class GcWatch {
  private full = 0;
  private fullMs = 0;
  private allMs = 0;

  constructor() {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
        this.allMs += entry.duration;
        if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
          this.full += 1;
          this.fullMs += entry.duration;
        }
      }
    }).observe({ entryTypes: ['gc'] });
  }

  /**
   * A full collection of this process's heap (`--expose-gc`; nothing without it), resolved once
   * the observer has seen it (entries reach it on a later turn of the event loop).
   */
  async collect(): Promise<void> {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) return;
    const seen = this.full;
    gc();
    for (let turn = 0; turn < 100 && this.full === seen; turn++) await sleep(10);
  }

  taken(): BenchGc {
    return { full: this.full, fullMs: this.fullMs, allMs: this.allMs };
  }

  since(before: BenchGc): BenchGc {
    const now = this.taken();
    return {
      full: now.full - before.full,
      fullMs: now.fullMs - before.fullMs,
      allMs: now.allMs - before.allMs,
    };
  }
}

const ownGc = new GcWatch();

/**
 * Waits until no running service's consumer lags behind its topics (`events_consumer_lag`), at
 * most `maxMinutes`; resolves with how long that took from the first cycle's end.
 */
async function caughtUp(
  run: OrdersRun,
  say: (line: string) => void,
  maxMinutes: number,
): Promise<number> {
  const start = Date.now();
  const lag = async () => {
    let total = 0;
    for (const [name, service] of run.services) {
      if (service.child.exitCode !== null || service.child.signalCode !== null) continue;
      for (const { value } of await run.samples(name, 'events_consumer_lag')) total += value;
    }
    return total;
  };
  let behind = await lag();
  if (behind > 0) say(`waiting for the consumers to catch up (${behind} events behind)`);
  while (behind > 0 && Date.now() - start < maxMinutes * 60_000) {
    await sleep(2_000);
    behind = await lag();
  }
  const ms = Date.now() - start;
  say(
    behind > 0
      ? `consumers still ${behind} events behind after ${(ms / 1000).toFixed(0)} s; cycles measured anyway`
      : `consumers caught up in ${(ms / 1000).toFixed(1)} s`,
  );
  return ms;
}

/** Waits until Mirakl's stock import interval and the share window have passed for every store. */
async function settle(calls: CallCounter, say: (line: string) => void): Promise<void> {
  const quietSince = Math.max(
    calls.lastAt('STO01') + STOCK_IMPORT_INTERVAL_MS,
    calls.lastAt('inventory') + SHARE_WINDOW_MS + 2_000,
  );
  const waitMs = quietSince - Date.now();
  if (waitMs > 0) {
    say(`waiting ${(waitMs / 1000).toFixed(0)} s for the stock import interval and share window`);
    await sleep(waitMs);
  }
}

/** A service's database commands and the seconds their round trips added up to. */
export interface DbUse {
  commands: number;
  seconds: number;
  /** Commands by `<collection> <command>`. */
  byCommand: Map<string, number>;
}

/** Every running service's database use so far (`mongodb_commands_total`, round-trip sum). */
async function dbUse(run: OrdersRun): Promise<Map<string, DbUse>> {
  const used = new Map<string, DbUse>();
  for (const [name, service] of run.services) {
    // The scheduler is stopped before the later cycles.
    if (service.child.exitCode !== null || service.child.signalCode !== null) continue;
    const byCommand = new Map<string, number>();
    for (const { labels, value } of await run.samples(name, 'mongodb_commands_total')) {
      const key = `${labels['collection']} ${labels['command']}`;
      byCommand.set(key, (byCommand.get(key) ?? 0) + value);
    }
    used.set(name, {
      commands: [...byCommand.values()].reduce((a, b) => a + b, 0),
      seconds: await run.metric(name, 'mongodb_command_duration_seconds_sum'),
      byCommand,
    });
  }
  return used;
}

const dbDelta = (before: Map<string, DbUse>, after: Map<string, DbUse>) =>
  new Map(
    [...after].map(([name, use]) => {
      const was = before.get(name) ?? { commands: 0, seconds: 0, byCommand: new Map() };
      const byCommand = new Map(
        [...use.byCommand].map(([key, n]) => [key, n - (was.byCommand.get(key) ?? 0)] as const),
      );
      return [
        name,
        { commands: use.commands - was.commands, seconds: use.seconds - was.seconds, byCommand },
      ];
    }),
  );

const cpuDelta = (before: Map<string, number>, after: Map<string, number>) =>
  new Map([...after].map(([name, s]) => [name, s - (before.get(name) ?? 0)]));

/** What each store reached: products matched, SKUs' stock imported, imports since a cycle start. */
class CycleProgress {
  private readonly products = new Map<number, number>();
  private readonly productsDoneAt = new Map<number, number>();
  private readonly stockLines = new Map<number, number>();
  private readonly stockDoneAt = new Map<number, number>();
  private readonly cycleImports = new Map<number, number>();
  private cycleStart = Infinity;
  failed = 0;
  /** Outcomes from the first connection on are counted against the store's SKUs. */
  constructor(private readonly skus: number) {}

  outcome(store: BenchStore, outcome: SyncOutcomeRecorded, at: number): void {
    if (outcome.outcome === 'FAILED') this.failed += 1;
    if (outcome.flow === 'offers') {
      // An outcome may stand for many offers (ADR 0161).
      const n = (this.products.get(store.index) ?? 0) + subjectsOfOutcome(outcome).length;
      this.products.set(store.index, n);
      if (n >= this.skus && !this.productsDoneAt.has(store.index))
        this.productsDoneAt.set(store.index, at);
    }
    if (outcome.flow === 'inventory' && outcome.outcome === 'APPLIED') {
      const lines = Number(outcome.externalIds?.['skus'] ?? 0);
      const total = (this.stockLines.get(store.index) ?? 0) + lines;
      this.stockLines.set(store.index, total);
      if (total >= this.skus && !this.stockDoneAt.has(store.index))
        this.stockDoneAt.set(store.index, at);
      if (at >= this.cycleStart)
        this.cycleImports.set(store.index, (this.cycleImports.get(store.index) ?? 0) + 1);
    }
  }

  firstDone(stores: BenchStore[]): boolean {
    return stores.every((s) => this.productsDoneAt.has(s.index) && this.stockDoneAt.has(s.index));
  }

  firstEnd(stores: BenchStore[]): { offers: number; stock: number } {
    const last = (m: Map<number, number>) =>
      stores.every((s) => m.has(s.index)) ? Math.max(...stores.map((s) => m.get(s.index)!)) : NaN;
    return { offers: last(this.productsDoneAt), stock: last(this.stockDoneAt) };
  }

  firstCounts(stores: BenchStore[], skus: number) {
    const sum = (m: Map<number, number>) => stores.reduce((n, s) => n + (m.get(s.index) ?? 0), 0);
    return {
      productsMatched: sum(this.products),
      stockPushed: sum(this.stockLines),
      expected: stores.length * skus,
    };
  }

  firstLine(stores: BenchStore[], skus: number): string {
    const c = this.firstCounts(stores, skus);
    return `offers matched to products ${c.productsMatched} / ${c.expected}, SKUs' stock pushed ${c.stockPushed} / ${c.expected}`;
  }

  startCycle(at: number): void {
    this.cycleStart = at;
    this.cycleImports.clear();
  }

  imported(stores: BenchStore[]): number {
    return stores.filter((s) => this.cycleImports.has(s.index)).length;
  }

  async until(
    done: () => boolean | Promise<boolean>,
    deadline: number,
    report: () => void,
  ): Promise<void> {
    let reported = Date.now();
    while (!(await done()) && Date.now() < deadline) {
      await sleep(1_000);
      if (Date.now() - reported >= 30_000) {
        report();
        reported = Date.now();
      }
    }
    report();
  }
}

/**
 * Samples, once a second, the SKUs of the facts the applier has handled per kind, so that its rate is taken
 * over the seconds it was busy, and the inventory cycles it ended, which a measured cycle's wait
 * reads from here; and reads shipbob-poller's inventory items and pass seconds. One scrape of the
 * applier a second: each one also runs its readiness checks (a broker, registry and database
 * round trip), work the measured cycles should not carry three times a second.
 */
class MetricSampler {
  private readonly samples: { at: number; offers: number; inventory: number; cycles: number }[] =
    [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly run: OrdersRun) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), 1_000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    // SKUs, not messages: an inventory fact carries up to 250 (ADR 0166).
    const handled = (kind: 'offer' | 'level') => ({
      name: 'sync_applier_catalog_facts_total',
      labels: { kind },
    });
    try {
      const [offers, inventory, cycles] = await this.run.metrics('sync-applier', [
        handled('offer'),
        handled('level'),
        { name: 'sync_applier_inventory_cycles_total' },
      ]);
      this.samples.push({
        at: Date.now(),
        offers: offers!,
        inventory: inventory!,
        cycles: cycles!,
      });
    } catch {
      // the applier is busy or restarting: the next sample counts
    }
  }

  /** The applier's inventory cycles ended as of the last sample (undefined before the first). */
  cyclesEnded(): number | undefined {
    return this.samples.at(-1)?.cycles;
  }

  /** Facts handled per second between the first and the last sample that moved, since `from`. */
  rate(topic: 'offers' | 'inventory', from: number): number {
    const since = this.samples.filter((s) => s.at >= from);
    const base = this.samples.filter((s) => s.at < from).at(-1)?.[topic] ?? since[0]?.[topic] ?? 0;
    const moved = since.filter((s, i) => s[topic] !== (i === 0 ? base : since[i - 1]![topic]));
    if (moved.length === 0) return NaN;
    const firstMove = since[since.indexOf(moved[0]!) - 1]?.at ?? from;
    return (moved.at(-1)![topic] - base) / ((moved.at(-1)!.at - firstMove) / 1000);
  }

  async poller(): Promise<{ items: number; seconds: number }> {
    const labels = { stream: 'inventory' };
    const [items, seconds] = await this.run.metrics('shipbob-poller', [
      { name: 'poll_items_seen_total', labels },
      { name: 'poll_duration_seconds_sum', labels },
    ]);
    return { items: items!, seconds: seconds! };
  }
}

/** The applier's writes of levels and offers so far (ADR 0093: about one per store and batch). */
async function stateWrites(run: OrdersRun): Promise<{ level: number; offer: number }> {
  const [level, offer] = await run.metrics(
    'sync-applier',
    (['level', 'offer'] as const).map((kind) => ({
      name: 'sync_applier_catalog_state_writes_total',
      labels: { kind },
    })),
  );
  return { level: level!, offer: offer! };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
