import { Counter, Gauge, type Registry } from '@msync/platform';

export interface ConfigApiMetrics {
  requests: Counter<'operation' | 'status'>;
  relayFailures: Counter;
  /** Completed relay passes (each looks at every pending store once): shows the loop is alive. */
  relayPasses: Counter;
  /** Stores whose latest version (or first poll) is not yet on Kafka: alert when it stays > 0. */
  unpublished: Gauge;
}

/** config-api's metrics on the service registry (or a private one in tests). */
export function configApiMetrics(registry: Registry): ConfigApiMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'config_api_requests_total',
      help: 'API requests by operation and status',
      labelNames: ['operation', 'status'],
      registers,
    }),
    relayFailures: new Counter({
      name: 'config_api_relay_failures_total',
      help: 'Store changes whose publication failed (retried)',
      registers,
    }),
    relayPasses: new Counter({
      name: 'config_api_relay_passes_total',
      help: 'Completed relay passes over the stores with unpublished changes',
      registers,
    }),
    unpublished: new Gauge({
      name: 'config_api_unpublished_stores',
      help: 'Stores with a change not yet published, after the last relay run',
      registers,
    }),
  };
}
