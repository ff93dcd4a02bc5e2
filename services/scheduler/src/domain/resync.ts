import type { ExternalSystem } from '@msync/events';
import { desiredPollJobs } from './desired-jobs.js';
import { isConnected, type StoreSchedule } from './store-schedule.js';
import type { FlowToggle } from './streams.js';

/** A flow the applier gates, and the stream whose facts a resync re-reads for it (ADR 0055). */
export interface ResyncedFlow {
  flow: FlowToggle;
  stream: string;
  system: ExternalSystem;
  /** The applier acts for the flow only once ShipBob is configured (its gate). */
  needsShipBob: boolean;
}

/**
 * The flows whose facts the applier skips while the store is disconnected or the flow is off,
 * and which lose something when it does: an order not accepted is refused by the marketplace, a
 * label not sent leaves the order unshipped there.
 */
export const RESYNCED_FLOWS: readonly ResyncedFlow[] = [
  { flow: 'orders', stream: 'orders', system: 'MIRAKL', needsShipBob: true },
  { flow: 'tracking', stream: 'shipments', system: 'SHIPBOB', needsShipBob: false },
  // Quantities pushed before the flow stopped may be stale on the marketplace: push them all again.
  { flow: 'inventory', stream: 'inventory', system: 'SHIPBOB', needsShipBob: true },
];

/** One resync to request: re-read a stream of the store for what is still actionable. */
export interface ResyncRequest {
  stream: string;
  system: ExternalSystem;
}

/** Whether the applier acts for the flow under this configuration (its gate, as it decides it). */
export function flowActs(store: StoreSchedule, spec: ResyncedFlow): boolean {
  return (
    isConnected(store) &&
    store.toggles[spec.flow] &&
    (!spec.needsShipBob || store.shipbobConfigured)
  );
}

/**
 * The resyncs a new configuration version calls for: one per flow the applier did not act for
 * under the previous version and acts for now (store connected again, flow switched back on,
 * ShipBob configured at last), provided its stream was ever polled for the store (otherwise no
 * fact of it can have been skipped) and is polled now. A first version, the same version again
 * (a redelivery) or an older one calls for none.
 */
export function resyncsFor(
  previous: StoreSchedule | null,
  next: StoreSchedule,
  flows: readonly ResyncedFlow[] = RESYNCED_FLOWS,
): ResyncRequest[] {
  if (!previous || previous.version >= next.version) return [];
  const polledNow = new Set(desiredPollJobs(next).map((job) => job.stream));
  const requests = new Map<string, ResyncRequest>();
  for (const spec of flows) {
    if (flowActs(previous, spec) || !flowActs(next, spec)) continue;
    if (!polledNow.has(spec.stream) || !wasPolled(previous, spec.stream)) continue;
    requests.set(spec.stream, { stream: spec.stream, system: spec.system });
  }
  return [...requests.values()];
}

/**
 * The streams polled for the store under `next` or any version before it, as the record of
 * `next` keeps them (sorted).
 */
export function polledStreamsAfter(previous: StoreSchedule | null, next: StoreSchedule): string[] {
  const streams = new Set([
    ...(previous?.polledStreams ?? []),
    ...(previous ? desiredPollJobs(previous).map((job) => job.stream) : []),
    ...desiredPollJobs(next).map((job) => job.stream),
  ]);
  return [...streams].sort();
}

/** A record kept before the scheduler kept `polledStreams` may have been polled: assume it was. */
function wasPolled(store: StoreSchedule, stream: string): boolean {
  return store.polledStreams === undefined || store.polledStreams.includes(stream);
}
