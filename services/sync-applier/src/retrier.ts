import {
  createDeadLetterWriter,
  drainParked,
  eventMetrics,
  type DeadLetterWriter,
  type EventCodec,
  type ParkedEventStore,
} from '@msync/events';
import type { Producer } from 'kafkajs';
import {
  createStopController,
  errorMessage,
  linkSignals,
  sleep,
  type Lease,
  type Leases,
  type Logger,
  type Registry,
} from '@msync/platform';
import { FACT_TOPICS, type Delivery, type Fact, type FactTopic } from './applier.js';
import type { EffectsLedger } from './adapters/effects-ledger.js';
import { storeOfLane } from './domain/lanes.js';
import type { ApplierMetrics } from './metrics.js';

/**
 * The longest a lane whose head is not due goes unread: its head changes only when drained, but
 * an operator may clear a lane by hand.
 */
const NOT_DUE_RECHECK_MS = 60_000;

export interface RetrierOptions {
  store: ParkedEventStore;
  /** One lease per lane: two instances never drain one lane at once. */
  leases: Leases;
  /** How often a drain renews its lane's lease (well inside the lease's length). */
  renewEveryMs: number;
  codec: EventCodec;
  namespace: string;
  /** The facts consumer's group (store lanes) and the waiting room's group. */
  groups: { store: string; waiting: string };
  handle: (fact: Fact, delivery: Delivery) => Promise<void>;
  /**
   * Prepares up to 200 of a lane's facts before they are replayed, as a fetched batch is (their
   * offers' products looked up at once, ADR 0153); resolves with what to call once they are
   * handled. Must not throw.
   */
  prepare?: (facts: Fact[]) => Promise<() => void>;
  dlqProducer: Producer;
  logger: Logger;
  metrics: ApplierMetrics;
  registry?: Registry;
  /** Pause between passes over the parked lanes (default 1 s). */
  intervalMs?: number;
  /**
   * Lanes drained at once in a pass (default 16): a lane's head may wait on a vendor for long
   * (an import followed to its end), and the other stores' lanes must not wait behind it.
   */
  lanesConcurrently?: number;
  /** Backoff of a lane whose head failed again; a rate-limited head waits its limit's wait. */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Done effects older than this are pruned (default 90 days; keep it above topic retention). */
  ledger?: { ledger: EffectsLedger; retentionMs: number; pruneEveryMs?: number };
}

export interface Retrier {
  start(): void;
  /** Stops after the fact being replayed; resolves when the loop has ended. */
  stop(): Promise<void>;
  /** One pass over every parked lane (what the loop does each interval). */
  pass(): Promise<void>;
}

/**
 * Replays parked facts (design §4): each lane in order, with backoff, until it is empty — the
 * store is then un-parked and its next facts are handled live again. One instance drains a lane
 * at a time: a lease, renewed while the drain runs; a drain whose renewal fails (someone took the
 * lane over) stops before its next fact. A failing head stops its lane only, other lanes go on.
 */
