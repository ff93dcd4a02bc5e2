import type { Registry } from '@msync/platform';
import { counted, eventually } from '@msync/test-support';

export { counted };

/** Waits until `poll_requests_total` counts exactly `times` requests with this outcome. */
export function untilOutcome(
  registry: Registry,
  outcome: string,
  times: number,
  what: string,
  timeoutMs?: number,
): Promise<void> {
  return eventually(
    async () => (await counted(registry, 'poll_requests_total', { outcome })) === times,
    what,
    timeoutMs,
  );
}
