/** The lane of a message: its key as text; messages without a key share the lane ''. */
export const laneOf = (key: Buffer | null | undefined): string => (key ? key.toString('utf8') : '');

/** One key's items of a partition, in the order they came (all of them in one-lane mode). */
export interface Lane<T> {
  readonly key: string;
  readonly items: T[];
  /** Index of the next item to handle. */
  next: number;
}

/** A lane drops its handled items once this many are behind it. */
const COMPACT_AFTER = 1_024;

/**
 * A partition's items split into lanes that may be handled at the same time: one lane per key,
 * each in arrival order, lanes waiting in the order of their first item. With `byKey` false every
 * item goes to one lane, handled in arrival order. Items that come while their lane runs join
 * it; a lane is forgotten once it ran dry, and its key's next item opens a new one.
 */
export class KeyLanes<T> {
  private readonly open = new Map<string, Lane<T>>();
  private readonly waiting: Lane<T>[] = [];

  constructor(private readonly byKey: boolean) {}

  /** Adds an item to its key's lane (opening a waiting lane when the key has none). */
  add(key: string, item: T): void {
    const laneKey = this.byKey ? key : '';
    let lane = this.open.get(laneKey);
    if (!lane) {
      lane = { key: laneKey, items: [], next: 0 };
      this.open.set(laneKey, lane);
      this.waiting.push(lane);
    }
    lane.items.push(item);
  }

  /** The lane waiting longest, now taken to run; undefined when none waits. */
  take(): Lane<T> | undefined {
    return this.waiting.shift();
  }

  /** The running lane's next item, or undefined once it ran dry (the lane is then closed). */
  peek(lane: Lane<T>): T | undefined {
    if (lane.next < lane.items.length) return lane.items[lane.next];
    if (this.open.get(lane.key) === lane) this.open.delete(lane.key);
    return undefined;
  }

  /** Marks the lane's next `count` items handled. */
  advance(lane: Lane<T>, count = 1): void {
    lane.next += count;
    if (lane.next >= COMPACT_AFTER && lane.next * 2 >= lane.items.length) {
      lane.items.splice(0, lane.next);
      lane.next = 0;
    }
  }
}
