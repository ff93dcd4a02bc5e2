import { Counter, Gauge, type Registry } from '@msync/platform';

export interface ConfigApiMetrics {
  requests: Counter<'operation' | 'status'>;
  relayFailures: Counter;
  /** Completed relay passes (each looks at every pending store once): shows the loop is alive. */
  relayPasses: Counter;
  /** Stores whose latest version (or first poll) is not yet on Kafka: alert when it stays > 0. */
  unpublished: Gauge;
  /** Activity entries added, by the outcome's flow and outcome (open strings, as recorded). */
  activityEntries: Counter<'flow' | 'outcome'>;
  /** Events the activity projection handled, by topic and result (projected, duplicate, …). */
  activityEvents: Counter<'topic' | 'result'>;
  activityPruned: Counter<'kind'>;
  activityPruneFailures: Counter;
  /** Per store: age of the oldest order seen and neither accepted nor canceled (alert on it). */
  oldestAwaitingAcceptance: Gauge<'store_id'>;
  /** Where the gauge reads its ages on each scrape; null keeps the last values. */
  measureWaitingWith(source: () => Promise<Map<string, number> | null>): void;
  /** Webhook subscriptions created or removed at ShipBob (ADR 0064). */
  webhookChanges: Counter<'action'>;
  /** Subscription checks by result (ok, failed, busy). */
  webhookChecks: Counter<'result'>;
}

/** config-api's metrics on the service registry (or a private one in tests). */
export function configApiMetrics(registry: Registry): ConfigApiMetrics {
  const registers = [registry];
  let waitingAges: () => Promise<Map<string, number> | null> = () => Promise.resolve(null);
  return {
    requests: new Counter({
      name: 'config_api_requests_total',
      help: 'API requests by operation and status',
      labelNames: ['operation', 'status'],
      registers,
    }),
    webhookChanges: new Counter({
      name: 'config_api_webhook_subscription_changes_total',
      help: 'ShipBob webhook subscriptions created or removed, by action (created, removed)',
      labelNames: ['action'],
      registers,
    }),
    webhookChecks: new Counter({
      name: 'config_api_webhook_checks_total',
      help: 'Checks of a store webhook subscription against ShipBob, by result (ok, failed, busy)',
      labelNames: ['result'],
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
    activityEntries: new Counter({
      name: 'config_api_activity_entries_total',
      help: 'Activity entries added from sync outcomes, by flow and outcome',
      labelNames: ['flow', 'outcome'],
      registers,
    }),
    activityEvents: new Counter({
      name: 'config_api_activity_events_total',
      help: 'Events read by the activity projection, by topic and result',
      labelNames: ['topic', 'result'],
      registers,
    }),
    activityPruned: new Counter({
      name: 'config_api_activity_pruned_total',
      help: 'Activity entries and order timelines deleted past the retention',
      labelNames: ['kind'],
      registers,
    }),
    activityPruneFailures: new Counter({
      name: 'config_api_activity_prune_failures_total',
      help: 'Activity prune passes that failed (tried again at the next interval)',
      registers,
    }),
    oldestAwaitingAcceptance: new Gauge({
      name: 'config_api_oldest_awaiting_acceptance_seconds',
      help: 'Per store, seconds since the oldest order still waiting for acceptance was created',
      labelNames: ['store_id'],
      registers,
      async collect() {
        const ages = await waitingAges();
        if (ages === null) return;
        this.reset();
        for (const [storeId, seconds] of ages) this.set({ store_id: storeId }, seconds);
      },
    }),
    measureWaitingWith: (source) => {
      waitingAges = source;
    },
  };
}
