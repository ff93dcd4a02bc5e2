import type { Registry } from '@msync/platform';
import { eventually } from '@msync/test-support';

/** Counter value of a poll metric with these labels (0 when never incremented). */
export async function counted(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

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
