import type { ExternalSystem } from '@msync/events';
import { POLLED_STREAMS, type StreamSpec } from './streams.js';
import { isConnected, type StoreSchedule } from './store-schedule.js';

export const DEFAULT_POLL_INTERVAL_MINUTES = 15;
/** Mirakl's call contract (OR11, STO01): at most once a minute. */
export const MIN_POLL_INTERVAL_MINUTES = 1;

/** One recurring poll a store should have. */
export interface DesiredPollJob {
  stream: string;
  system: ExternalSystem;
  intervalMinutes: number;
}

/**
 * The store's poll interval in whole minutes: a missing or invalid value (below the minimum,
 * fractional) falls back to the default rather than polling faster than allowed.
 */
export function pollIntervalMinutes(configured: number): number {
  return Number.isInteger(configured) && configured >= MIN_POLL_INTERVAL_MINUTES
    ? configured
    : DEFAULT_POLL_INTERVAL_MINUTES;
}

/**
 * Every recurring poll a store should have, in stream-table order: none unless it is connected;
 * otherwise each stream whose flows are on, whose requirements hold and that no other flow
 * replaces, at the store's interval (or the stream's own fixed one).
 */
export function desiredPollJobs(
  store: StoreSchedule,
  streams: readonly StreamSpec[] = POLLED_STREAMS,
): DesiredPollJob[] {
  if (!isConnected(store)) return [];
  const intervalMinutes = pollIntervalMinutes(store.pollIntervalMinutes);
  return streams
    .filter(
      (spec) =>
        spec.enabledBy.some((flow) => store.toggles[flow]) &&
        spec.requires.every((requirement) => store[requirement]) &&
        !(spec.unlessEnabled ?? []).some((flow) => store.toggles[flow]),
    )
    .map((spec) => ({
      stream: spec.stream,
      system: spec.system,
      intervalMinutes: spec.everyMinutes ?? intervalMinutes,
    }));
}

/** Whether the store wants daily report requests: connected, with somewhere to send them. */
export function wantsDailyReport(store: StoreSchedule): boolean {
  return isConnected(store) && store.reportEmail !== null && store.reportEmail.trim() !== '';
}
