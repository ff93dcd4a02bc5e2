/**
 * At most `limit` of a process's catalog-sized pass phases at once (ADR 0094): the part of a pass
 * that holds a store's whole catalog in memory (10,000 SKUs: tens of MB of parsed items, facts
 * and encoded records) waits for a slot, so a process's peak memory grows with `limit`, not with
 * the number of stores polled at once. Waiters are served in arrival order.
 */
export interface PassLimit {
  run<T>(phase: () => Promise<T>): Promise<T>;
  /**
   * A slot to take later, once the phase that needs it begins (e.g. when an export is ready to
   * download, not while it is being prepared), and to release when the pass ends.
   */
  hold(): SlotHold;
  /** Phases running now and phases waiting for a slot (for tests and logs). */
  readonly running: number;
  readonly waiting: number;
}

/** A slot taken at most once and released at most once; a release before the take frees nothing. */
export interface SlotHold {
  /** Waits for the slot (at once when already taken). */
  take: () => Promise<void>;
  release: () => void;
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
  const acquire = async (): Promise<void> => {
    if (running < limit) running++;
    else await new Promise<void>((resolve) => queue.push(resolve));
  };
  return {
    hold() {
      let taken: Promise<void> | undefined;
      let released = false;
      return {
        take: () => {
          if (released) return Promise.reject(new Error('slot taken after its release'));
          taken ??= acquire();
          return taken;
        },
        release: () => {
          if (released) return;
          released = true;
          // Released once taken, also when the pass ends while it waits for the slot.
          if (taken) void taken.then(release);
        },
      };
    },
    async run(phase) {
      await acquire();
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
