/**
 * The Grafana dashboard (deploy/grafana/msync-dashboard.json) cannot drift from the code: every
 * PromQL expression selects only series the code exports, groups and matches only on labels
 * they carry, and the subjects operators look at are all there.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { withContext } from '@msync/test-support';
import { declaredLabels, labelsOf, metricsOf, registeredMetrics } from './promql.js';
import { root } from './schemas.js';

interface Target {
  refId: string;
  expr: string;
  datasource?: { uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

export const DASHBOARD = 'deploy/grafana/msync-dashboard.json';
const dashboard = JSON.parse(readFileSync(`${root}${DASHBOARD}`, 'utf8')) as Dashboard;
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const graphs = panels.filter((p) => p.type !== 'row');
const targets = graphs.flatMap((p) => (p.targets ?? []).map((t) => [p.title, t] as const));

/** Series the dashboard shows before the code that exports them lands (each goes once it does). */
const ANNOUNCED = new Set<string>([]);

/** The metric of a `label_values(metric, label)` variable query. */
const variableMetric = (query: string): string | undefined =>
  /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,/.exec(query)?.[1];

describe(`Grafana dashboard (${DASHBOARD})`, () => {
  let registered: Set<string>;
  const labels = declaredLabels();
  beforeAll(async () => {
    registered = await registeredMetrics();
  });

  it('reads a histogram’s buckets and Node’s defaults as exported, a misspelled name not', () => {
    expect(registered.has('sync_applier_effect_latency_seconds_bucket')).toBe(true);
    expect(registered.has('sync_applier_effect_latency_seconds')).toBe(false);
    expect(registered.has('process_resident_memory_bytes')).toBe(true);
    expect(registered.has('sync_applier_outcome_total')).toBe(false);
    expect(labels.get('config_api_oldest_awaiting_acceptance_seconds')?.has('store_id')).toBe(true);
    expect(labels.get('config_api_oldest_awaiting_acceptance_seconds')?.has('store')).toBe(false);
    expect(
      labelsOf('sum by (flow, outcome) (rate(x{outcome!="ok", service=~"$service"}[5m]))'),
    ).toEqual(['flow', 'outcome', 'service']);
  });

  it('has panels with queries', () => {
    expect(graphs.length).toBeGreaterThan(10);
    expect(targets.length).toBeGreaterThanOrEqual(graphs.length);
  });

  it.each(targets.map(([title, t]) => [`${title} ${t.refId}`, t] as const))(
    '%s: selects only exported series, by labels they carry',
    (_name, target) => {
      const metrics = metricsOf(target.expr);
      expect(metrics.length).toBeGreaterThan(0);
      for (const metric of metrics)
        withContext(`${metric} in ${target.expr}`, () =>
          expect(registered.has(metric) || ANNOUNCED.has(metric)).toBe(true),
        );
      // Labels are checked against the metrics the sources declare (not Node's defaults).
      const known = metrics.filter((m) => labels.has(m));
      if (known.length === metrics.length) {
        const allowed = new Set(known.flatMap((m) => [...labels.get(m)!]));
        for (const label of labelsOf(target.expr))
          withContext(`label ${label} in ${target.expr}`, () =>
            expect(allowed.has(label)).toBe(true),
          );
      }
    },
  );

  it('variables query only exported series', () => {
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
      withContext(variable.name, () =>
        expect(registered.has(variableMetric(query) ?? '')).toBe(true),
      );
    }
  });

  it('shows what operators look at: outcomes, latency, lag, waiting orders, DLQ, vendors, webhooks, reports', () => {
    const shown = new Set(targets.flatMap(([, t]) => metricsOf(t.expr)));
    for (const metric of [
      'sync_applier_outcomes_total',
      'sync_applier_effect_latency_seconds_bucket',
      'events_consumer_lag',
      'config_api_oldest_awaiting_acceptance_seconds',
      'events_dead_lettered_total',
      'sync_applier_vendor_calls_total',
      'shipbob_webhooks_received_total',
      'reporter_reports_total',
      'reporter_send_attempts_total',
      'service_ready',
    ])
      withContext(metric, () => expect(shown.has(metric)).toBe(true));
  });

  it('every panel has a unique id, a description, the dashboard’s data source, and fits the grid', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of graphs)
      withContext(panel.title, () => {
        expect(panel.description).toBeTruthy();
        expect(panel.datasource?.uid).toBe('${datasource}');
        expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
        const refIds = (panel.targets ?? []).map((t) => t.refId);
        expect(new Set(refIds).size).toBe(refIds.length);
      });
  });

  it('lists as announced only series no code exports yet', () => {
    expect([...ANNOUNCED].filter((m) => registered.has(m))).toEqual([]);
  });
});
