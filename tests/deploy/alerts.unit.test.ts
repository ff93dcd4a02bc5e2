/**
 * What npm test can check of the alert rules without promtool (built from source in minutes:
 * `npm run test:alerts` runs promtool's own checks and the rules' unit tests).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { withContext } from '@msync/test-support';
import { root } from './schemas.js';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface RuleTest {
  alert_rule_test: { alertname: string; exp_alerts: unknown[] }[];
}

const rules = (
  parse(readFileSync(`${root}deploy/prometheus/alerts.yml`, 'utf8')) as {
    groups: { name: string; rules: Rule[] }[];
  }
).groups.flatMap((g) => g.rules);
const ruleTests = (
  parse(readFileSync(`${root}deploy/prometheus/alerts.test.yml`, 'utf8')) as {
    rule_files: string[];
    tests: RuleTest[];
  }
).tests.flatMap((t) => t.alert_rule_test);

/**
 * Metrics the rules use before the code that registers them lands; each goes once it does (the
 * test below fails when one is registered and still listed).
 */
const ANNOUNCED = new Set<string>([]);

/** Every metric name registered in the sources (`name: '…'` of a prom-client metric). */
function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      if (entry === 'node_modules' || entry === 'dist') continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.includes('.test.'))
        for (const m of readFileSync(path, 'utf8').matchAll(
          /new (?:Counter|Gauge|Histogram|Summary)\(\{\s*name: '([a-z_:][a-z0-9_:]*)'/g,
        ))
          names.add(m[1]!);
    }
  };
  for (const dir of ['libs', 'services']) walk(`${root}${dir}`);
  return names;
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'and', 'or', 'unless', 'bool']);

/** The metric names a PromQL expression selects (not its functions, labels or keywords). */
function metricsOf(expr: string): string[] {
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

describe('alert rules (deploy/prometheus/alerts.yml)', () => {
  const registered = registeredMetrics();

  it('finds the metrics of an expression, and a misspelled one is not registered', () => {
    expect(
      metricsOf(
        'sum by (group, topic) (max by (group, topic, partition) (delta(events_consumer_lag[15m]))) > 0',
      ),
    ).toEqual(['events_consumer_lag']);
    expect(metricsOf('a_total unless b_total offset 1h or vector(0)')).toEqual([
      'a_total',
      'b_total',
    ]);
    expect(registered.has('config_api_unpublished_stores')).toBe(true);
    expect(registered.has('config_api_unpublished_store')).toBe(false);
  });

  it.each(rules.map((r) => [r.alert, r] as const))(
    '%s: selects only metrics the code registers, has a severity and says what to do',
    (_name, rule) => {
      for (const metric of metricsOf(rule.expr))
        withContext(metric, () =>
          expect(registered.has(metric) || ANNOUNCED.has(metric)).toBe(true),
        );
      expect(['warning', 'critical']).toContain(rule.labels['severity']);
      expect(rule.annotations['summary']).toBeTruthy();
      expect(rule.annotations['description']).toBeTruthy();
    },
  );

  it('names each alert once', () => {
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(rules.map((r) => r.alert))(
    '%s has a promtool test that fires it and one that does not',
    (name) => {
      const cases = ruleTests.filter((t) => t.alertname === name);
      expect(cases.some((c) => c.exp_alerts.length > 0)).toBe(true);
      expect(cases.some((c) => c.exp_alerts.length === 0)).toBe(true);
    },
  );

  it('lists as announced only metrics no code registers yet', () => {
    expect([...ANNOUNCED].filter((m) => registered.has(m))).toEqual([]);
  });
});
