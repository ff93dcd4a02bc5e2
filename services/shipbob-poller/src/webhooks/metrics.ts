import { Counter, Histogram, type Registry } from '@msync/platform';

/** How a delivery was answered (the `outcome` label). */
export type WebhookOutcome =
  | 'accepted'
  | 'poll-requested'
  | 'ignored'
  | 'duplicate'
  | 'in-progress'
  | 'store-not-connected'
  | 'missing-headers'
  | 'stale-timestamp'
  | 'bad-signature'
  | 'unknown-store'
  | 'malformed'
  | 'oversized'
  | 'failed';

export interface WebhookMetrics {
  received: Counter<'topic' | 'outcome'>;
  facts: Counter<'type'>;
  duration: Histogram<'outcome'>;
}

/** Registers the receiver's metrics on the service's registry. */
export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  const registers = [registry];
  return {
    received: new Counter({
      name: 'shipbob_webhooks_received_total',
      help: 'ShipBob webhook deliveries by topic and answer (accepted, poll-requested, ignored, duplicate, in-progress, store-not-connected; refused: missing-headers, stale-timestamp, bad-signature, unknown-store, malformed, oversized; failed)',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
    facts: new Counter({
      name: 'shipbob_webhook_facts_emitted_total',
      help: 'Facts published from webhooks, i.e. seen by a webhook before any poll (poll_facts_emitted_total counts the ones only polling found)',
      labelNames: ['type'],
      registers,
    }),
    duration: new Histogram({
      name: 'shipbob_webhook_duration_seconds',
      help: 'From the request to the answer, by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}