export function createRetrier(options: RetrierOptions): Retrier {
  const logger = options.logger.child({ component: 'retrier' });
  const intervalMs = options.intervalMs ?? 1_000;
  const lanesConcurrently = options.lanesConcurrently ?? 16;
  const stopping = createStopController();
  let loop: Promise<void> | undefined;
  let lastPrune = 0;
  /** Per group, the lanes whose head is not due, and until when. */
  const notDueUntil = new Map<string, Map<string, number>>();
  const notDueIn = (groupId: string): Map<string, number> => {
    let lanes = notDueUntil.get(groupId);
    if (!lanes) notDueUntil.set(groupId, (lanes = new Map<string, number>()));
    return lanes;
  };
  const deadLetters = new Map<string, DeadLetterWriter>();
  const deadLetterFor = (groupId: string): DeadLetterWriter => {
    let writer = deadLetters.get(groupId);
    if (!writer) {
      writer = createDeadLetterWriter({
        producer: options.dlqProducer,
        groupId,
        logger,
        ...(options.registry ? { metrics: eventMetrics(options.registry) } : {}),
      });
      deadLetters.set(groupId, writer);
    }
    return writer;
  };

  const drainGroup = async (kind: 'store' | 'waiting', groupId: string): Promise<void> => {
    const parked = await options.store.parkedKeys(groupId);
    options.metrics.parkedLanes.set({ lane: kind }, parked.length);
    // A lane whose head is not due is not read again before it is, for at most a minute (ADR
    // 0158): a long lane waiting out a backoff is not read every pass.
    const now = Date.now();
    const waiting = notDueIn(groupId);
    const stillParked = new Set(parked);
    for (const [key, until] of waiting)
      if (until <= now || !stillParked.has(key)) waiting.delete(key);
    const keys = parked.filter((key) => !waiting.has(key));
    const workers = Math.max(1, Math.min(lanesConcurrently, keys.length));
    const settled = await Promise.allSettled(
      Array.from({ length: workers }, async () => {
        for (let key = keys.shift(); key !== undefined; key = keys.shift()) {
          if (stopping.signal.aborted) return;
          await drainLane(kind, groupId, key);
        }
      }),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  };

  /** Drains one lane under its lease, unless another instance holds it. */
  const drainLane = async (kind: 'store' | 'waiting', groupId: string, key: string) => {
    const lease = await options.leases.tryAcquire(`${groupId}|${key}`);
    if (!lease) {
      options.metrics.retrierAttempts.inc({ lane: kind, result: 'busy' });
      return;
    }
    const lost = new AbortController();
    const renewal = keepRenewing(lease, lost);
    const draining = linkSignals([lost.signal, stopping.signal]);
    try {
      const result = await drainParked<FactTopic>({
        store: options.store,
        codec: options.codec,
        groupId,
        key,
        topics: FACT_TOPICS,
        namespace: options.namespace,
        handle: (fact) => options.handle(fact, { via: 'parked', lane: kind }),
        ...(options.prepare ? { prepare: options.prepare } : {}),
        deadLetter: deadLetterFor(groupId),
        ...(options.backoff ? { retry: options.backoff } : {}),
        signal: draining.signal,
      });
      if (result.outcome === 'not-due' && result.dueAt) {
        const until = Math.min(result.dueAt.getTime(), Date.now() + NOT_DUE_RECHECK_MS);
        notDueIn(groupId).set(key, until);
      }
      const outcome =
        result.outcome === 'stopped' && lost.signal.aborted ? 'lease-lost' : result.outcome;
      options.metrics.retrierAttempts.inc({ lane: kind, result: outcome });
      if (outcome === 'lease-lost') {
        logger.warn('lease on a parked lane lost while draining; left to its new holder', {
          lane: kind,
          key,
          replayed: result.replayed,
        });
      } else if (result.outcome !== 'not-due') {
        logger.info('parked lane replayed', {
          lane: kind,
          key,
          storeId: storeOfLane(key),
          outcome: result.outcome,
          replayed: result.replayed,
          deadLettered: result.deadLettered,
          ...(result.error ? { error: errorMessage(result.error) } : {}),
        });
      }
    } finally {
      draining.dispose();
      clearInterval(renewal);
      await lease.release();
    }
  };

  /** Renews the lease every `renewEveryMs`; aborts `lost` once a renewal says it is gone. */
  const keepRenewing = (lease: Lease, lost: AbortController): NodeJS.Timeout => {
    let renewing = false;
    return setInterval(() => {
      if (renewing || lost.signal.aborted) return;
      renewing = true;
      lease
        .renew()
        .then(
          (held) => {
            if (!held) lost.abort();
          },
          // MongoDB did not answer: tried again next tick; a lease too close to its expiry to be
          // renewed safely then counts as lost.
          (error: unknown) =>
            logger.warn('renewing a lane lease failed', { error: errorMessage(error) }),
        )
        .finally(() => (renewing = false));
    }, options.renewEveryMs);
  };

  const prune = async (): Promise<void> => {
    const settings = options.ledger;
    if (!settings || Date.now() - lastPrune < (settings.pruneEveryMs ?? 3_600_000)) return;
    lastPrune = Date.now();
    const removed = await settings.ledger.pruneDoneBefore(
      new Date(Date.now() - settings.retentionMs),
    );
    if (removed > 0) logger.info('done effects pruned', { removed });
  };

  const pass = async (): Promise<void> => {
    await drainGroup('store', options.groups.store);
    await drainGroup('waiting', options.groups.waiting);
    await prune();
  };

  return {
    pass,
    start() {
      loop = (async () => {
        while (!stopping.signal.aborted) {
          try {
            await pass();
          } catch (error) {
            logger.warn('retrier pass failed; trying again next interval', {
              error: errorMessage(error),
            });
          }
          await sleep(intervalMs, stopping.signal).catch(() => undefined);
        }
      })();
    },
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
