/** The catalog bench's tables: one per size, and how the cycle times grow across sizes. */
import type { CallCounts } from './calls.js';
import type { CycleEndDecisions, CycleFigures, DbUse, InventoryPasses, Options } from './main.js';

/** The issue's targets. */
export const TARGETS = {
  changedCycleMs: 15_000,
  firstCycleMs: 60_000,
  rssMb: 200,
};

export interface Figures {
  options: Options;
  loadAtStart: string;
  loadAtEnd: string;
  first: {
    connectedMs: number;
    offersMs: number;
    stockMs: number;
    productsMatched: number;
    stockPushed: number;
    expected: number;
    offersRate: number;
    inventoryRate: number;
    /** The applier's writes recording levels and offers. */
    stateWrites: { level: number; offer: number };
    setAside: Map<string, number>;
    /** The shipbob-poller's inventory passes, by what they did. */
    inventoryPasses: InventoryPasses;
    /** Cycle ends decided on the store's map and without it (ADR 0142). */
    cycleEnds: CycleEndDecisions;
    calls: CallCounts;
    cpu: Map<string, number>;
    db: Map<string, DbUse>;
  };
  /** Not run when the first cycle did not complete. */
  /** From the first cycle's end until no consumer lagged (the later cycles start at rest). */
  caughtUpMs?: number;
  unchanged?: CycleFigures;
  changed?: CycleFigures & { wrong: number };
  rss: Map<string, number>;
  /** Each process's mean RSS over the run's samples (every 2 s). */
  meanRss: Map<string, number>;
  outcomesFailed: number;
}

const SERVICES = ['config-api', 'scheduler', 'mirakl-poller', 'shipbob-poller', 'sync-applier'];

export function table(f: Figures): string {
  const { options, first, unchanged, changed } = f;
  const skus = options.stores * options.skus;
  const firstMs = Math.max(first.offersMs, first.stockMs);
  const firstComplete =
    first.productsMatched >= first.expected && first.stockPushed >= first.expected;
  const lines = [
    `catalog: ${options.stores} stores × ${options.skus} SKUs (${skus.toLocaleString('en')}), ShipBob accounts ${options.accounts === 'shared' ? 'shared by every store' : 'one per store'}, ${options['change-percent']} % changed, backend ${options.backend}, heap limits ${heapShown(options)}; load ${f.loadAtStart} → ${f.loadAtEnd}`,
    '',
    'full first cycle (from the first store connected)',
    row('stores connected in', seconds(first.connectedMs)),
    row(
      'offers → products (every SKU matched)',
      `${seconds(first.offersMs)} (${first.productsMatched} / ${first.expected})`,
    ),
    row(
      "every SKU's stock pushed",
      `${seconds(first.stockMs)} (${first.stockPushed} / ${first.expected})`,
    ),
    row(
      `target < ${TARGETS.firstCycleMs / 1000} s`,
      verdict(firstComplete && firstMs < TARGETS.firstCycleMs),
    ),
    row('applier: offer facts / s', rate(first.offersRate)),
    row('applier: inventory SKUs / s', rate(first.inventoryRate)),
    row(
      'applier: level / offer state writes',
      `${first.stateWrites.level} / ${first.stateWrites.offer}`,
    ),
    row(
      'applier: facts set aside, by reason',
      [...first.setAside].map(([reason, n]) => `${reason} ${n}`).join(', '),
    ),
    row('applier: cycle ends on the map / index / neither / after offers', ends(first.cycleEnds)),
    row(
      'inventory passes per store: read / waited / closed / covered',
      [
        first.inventoryPasses.read,
        first.inventoryPasses.deferred,
        first.inventoryPasses.closed,
        first.inventoryPasses.covered,
      ]
        .map((n) => (n / options.stores).toFixed(2))
        .join(' / '),
    ),
    ...callRows(first.calls, 'per store, whole first cycle'),
    ...cpuRows(first.cpu),
    ...dbRows(first.db, options.stores),
    ...(f.caughtUpMs !== undefined
      ? [row('consumers caught up after it in', seconds(f.caughtUpMs))]
      : []),
    '',
    ...(unchanged && changed
      ? laterRows(unchanged, changed, options.stores, options['change-percent'])
      : ['unchanged and changed cycles: not run (the first cycle did not complete)', '']),
    `peak RSS MB (target < ${TARGETS.rssMb} per service; the run's mean after it)`,
    ...[...f.rss].map(([name, mb]) =>
      row(
        `  ${name}`,
        `${mb.toFixed(0)}${SERVICES.includes(name) ? ` ${verdict(mb < TARGETS.rssMb)}` : ''} (${(f.meanRss.get(name) ?? 0).toFixed(0)})`,
      ),
    ),
    row('FAILED outcomes', String(f.outcomesFailed)),
  ];
  return lines.join('\n');
}

function laterRows(
  unchanged: CycleFigures,
  changed: CycleFigures & { wrong: number },
  stores: number,
  percent: number,
): string[] {
  return [
    ...cycleRows('cycle with nothing changed', unchanged, stores),
    row(
      'imports per store (target 0)',
      `${unchanged.importsPerStore.toFixed(2)} ${verdict(unchanged.importsPerStore === 0)}`,
    ),
    '',
    ...cycleRows(`cycle with ${percent} % changed`, changed, stores),
    row(
      'imports per store (target exactly 1)',
      `${changed.importsPerStore.toFixed(2)} ${verdict(changed.importsPerStore === 1 && changed.storesDone === stores)}`,
    ),
    row(
      `target poll → last COMPLETE < ${TARGETS.changedCycleMs / 1000} s`,
      verdict(changed.cycleMs < TARGETS.changedCycleMs),
    ),
    row('changed SKUs wrong in Mirakl after it', String(changed.wrong)),
    '',
  ];
}

