import { AsyncLocalStorage } from 'node:async_hooks';

const deadlines = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `work` under a deadline that every vendor call made inside it honours, however deep:
 * the Mirakl and ShipBob transports add it to each request, to their retry waits and to their
 * rate-limit waits. Once `signal` aborts, the call in flight is abandoned and no new one starts.
 * Used where one piece of work must not hold a shared resource (a Kafka partition) for long.
 */
export function runWithDeadline<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const outer = deadlines.getStore();
  return deadlines.run(outer ? AbortSignal.any([outer, signal]) : signal, work);
}

/** A call's own signal combined with the deadline of the surrounding {@link runWithDeadline}. */
export function withDeadline(signal?: AbortSignal): AbortSignal | undefined {
  const deadline = deadlines.getStore();
  if (!deadline) return signal;
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}
