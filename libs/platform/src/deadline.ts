import { AsyncLocalStorage } from 'node:async_hooks';

const deadlines = new AsyncLocalStorage<AbortSignal>();

/** A signal that follows others (and a timer), until it is disposed. */
export interface LinkedSignal {
  signal: AbortSignal;
  /** Whether it aborted because its own timer ran out (not because a source aborted). */
  timedOut(): boolean;
  /** Stops following the sources and clears the timer; call once the work is over. */
  dispose(): void;
}

/**
 * A signal that aborts when any of `sources` does (with its reason), or after `timeoutMs` (a
 * `TimeoutError`), whichever comes first. Unlike `AbortSignal.any` and `AbortSignal.timeout`, it
 * holds nothing once disposed: on Node 20 every `AbortSignal.any` over a long-lived signal (a
 * service's stop signal, a lane's drain) stays in that signal's set of dependants for good, about
 * 70 bytes a call, and a vendor call makes several.
 */
export function linkSignals(
  sources: readonly (AbortSignal | undefined)[],
  timeoutMs?: number,
): LinkedSignal {
  const controller = new AbortController();
  const followed: { source: AbortSignal; onAbort: () => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const dispose = () => {
    for (const { source, onAbort } of followed) source.removeEventListener('abort', onAbort);
    followed.length = 0;
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const abort = (reason: unknown) => {
    if (controller.signal.aborted) return;
    dispose();
    controller.abort(reason);
  };
  for (const source of sources) {
    if (!source) continue;
    if (source.aborted) {
      abort(source.reason);
      break;
    }
    const onAbort = () => abort(source.reason);
    source.addEventListener('abort', onAbort, { once: true });
    followed.push({ source, onAbort });
  }
  if (timeoutMs !== undefined && !controller.signal.aborted) {
    timer = setTimeout(() => {
      timedOut = true;
      abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }, timeoutMs);
    timer.unref();
  }
  return { signal: controller.signal, timedOut: () => timedOut, dispose };
}

/**
 * Runs `work` under a deadline that every vendor call made inside it honours, however deep:
 * the Mirakl and ShipBob transports add it to each request, to their retry waits and to their
 * rate-limit waits. Once `signal` aborts, the call in flight is abandoned and no new one starts.
 * Used where one piece of work must not hold a shared resource (a Kafka partition) for long.
 */
export async function runWithDeadline<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const outer = deadlines.getStore();
  if (!outer) return deadlines.run(signal, work);
  const linked = linkSignals([outer, signal]);
  try {
    return await deadlines.run(linked.signal, work);
  } finally {
    linked.dispose();
  }
}

/**
 * Runs `work` with its own `signal` combined with the deadline of the surrounding
 * {@link runWithDeadline} (either may be absent: then `undefined`); the combination is undone
 * when `work` settles.
 */
export async function withDeadline<T>(
  signal: AbortSignal | undefined,
  work: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const deadline = deadlines.getStore();
  if (!deadline || !signal) return work(signal ?? deadline);
  const linked = linkSignals([signal, deadline]);
  try {
    return await work(linked.signal);
  } finally {
    linked.dispose();
  }
}
