/** Waits before each restart attempt in a row: the last one repeats until a start succeeds. */
export const RESTART_DELAYS_MS: readonly number[] = [1_000, 2_000, 5_000, 10_000, 30_000];

export interface Restarter {
  /** Restarts after the next delay, unless one is already pending or the consumer stopped. */
  schedule(): void;
  /** A start succeeded (the group was joined): the next crash starts the delays over. */
  joined(): void;
  /** Drops a pending restart (the consumer stops). */
  cancel(): void;
}

/**
 * Restarts something that stopped for good, with growing delays, until a start succeeds or
 * `stopSignal` is aborted. An attempt that throws is reported and followed by the next one; an
 * attempt that fails later reports it by calling {@link Restarter.schedule} again.
 */
export function createRestarter(options: {
  stopSignal: AbortSignal;
  delaysMs: readonly number[];
  restart: () => Promise<void>;
  onFailed: (error: unknown) => void;
}): Restarter {
  const { stopSignal, delaysMs } = options;
  let attempt = 0;
  let pending: NodeJS.Timeout | undefined;
  const restarter: Restarter = {
    schedule() {
      if (stopSignal.aborted || pending) return;
      const delay = delaysMs[Math.min(attempt, delaysMs.length - 1)] ?? 0;
      attempt++;
      pending = setTimeout(() => {
        pending = undefined;
        if (stopSignal.aborted) return;
        options.restart().catch((error: unknown) => {
          if (stopSignal.aborted) return;
          options.onFailed(error);
          restarter.schedule();
        });
      }, delay);
    },
    joined() {
      attempt = 0;
    },
    cancel() {
      clearTimeout(pending);
      pending = undefined;
    },
  };
  return restarter;
}