function cycleRows(title: string, c: CycleFigures, stores: number): string[] {
  return [
    `${title} (every store's inventory poll asked at once)`,
    row('SKUs changed per account', String(c.skusChanged)),
    row('stores whose cycle ended / imported', `${c.cyclesEnded} / ${c.storesDone} of ${stores}`),
    row('cycle ends on the map / index / neither / after offers', ends(c.cycleEnds)),
    row('poll → last import COMPLETE (STO02)', seconds(c.cycleMs)),
    row('poll → last STO01 answered', seconds(c.lastImportSentMs)),
    row('inventory facts emitted', String(c.factsEmitted)),
    row('shipbob-poller: SKUs / s through the read + diff', rate(c.pollerSkusPerSecond)),
    row('applier: inventory SKUs / s', rate(c.applierFactsPerSecond)),
    ...callRows(c.calls, 'per store'),
    ...cpuRows(c.cpu),
    row(
      'simulators + bench: collections (pause s)',
      `full ${c.benchGc.full} (${seconds(c.benchGc.fullMs)}), all ${seconds(c.benchGc.allMs)}`,
    ),
    ...dbRows(c.db, stores),
  ];
}

function callRows(calls: CallCounts, per: string): string[] {
  const list = (m: Map<string, number>) =>
    [...m].map(([op, n]) => `${op} ${n.toFixed(2)}`).join(', ') || '–';
  return [
    row(`Mirakl calls ${per}`, list(calls.mirakl)),
    row(`ShipBob calls ${per}`, list(calls.shipbob)),
    ...(calls.shipbobLimited > 0 ? [row('ShipBob 429s', String(calls.shipbobLimited))] : []),
  ];
}

const cpuRows = (cpu: Map<string, number>) => [
  row(
    'CPU s',
    [...cpu]
      .filter(([, s]) => s >= 0.05)
      .map(([name, s]) => `${name} ${s.toFixed(1)}`)
      .join(', '),
  ),
];

/**
 * Each service's database commands per store and the seconds its round trips added up to; then,
 * for the services that sent most, their commands per store by collection (the six largest).
 */
const dbRows = (db: Map<string, DbUse>, stores: number) => {
  const used = [...db].filter(([, use]) => use.commands > 0);
  const perStore = (n: number) => (n / stores).toFixed(1);
  return [
    row(
      'database commands per store (round trips s)',
      used
        .map(([name, use]) => `${name} ${perStore(use.commands)} (${use.seconds.toFixed(1)})`)
        .join(', '),
    ),
    ...used
      .sort(([, a], [, b]) => b.commands - a.commands)
      .slice(0, 3)
      .map(([name, use]) =>
        row(
          `  ${name}, by collection`,
          [...use.byCommand]
            .filter(([, n]) => n > 0)
            .sort(([, a], [, b]) => b - a)
            .slice(0, 6)
            .map(([key, n]) => `${key} ${perStore(n)}`)
            .join(', '),
        ),
      ),
  ];
};

/** The cycle times at each size, and their ratio to the smallest size's per store. */
export function growth(results: Figures[]): string {
  const base = results[0]!;
  const lines = [
    'growth with the number of stores',
    `${'stores'.padEnd(8)}${'first cycle s'.padStart(16)}${'1 % cycle s'.padStart(14)}${'first s / store'.padStart(18)}${'1 % s / store'.padStart(16)}${'load'.padStart(20)}`,
  ];
  /** A figure, or a dash where it was not measured (a first cycle that did not complete). */
  const shown = (value: number, digits: number) =>
    Number.isFinite(value) ? value.toFixed(digits) : '–';
  const firstOf = (f: Figures) => Math.max(f.first.offersMs, f.first.stockMs);
  for (const f of results) {
    const first = firstOf(f);
    const changed = f.changed?.cycleMs ?? NaN;
    lines.push(
      `${String(f.options.stores).padEnd(8)}${seconds(first).padStart(16)}${seconds(changed).padStart(14)}${shown(first / 1000 / f.options.stores, 2).padStart(18)}${shown(changed / 1000 / f.options.stores, 3).padStart(16)}${f.loadAtEnd.padStart(20)}`,
    );
  }
  const last = results.at(-1)!;
  const factor = last.options.stores / base.options.stores;
  const ratio = (of: (f: Figures) => number, what: string) => {
    const grew = of(last) / of(base);
    return Number.isFinite(grew)
      ? `${factor}× the stores: the ${what} took ${grew.toFixed(1)}× as long (${grew <= factor ? 'linear or better' : 'worse than linear'})`
      : `${factor}× the stores: the ${what} was not measured at both sizes (a first cycle did not complete)`;
  };
  lines.push(
    ratio(firstOf, 'first cycle'),
    ratio((f) => f.changed?.cycleMs ?? NaN, '1 % cycle'),
  );
  return lines.join('\n');
}

const verdict = (ok: boolean) => (ok ? 'ok' : 'MISS');
const row = (label: string, value: string) => `${label.padEnd(48)}${value}`;
const ends = (c: CycleEndDecisions) =>
  `${c.onMap} / ${c.onIndex} / ${c.withoutMap} / ${c.afterOffers}`;
const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '–');
const rate = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');

/** The services' heap limits the run used: their own (ADR 0122) unless the options gave others. */
const heapShown = (options: Options) =>
  options['heap-mb'] === 0 && options['semi-space-mb'] === 0
    ? "each service's own"
    : `old space ${options['heap-mb'] || 'own'} MB, semi-space ${options['semi-space-mb'] || 'own'} MB`;
