/** What a poll request asks for: a pass started after `requestedAt`, from `since` if given. */
export interface PollDemand {
  /** When the request was made (epoch ms). */
  requestedAt: number;
  /** Backfill: read from this instant (epoch ms) instead of the stored cursor. */
  since: number | null;
  /** The request's event id, recorded as the cause of what the pass emits. */
  requestId?: string;
  /** The request's correlation id: the pass logs under it and its facts carry it. */
  correlationId?: string;
}

/** One demand that satisfies both: the later request, the earlier backfill start. */
export function mergeDemands(a: PollDemand, b: PollDemand): PollDemand {
  const since =
    a.since === null ? b.since : b.since === null ? a.since : Math.min(a.since, b.since);
  const latest = b.requestedAt >= a.requestedAt ? b : a;
  return {
    requestedAt: latest.requestedAt,
    since,
    ...(latest.requestId === undefined ? {} : { requestId: latest.requestId }),
    ...(latest.correlationId === undefined ? {} : { correlationId: latest.correlationId }),
  };
}

/**
 * A completed pass that started after the request was made has already read everything the
 * request could want, so the request needs no pass of its own. A backfill always does.
 */
export function isCovered(demand: PollDemand, lastPassStartedAt: number | null): boolean {
  return (
    demand.since === null && lastPassStartedAt !== null && lastPassStartedAt >= demand.requestedAt
  );
}

interface Slot<D, R> {
  running: Promise<R>;
  next?: { demand: D; done: Promise<R> };
}

/**
 * Runs at most one job per key at a time in this process. A request arriving while a job for
 * its key runs joins the single follow-up run (demands merged); every request settles with the
 * first run that started after it arrived.
 */
export class Coalescer<D, R = void> {
  private readonly slots = new Map<string, Slot<D, R>>();

  constructor(
    private readonly run: (key: string, demand: D) => Promise<R>,
    private readonly merge: (a: D, b: D) => D,
  ) {}

  /** Keys with a run in progress. */
  get busy(): number {
    return this.slots.size;
  }

  request(key: string, demand: D): Promise<R> {
    const slot = this.slots.get(key);
    if (!slot) return this.start(key, demand);
    if (slot.next) {
      slot.next.demand = this.merge(slot.next.demand, demand);
      return slot.next.done;
    }
    const next: { demand: D; done?: Promise<R> } = { demand };
    const done = slot.running.then(
      () => this.promote(key, next),
      () => this.promote(key, next),
    );
    next.done = done;
    slot.next = next as { demand: D; done: Promise<R> };
    return done;
  }

  private promote(key: string, next: { demand: D }): Promise<R> {
    this.slots.delete(key);
    return this.start(key, next.demand);
  }

  private start(key: string, demand: D): Promise<R> {
    const running = (async () => this.run(key, demand))();
    const slot: Slot<D, R> = { running };
    this.slots.set(key, slot);
    const clear = () => {
      // A follow-up registered meanwhile takes the slot over in promote().
      if (this.slots.get(key) === slot && !slot.next) this.slots.delete(key);
    };
    running.then(clear, clear);
    return running;
  }
}
