/**
 * What npm test can check of the alert rules without promtool (built from source in minutes:
 * `npm run test:alerts` runs promtool's own checks and the rules' unit tests).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { withContext } from '@msync/test-support';
import { metricsOf, registeredMetrics } from './promql.js';
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

describe('alert rules (deploy/prometheus/alerts.yml)', () => {
  let registered: Set<string>;
  beforeAll(async () => {
    registered = await registeredMetrics();
  });

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

  it.each(rules.map((r) => [r.alert, r] as const))(
    '%s links its section of docs/runbook.md',
    (name, rule) => {
      // GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes.
      const anchors = [
        ...readFileSync(`${root}docs/runbook.md`, 'utf8').matchAll(/^#+ (.+)$/gm),
      ].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      );
      expect(rule.annotations['runbook_url']).toBe(`docs/runbook.md#${name.toLowerCase()}`);
      expect(anchors).toContain(name.toLowerCase());
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
