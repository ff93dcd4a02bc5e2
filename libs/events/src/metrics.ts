import { Counter, Gauge, Histogram, type Registry } from '@msync/platform';

/** A consumer whose lag the registry reports: per topic, over the partitions it is assigned. */
export interface LagSource {
  groupId: string;
  byTopic(): ReadonlyMap<string, number>;
}

export interface EventMetrics {
  published: Counter<'topic'>;
  consumed: Counter<'topic' | 'outcome'>;
  deadLettered: Counter<'topic' | 'reason'>;
  retries: Counter<'topic' | 'reason'>;
  setAside: Counter<'topic' | 'reason'>;
  commits: Counter<'trigger' | 'outcome'>;
  crashes: Counter<'restarted_by'>;
  committedMessages: Counter;
  waited: Histogram<'topic'>;
  handled: Histogram<'topic'>;
  lag: Gauge<'group' | 'topic'>;
  /** Consumers reporting their lag; add at start, delete at stop. */
  lagSources: Set<LagSource>;
}

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];

const byRegistry = new WeakMap<Registry, EventMetrics>();

/** Event metrics registered once per Prometheus registry. */
export function eventMetrics(registry: Registry): EventMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    const registers = [registry];
    const lagSources = new Set<LagSource>();
    metrics = {
      published: new Counter({
        name: 'events_published_total',
        help: 'Events published',
        labelNames: ['topic'],
        registers,
      }),
      consumed: new Counter({
        name: 'events_consumed_total',
        help: 'Messages consumed, by outcome (handled, dead-lettered, set-aside)',
        labelNames: ['topic', 'outcome'],
        registers,
      }),
      deadLettered: new Counter({
        name: 'events_dead_lettered_total',
        help: 'Messages sent to a DLQ, by reason',
        labelNames: ['topic', 'reason'],
        registers,
      }),
      retries: new Counter({
        name: 'event_handler_retries_total',
        help: 'Handler attempts that failed with a retriable error',
        labelNames: ['topic', 'reason'],
        registers,
      }),
      setAside: new Counter({
        name: 'events_set_aside_total',
        help: 'Messages durably set aside for a retrier, by reason (behind-set-aside: queued behind an earlier one of the same key)',
        labelNames: ['topic', 'reason'],
        registers,
      }),
      commits: new Counter({
        name: 'event_offset_commits_total',
        help: 'Offset commits, by trigger (interval, count, revoke, shutdown) and outcome (ok, failed)',
        labelNames: ['trigger', 'outcome'],
        registers,
      }),
      crashes: new Counter({
        name: 'events_consumer_crashes_total',
        help: 'Consumer crashes, by who restarted it: the client (kafkajs, after an error it retries) or the consumer itself (after one kafkajs gives up on, e.g. "Failed to find group coordinator" while the broker restarts)',
        labelNames: ['restarted_by'],
        registers,
      }),
      committedMessages: new Counter({
        name: 'event_committed_messages_total',
        help: 'Finished messages covered by successful offset commits',
        registers,
      }),
      waited: new Histogram({
        name: 'events_consumer_wait_seconds',
        help: "From a message's append to its topic (its timestamp) to its handling starting: the time it spent in the backbone and behind other messages in the consumer",
        labelNames: ['topic'],
        buckets: LATENCY_BUCKETS,
        registers,
      }),
      handled: new Histogram({
        name: 'events_handle_duration_seconds',
        help: "A message's first handling attempt, from its start to its effect done or its failure",
        labelNames: ['topic'],
        buckets: LATENCY_BUCKETS,
        registers,
      }),
      lag: new Gauge({
        name: 'events_consumer_lag',
        help: 'Messages behind the log end on the partitions assigned to this consumer, summed per topic',
        labelNames: ['group', 'topic'],
        registers,
        // Computed when scraped from what the consumers know; no broker call here.
        collect() {
          this.reset();
          for (const source of lagSources)
            for (const [topic, lag] of source.byTopic())
              this.inc({ group: source.groupId, topic }, lag);
        },
      }),
      lagSources,
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
