import { RetriableError } from '../errors.js';
import { withLogContext } from '../log-context.js';
import { Coalescer, isCovered, mergeDemands, type PollDemand } from './coalesce.js';
import type { Leases } from './lease.js';
import type { PollCursor, PollStateStore } from './poll-state.js';

/** What a pass is given: whose stream, what was asked, where the cursor stands, when it began. */
export interface PollPassInput {
  storeId: string;
  stream: string;
  demand: PollDemand;
  cursor: PollCursor;
  startedAt: Date;
}

export type PollOutcome = 'completed' | 'coalesced';

export interface PollCoordinator {
  /**
   * Resolves once a pass that started after this request completed (its own, a shared follow-up,
   * or one that already ran). Throws what the pass threw; a `RetriableError` with reason
   * `poll-busy` when another process is polling the same store and stream right now.
   */
  request(storeId: string, stream: string, demand: PollDemand): Promise<PollOutcome>;
  /**
   * Resolves once the leases of finished passes are released: a pass's request is answered
   * without waiting for its release (ADR 0123), so a process that stops waits here first.
   */
  settle(): Promise<void>;
}

export interface PollCoordinatorOptions {
  state: PollStateStore;
  leases: Leases;
  /** Reads, decides, publishes, then records seen items and the cursor (in that order). */
  pass: (input: PollPassInput) => Promise<void>;
  /**
   * Reads a store's pass needs whatever its cursor (its credentials), started beside the cursor's
   * read so that the pass finds them in memory (ADR 0123). Its failure is the pass's to meet.
   */
  prepare?: (storeId: string, stream: string) => Promise<unknown>;
  /** How often a running pass renews its lease; default 20 s. */
  renewEveryMs?: number;
  now?: () => number;
}

/**
 * Serialises the passes of one store and stream: one at a time in this process (requests that
 * arrive meanwhile fold into one follow-up pass) and across processes (a Mongo lease). A request
 * already served by a pass that started after it was made is answered without calling out.
 */
export function createPollCoordinator(options: PollCoordinatorOptions): PollCoordinator {
  const now = options.now ?? Date.now;
  const releases = new Set<Promise<void>>();
  const run = async (key: string, demand: PollDemand): Promise<PollOutcome> => {
    const [storeId, stream] = JSON.parse(key) as [string, string];
    const lease = await options.leases.tryAcquire(key);
    if (!lease) {
      throw new RetriableError(`${stream} of store ${storeId} is being polled by another process`, {
        reason: 'poll-busy',
      });
    }
    const renewal = setInterval(
      () => void lease.renew().catch(() => undefined),
      options.renewEveryMs ?? 20_000,
    );
    try {
      const prepared = options.prepare?.(storeId, stream).catch(() => undefined);
      const cursor = await options.state.cursor(storeId, stream);
      await prepared;
      if (isCovered(demand, cursor.lastPassStartedAt?.getTime() ?? null)) return 'coalesced';
      // A follow-up pass starts from another request's handler: it logs under its own demand.
      await withLogContext({ storeId, correlationId: demand.correlationId }, () =>
        options.pass({ storeId, stream, demand, cursor, startedAt: new Date(now()) }),
      );
      return 'completed';
    } finally {
      clearInterval(renewal);
      // The next store's pass need not wait for it; this store's next pass does (the lease's own).
      const release: Promise<void> = lease
        .release()
        .catch(() => undefined)
        .finally(() => releases.delete(release));
      releases.add(release);
    }
  };

  const coalescer = new Coalescer<PollDemand, PollOutcome>(run, mergeDemands);
  return {
    request: (storeId, stream, demand) =>
      coalescer.request(JSON.stringify([storeId, stream]), demand),
    settle: async () => {
      await Promise.all([...releases]);
    },
  };
}
