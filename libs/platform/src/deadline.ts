import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';

/** The deadline of the work under way, and how to stop its clock while the work waits in-process. */
interface Deadline {
  signal: AbortSignal;
  hold?: () => () => void;
}

const deadlines = new AsyncLocalStorage<Deadline>();

/**
 * The controller of a long-lived signal (a service's or a consumer's stop) that any number of
 * pieces of work under way follow at once ({@link linkSignals}, `sleep`): Node warns of a leak
 * past 10 listeners on one signal, and each of them is removed when its work ends.
 */
export function createStopController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** A signal that follows others (and a timer), until it is disposed. */
export interface LinkedSignal {
  signal: AbortSignal;
  /** Whether it aborted because its own timer ran out (not because a source aborted). */
  timedOut(): boolean;
  /**
   * Stops the timer until the returned function is called: the time in between does not count
   * (holds may overlap; the timer runs again once none is left). Nothing without a timer.
   */
  hold: () => () => void;
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
  let disposed = false;
  /** The timer's time left when it was last started, and when that was. */
  let remainingMs = timeoutMs ?? 0;
  let startedAt = 0;
  let holds = 0;
  const dispose = () => {
    disposed = true;
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
  const start = () => {
    startedAt = Date.now();
    timer = setTimeout(
      () => {
        timedOut = true;
        abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
      },
      Math.max(0, remainingMs),
    );
    timer.unref();
  };
  if (timeoutMs !== undefined && !controller.signal.aborted) start();
  const hold = () => {
    if (timeoutMs === undefined || disposed || controller.signal.aborted) return () => {};
    if (holds++ === 0 && timer) {
      clearTimeout(timer);
      timer = undefined;
      remainingMs -= Date.now() - startedAt;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--holds === 0 && !disposed && !controller.signal.aborted) start();
    };
  };
  return { signal: controller.signal, timedOut: () => timedOut, hold, dispose };
}

/**
 * Runs `work` under a deadline that every vendor call made inside it honours, however deep:
 * the Mirakl and ShipBob transports add it to each request, to their retry waits and to their
 * rate-limit waits. Once `signal` aborts, the call in flight is abandoned and no new one starts.
 * Used where one piece of work must not hold a shared resource (a Kafka partition) for long.
 */
export async function runWithDeadline<T>(
  signal: AbortSignal,
  work: () => Promise<T>,
  options: { hold?: () => () => void } = {},
): Promise<T> {
  const outer = deadlines.getStore();
  if (!outer) return deadlines.run({ signal, ...options }, work);
  const linked = linkSignals([outer.signal, signal]);
  // Holding the inner deadline holds the outer one too: the wait counts for neither.
  const hold = () => {
    const releases = [outer.hold?.(), options.hold?.()];
    return () => releases.forEach((release) => release?.());
  };
  try {
    return await deadlines.run({ signal: linked.signal, hold }, work);
  } finally {
    linked.dispose();
  }
}

/**
 * {@link runWithDeadline} for a signal that many pieces of work run under one after another (a
 * consumer's stop, each message's handler): the deadline is made once, and a run outside any
 * other deadline only enters it, on the consumer's hot path.
 */
export function deadlineScope(signal: AbortSignal): <T>(work: () => Promise<T>) => Promise<T> {
  const deadline: Deadline = { signal };
  return (work) =>
    deadlines.getStore() ? runWithDeadline(signal, work) : deadlines.run(deadline, work);
}

/**
 * Runs `work`, a wait for something of this process (a slot, a lock), with the clock of the
 * surrounding deadline stopped: the deadline bounds vendor calls, and a wait in the process is
 * none. A deadline run without a `hold` (a plain signal) keeps running.
 */
export async function outsideDeadline<T>(work: () => Promise<T>): Promise<T> {
  const release = deadlines.getStore()?.hold?.();
  try {
    return await work();
  } finally {
    release?.();
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
  const deadline = deadlines.getStore()?.signal;
  if (!deadline || !signal) return work(signal ?? deadline);
  const linked = linkSignals([signal, deadline]);
  try {
    return await work(linked.signal);
  } finally {
    linked.dispose();
  }
}
