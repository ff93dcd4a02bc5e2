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
}

export interface PollCoordinatorOptions {
  state: PollStateStore;
  leases: Leases;
  /** Reads, decides, publishes, then records seen items and the cursor (in that order). */
  pass: (input: PollPassInput) => Promise<void>;
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
      const cursor = await options.state.cursor(storeId, stream);
      if (isCovered(demand, cursor.lastPassStartedAt?.getTime() ?? null)) return 'coalesced';
      // A follow-up pass starts from another request's handler: it logs under its own demand.
      await withLogContext({ storeId, correlationId: demand.correlationId }, () =>
        options.pass({ storeId, stream, demand, cursor, startedAt: new Date(now()) }),
      );
      return 'completed';
    } finally {
      clearInterval(renewal);
      await lease.release().catch(() => undefined);
    }
  };

  const coalescer = new Coalescer<PollDemand, PollOutcome>(run, mergeDemands);
  return {
    request: (storeId, stream, demand) =>
      coalescer.request(JSON.stringify([storeId, stream]), demand),
  };
}
