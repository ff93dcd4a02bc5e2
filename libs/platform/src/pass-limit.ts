/**
 * The catalog size one slot stands for: a phase of that many items or more takes a whole slot,
 * a smaller one its share (ADR 0114).
 */
export const PASS_SLOT_ITEMS = 10_000;

/**
 * At most `limit` of a process's catalog-sized pass phases at once (ADR 0094): the part of a pass
 * that holds a store's whole catalog in memory (10,000 SKUs: tens of MB of parsed items, facts
 * and encoded records) waits for a slot, so a process's peak memory grows with `limit`, not with
 * the number of stores polled at once. A phase that says how many items it holds takes its share
 * of a slot ({@link PASS_SLOT_ITEMS}), so many small catalogs run side by side within the memory of
 * `limit` large ones (ADR 0114). Waiters are served in arrival order.
 */
export interface PassLimit {
  /** Runs the phase in a slot, or in its share of one when `items` is given. */
  run<T>(phase: () => Promise<T>, items?: number): Promise<T>;
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
  const capacity = limit * PASS_SLOT_ITEMS;
  let used = 0;
  let running = 0;
  const queue: { weight: number; start: () => void }[] = [];
  /** Starts the waiters at the head of the queue that fit; a later one never passes the head. */
  const admit = () => {
    while (queue.length > 0 && used + queue[0]!.weight <= capacity) {
      const next = queue.shift()!;
      used += next.weight;
      running++;
      next.start();
    }
  };
  const release = (weight: number) => {
    used -= weight;
    running--;
    admit();
  };
  /** Queues the phase and starts it at once when it is first in line and fits. */
  const acquire = (weight: number): Promise<void> =>
    new Promise<void>((start) => {
      queue.push({ weight, start });
      admit();
    });
  const weightOf = (items: number | undefined) =>
    items === undefined
      ? PASS_SLOT_ITEMS
      : Math.min(PASS_SLOT_ITEMS, Math.max(1, Math.ceil(items)));
  return {
    hold() {
      let taken: Promise<void> | undefined;
      let released = false;
      return {
        take: () => {
          if (released) return Promise.reject(new Error('slot taken after its release'));
          taken ??= acquire(PASS_SLOT_ITEMS);
          return taken;
        },
        release: () => {
          if (released) return;
          released = true;
          // Released once taken, also when the pass ends while it waits for the slot.
          if (taken) void taken.then(() => release(PASS_SLOT_ITEMS));
        },
      };
    },
    async run(phase, items) {
      const weight = weightOf(items);
      await acquire(weight);
      try {
        return await phase();
      } finally {
        release(weight);
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
