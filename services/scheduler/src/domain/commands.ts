/**
 * Idempotency key of one scheduled poll: the same store, stream and scheduled run time always
 * give the same key, so a poller can drop a command it already served.
 */
export function pollIdempotencyKey(storeId: string, stream: string, scheduledFor: Date): string {
  return `scheduler:${storeId}:${stream}:${scheduledFor.toISOString()}`;
}

/**
 * Idempotency key of the resync a configuration version asked for: the same version delivered
 * again gives the same key.
 */
export function resyncIdempotencyKey(storeId: string, stream: string, version: number): string {
  return `scheduler:${storeId}:${stream}:resync:v${version}`;
}

/** Idempotency key of one store's daily report: the reporter sends once per store and day. */
export function reportIdempotencyKey(storeId: string, reportDate: string): string {
  return `scheduler:${storeId}:report:${reportDate}`;
}

/**
 * When a recurring poll runs next after its interval changed: one new interval after its last
 * run, or now when that moment has passed or it never ran.
 */
export function nextRunAfterIntervalChange(
  lastRunAt: Date | null,
  intervalMs: number,
  now: Date,
): Date {
  if (!lastRunAt) return now;
  return new Date(Math.max(now.getTime(), lastRunAt.getTime() + intervalMs));
}
