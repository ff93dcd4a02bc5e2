import { Registry, collectDefaultMetrics, Counter, Histogram, Gauge } from 'prom-client';

export { Counter, Histogram, Gauge, Registry };

/** A Prometheus registry labelled with the service name, with Node's default metrics. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  registry.registerMetric(vendorRequests);
  return registry;
}

/**
 * Every request a vendor client sent, in any service of the product: counted by the clients
 * themselves (`@msync/mirakl`, `@msync/shipbob`) and shown by every registry made with
 * {@link createMetricsRegistry}, so the call rates can be read against the vendors' budgets
 * (ShipBob: 150 a minute per token; Mirakl: a frequency per shop and operation).
 * `account`: the ShipBob token's store, or the Mirakl shop (`<host>/<shop id>`); `status`: the
 * HTTP status, or `timeout` / `connection` when none came.
 */
export const vendorRequests = new Counter({
  name: 'vendor_requests_total',
  help: 'Requests sent to a vendor API, by system, operation, account (ShipBob store / Mirakl shop) and HTTP status.',
  labelNames: ['system', 'operation', 'account', 'status'] as const,
  registers: [],
});
