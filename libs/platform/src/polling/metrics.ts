import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The metrics every poller reports (names shared, so one dashboard serves both). */
export interface PollMetrics {
  polls: Counter<'stream' | 'outcome'>;
  itemsSeen: Counter<'stream'>;
  /** Items read that the seen-set's digest told unchanged: neither read from it nor decided. */
  itemsUnchanged: Counter<'stream'>;
  factsEmitted: Counter<'type'>;
  pollDuration: Histogram<'stream'>;
  cursorLag: Gauge<'store' | 'stream'>;
  gateWaits: Counter<'operation'>;
}

/** Registers the poll metrics on a service's registry. */
export function createPollMetrics(registry: Registry): PollMetrics {
  const registers = [registry];
  return {
    polls: new Counter({
      name: 'poll_requests_total',
      help: 'Poll requests by stream and outcome (completed, coalesced, deferred, busy, failed, store-not-connected, unsupported-stream, not-configured)',
      labelNames: ['stream', 'outcome'],
      registers,
    }),
    itemsSeen: new Counter({
      name: 'poll_items_seen_total',
      help: 'Items (orders) read from the vendor, overlap included',
      labelNames: ['stream'],
      registers,
    }),
    itemsUnchanged: new Counter({
      name: 'poll_items_unchanged_total',
      help: "Items read that the seen-set's digest told unchanged, so neither read from the seen-set nor decided (ADR 0178)",
      labelNames: ['stream'],
      registers,
    }),
    factsEmitted: new Counter({
      name: 'poll_facts_emitted_total',
      help: 'Facts published, by event type',
      labelNames: ['type'],
      registers,
    }),
    pollDuration: new Histogram({
      name: 'poll_duration_seconds',
      help: 'Duration of poll passes that called the vendor',
      labelNames: ['stream'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    cursorLag: new Gauge({
      name: 'poll_cursor_lag_seconds',
      help: 'Now minus the store cursor (the newest change seen) after the last pass',
      labelNames: ['store', 'stream'],
      registers,
    }),
    gateWaits: new Counter({
      name: 'poll_gate_waits_total',
      help: 'Polls deferred because the shared call gate said too early',
      labelNames: ['operation'],
      registers,
    }),
  };
}
