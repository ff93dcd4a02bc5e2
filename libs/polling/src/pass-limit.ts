/**
 * At most `limit` of a process's catalog-sized pass phases at once (ADR 0094): the part of a pass
 * that holds a store's whole catalog in memory (10,000 SKUs: tens of MB of parsed items, facts
 * and encoded records) waits for a slot, so a process's peak memory grows with `limit`, not with
 * the number of stores polled at once. Waiters are served in arrival order.
 */
export interface PassLimit {
  run<T>(phase: () => Promise<T>): Promise<T>;
  /** Phases running now and phases waiting for a slot (for tests and logs). */
  readonly running: number;
  readonly waiting: number;
}

export function createPassLimit(limit: number): PassLimit {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`pass limit must be ≥ 1: ${limit}`);
  let running = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else running--;
  };
  return {
    async run(phase) {
      if (running < limit) running++;
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        return await phase();
      } finally {
        release();
      }
    },
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
  };
}

/** Runs a phase for one key at a time in this process (kept in @msync/platform). */
export { createKeyedMutex } from '@msync/platform';
