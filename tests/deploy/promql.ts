/**
 * What the deployment tests check of PromQL without Prometheus: which metric names an
 * expression selects, and which series the code exports (alert rules, dashboard).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createMetricsRegistry } from '@msync/platform';
import { root } from './schemas.js';

/** The series a metric of this type exports under `name`. */
function seriesOf(type: string, name: string): string[] {
  switch (type) {
    case 'Histogram':
      return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
    case 'Summary':
      return [name, `${name}_sum`, `${name}_count`];
    default:
      return [name];
  }
}

interface SourceMetric {
  type: string;
  name: string;
  /** Its `labelNames`. */
  labels: string[];
}

/** Every prom-client metric constructed in the sources (`new Counter({ name: '…', … })`). */
function sourceMetrics(): SourceMetric[] {
  const found: SourceMetric[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      if (entry === 'node_modules' || entry === 'dist') continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.includes('.test.'))
        // The metric's options end at its labelNames, or at `})` when it has none.
        for (const m of readFileSync(path, 'utf8').matchAll(
          /new (Counter|Gauge|Histogram|Summary)\(\{\s*name: '([a-z_:][a-z0-9_:]*)'(?:(?!new (?:Counter|Gauge|Histogram|Summary)\()[\s\S])*?(?:labelNames: \[([^\]]*)\]|\}\))/g,
        ))
          found.push({
            type: m[1]!,
            name: m[2]!,
            labels: [...(m[3] ?? '').matchAll(/'([a-z_][a-z0-9_]*)'/g)].map((l) => l[1]!),
          });
    }
  };
  for (const dir of ['libs', 'services']) walk(`${root}${dir}`);
  return found;
}

/**
 * Every series name the sources register (a histogram as its `_bucket`, `_sum`, `_count`), plus
 * the Node defaults every service's registry collects (`createMetricsRegistry`).
 */
export async function registeredMetrics(): Promise<Set<string>> {
  const names = new Set(sourceMetrics().flatMap((m) => seriesOf(m.type, m.name)));
  for (const metric of await createMetricsRegistry('probe').getMetricsAsJSON()) {
    const type = { histogram: 'Histogram', summary: 'Summary' }[String(metric.type)] ?? '';
    for (const series of seriesOf(type, metric.name)) names.add(series);
  }
  return names;
}

/**
 * The labels each metric of the sources declares, by series name; Prometheus adds `instance`
 * and `job`, the registry `service`, a histogram's buckets `le`.
 */
export function declaredLabels(): Map<string, Set<string>> {
  const labels = new Map<string, Set<string>>();
  for (const metric of sourceMetrics())
    for (const series of seriesOf(metric.type, metric.name))
      labels.set(
        series,
        new Set([
          ...metric.labels,
          'service',
          'instance',
          'job',
          ...(series.endsWith('_bucket') ? ['le'] : []),
        ]),
      );
  return labels;
}

/** The labels an expression groups by or matches on (`by (…)`, `without (…)`, `{label=…}`). */
export function labelsOf(expr: string): string[] {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const found = new Set<string>();
  for (const m of bare.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g))
    for (const label of m[1]!.split(',')) if (label.trim()) found.add(label.trim());
  for (const m of bare.matchAll(/\{([^}]*)\}/g))
    for (const matcher of m[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g))
      found.add(matcher[1]!);
  return [...found];
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'and', 'or', 'unless', 'bool']);

/** The metric names a PromQL expression selects (not its functions, labels or keywords). */
export function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges
    .replace(/\boffset\s+\w+/g, ' ') // offsets
    .replace(/\b\d[\w.]*/g, ' ') // numbers
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  return [
    ...new Set(
      [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
        .filter((m) => m[2] === undefined && !PROMQL_WORDS.has(m[1]!))
        .map((m) => m[1]!),
    ),
  ];
}
