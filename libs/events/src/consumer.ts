import type {
  Admin,
  Consumer,
  ConsumerConfig,
  ConsumerRunConfig,
  EachBatchPayload,
  Kafka,
  Producer,
} from 'kafkajs';
import {
  classifyError,
  createStopController,
  errorMessage,
  errorReason,
  deadlineScope,
  retry,
  sleep,
  withLogContext,
  type Logger,
  type Registry,
} from '@msync/platform';
import { physicalTopic, type TopicKey } from './catalog.js';
import type { EventCodec } from './codec.js';
import { OffsetCommitter } from './committer.js';
import { createDeadLetterWriter } from './dead-letter.js';
import {
  decodeKnownMessage,
  decodeMessage,
  handleInLogContext,
  headersAsText,
  heldMessage,
  messageLogContext,
  itemsOf,
  type HeldMessage,
  type ConsumedEventOf,
  type RawMessage,
} from './delivery.js';
import { ConsumerLag } from './lag.js';
import { eventMetrics, type LagSource } from './metrics.js';
import { KeyLanes, laneOf, type Lane } from './key-lanes.js';
import { createRestarter, RESTART_DELAYS_MS } from './restarter.js';
import { OffsetTracker } from './offsets.js';
import {
  BEHIND_SET_ASIDE,
  nextAttemptAfter,
  storedError,
  type SetAsideEvent,
  type SetAsidePort,
} from './set-aside.js';

/**
 * The longest an idle fetch waits on the broker, and so the longest a stop waits for one: 500 ms,
 * the Java clients' `fetch.max.wait.ms` (ADR 0182).
 */
export const FETCH_MAX_WAIT_MS = 500;

export type { ConsumedEvent, ConsumedEventOf } from './delivery.js';

export interface EventConsumerOptions<K extends TopicKey> {
  kafka: Kafka;
  codec: EventCodec;
  logger: Logger;
  groupId: string;
  topics: readonly K[];
  /**
   * Applies the effect of one event; resolve when the effect is done. Throw a PermanentError to
   * dead-letter the message. Any other error is retriable: without `setAside` it is retried in
   * place (its lane waits, and the partition's commits); with `setAside` the event is set aside for a retrier.
   * Effects must be idempotent: after a crash, up to one commit interval is delivered again.
   */
  handle: (event: ConsumedEventOf<K>) => Promise<void>;
  /**
   * Called with the decodable events of each fetched batch before any of them is handled, so a
   * handler can make one call for many (e.g. look many SKUs up at once). Only a hint: its failure
   * is logged and the events are handled one by one as always. It may resolve with a function,
   * called once the batch's handling ends (whole, stopped or revoked), to let go of what it kept;
   * a partition's next prefetch then waits for that (ADR 0098), else only for this prefetch. With
   * `{ release, nextWaits: false }` the release is called the same way but the next prefetch runs
   * at once: what was kept costs nothing to hold beside the next batch's (ADR 0113).
   */
  prefetch?: (events: ConsumedEventOf<K>[]) => Promise<PrefetchResult>;
  /** Producer used to write DLQ entries (shared with the service's publisher). */
  dlqProducer: Producer;
  /**
   * Durable store for events whose effect failed retriably, and every later event of the same
   * key behind them, so one failing store does not hold the partition (design §4).
   */
  setAside?: SetAsidePort;
  metrics?: Registry;
  namespace?: string;
  fromBeginning?: boolean;
  /** How many fetched batches the client hands over at once (handing over is quick). */
  partitionsConsumedConcurrently?: number;
  /**
   * Within one partition, how many keys (stores) are handled at once: messages are grouped into
   * lanes by key, each lane in offset order, up to this many lanes at a time. Messages without a
   * key form one lane. Commits never pass the oldest unfinished message. Default 1: the
   * partition is handled in offset order, one message at a time. Partitions never wait for each
   * other (ADR 0098).
   */
  keysConsumedConcurrently?: number;
  /**
   * The lane of a message, from its topic and key (default: the key). A lane's messages are
   * handled in offset order and set aside behind each other. A service whose topics carry flows
   * of one key that need no common order (a store's orders and its catalog) names a lane per
   * flow, so that one flow's set-aside events do not hold the others (ADR 0100).
   */
  laneOf?: (topic: K, key: string) => string;
  /**
   * Messages of one partition fetched and not finished at which the partition's fetching pauses
   * until half of them finished (default 5,000): bounds the memory a slow partition holds. A
   * message carrying several items (its `items` header, ADR 0166) counts as that many, here and
   * in `maxUnfinished`.
   */
  maxUnfinishedPerPartition?: number;
  /**
   * Messages fetched and not finished across all of the consumer's partitions at which every
   * partition's fetching pauses; each resumes once the whole is down to half and the partition
   * itself to half its own limit (default: no limit beyond the partitions' own). Bounds the
   * memory of a consumer with many busy partitions, each under its own limit (ADR 0132).
   */
  maxUnfinished?: number;
  /**
   * Bytes a fetch asks the broker for at most, over all partitions (default kafkajs' 10 MiB). The
   * client holds a response whole, and a copy while it assembles it: a consumer that holds few
   * messages at once (`maxUnfinished`) needs no more than those in one fetch (ADR 0132).
   */
  fetchMaxBytes?: number;
  /** Backoff of in-place retries (and the first replay time of a set-aside event). */
  retry?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Waits before restarting a consumer kafkajs left stopped after a crash (tests shorten them). */
  restartDelaysMs?: readonly number[];
  /** How the group's leader assigns partitions (default kafkajs' round robin). */
  partitionAssigners?: ConsumerConfig['partitionAssigners'];
  /**
   * When finished offsets are committed: every `intervalMs`, or after `everyMessages`.
   * `beforeCommit` runs before each commit is sent, after its offsets are taken: a handler that
   * defers part of its effects (to write many at once) makes them durable there; a failure skips
   * that commit, so the messages stay uncommitted and are delivered again after a crash.
   */
  commit?: { intervalMs?: number; everyMessages?: number; beforeCommit?: () => Promise<void> };
  /**
   * How often the topics' log ends and the group's commits are read for `events_consumer_lag`
   * (default 15 s; two admin requests per topic set, none per message). Batches update the log
   * end in between. Only with `metrics`.
   */
  lag?: { refreshMs?: number };
  sessionTimeoutMs?: number;
}

export interface EventConsumer {
  /** Connects, subscribes and starts; resolves once the group has assigned partitions. */
  start(): Promise<void>;
  /**
   * Stops taking messages, lets the in-flight ones finish (abandoning their retries: they stay
   * uncommitted), commits what finished, leaves the group and disconnects.
   */
  stop(): Promise<void>;
  readonly consumer: Consumer;
}

export const DEFAULT_COMMIT_INTERVAL_MS = 1_000;
export const DEFAULT_COMMIT_EVERY_MESSAGES = 5_000;
export const DEFAULT_LAG_REFRESH_MS = 15_000;

/**
 * A lane failed outside the handler's error handling (a bug). Not retriable for the client, so it
 * restarts the consumer, which reads again from the last commit.
 */
class LaneFailed extends Error {
  readonly retriable = false;
  constructor(cause: unknown) {
    super(`a lane failed: ${errorMessage(cause)}`, { cause });
    this.name = 'LaneFailed';
  }
}

/** The consumer is stopping: the message is left unfinished and will be delivered again. */
class ConsumerStopping extends Error {
  constructor() {
    super('consumer is stopping; message left uncommitted for redelivery');
    this.name = 'ConsumerStopping';
  }
}

const REBALANCE_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
]);
const isRebalance = (error: unknown) =>
  REBALANCE_ERRORS.has((error as { type?: string } | null)?.type ?? '');

/** How often a retry's wait checks whether its lane may go on (stop, reassignment). */
const WAIT_STEP_MS = 500;
/** Unfinished messages of a partition at which its fetching pauses (resumed at half). */
const DEFAULT_MAX_UNFINISHED = 5_000;

/**
 * At-least-once consumer with commit-after-effect semantics. A message is *finished* once its
 * handler succeeded, it was written to its DLQ (undecodable, or a PermanentError), or — with
 * `setAside` — it was durably set aside. Commits are batched: the highest contiguous finished
 * offset of each partition is committed on an interval, after a number of messages, when the
 * group rebalances and at shutdown; never past an unfinished message.
 */
export function createEventConsumer<K extends TopicKey>(
  options: EventConsumerOptions<K>,
): EventConsumer {
  const { codec, groupId, setAside } = options;
  const keysConcurrently = Math.max(1, Math.floor(options.keysConsumedConcurrently ?? 1));
  const maxUnfinished = Math.max(1, options.maxUnfinishedPerPartition ?? DEFAULT_MAX_UNFINISHED);
  const maxTotal =
    options.maxUnfinished === undefined ? Infinity : Math.max(1, options.maxUnfinished);
  const logger = options.logger.child({ component: 'consumer', groupId });
  const metrics = options.metrics ? eventMetrics(options.metrics) : undefined;
  const byPhysical = new Map<string, K>(
    options.topics.map((key) => [physicalTopic(key, options.namespace), key]),
  );
  const laneNamer = options.laneOf;
  /** The lane of a message of a (physical) topic. */
  const laneIn = (topic: string, key: Buffer | null | undefined): string => {
    const lane = laneOf(key);
    const topicKey = byPhysical.get(topic);
    return laneNamer && topicKey !== undefined ? laneNamer(topicKey, lane) : lane;
  };
  const consumer = options.kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    allowAutoTopicCreation: false,
    // How long an idle fetch waits on the broker (a fetch returns as soon as a record is there).
    // kafkajs' 5 s default is also how long a stop waits for the fetch in flight: a service with
    // two consumers took 10 s to stop. Java clients wait 500 ms.
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    ...(options.fetchMaxBytes
      ? {
          maxBytes: options.fetchMaxBytes,
          // A partition's share is at most the whole (kafkajs' default is 1 MiB).
          maxBytesPerPartition: Math.min(options.fetchMaxBytes, 1_048_576),
        }
      : {}),
    ...(options.partitionAssigners ? { partitionAssigners: options.partitionAssigners } : {}),
  });
  const stopController = createStopController();
  const stopSignal = stopController.signal;
  const retryBackoff = {
    initialDelayMs: options.retry?.initialDelayMs ?? 500,
    maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
  };
  const deadLetter = createDeadLetterWriter({
    producer: options.dlqProducer,
    groupId,
    logger,
    ...(metrics ? { metrics } : {}),
  });

  const tracker = new OffsetTracker();
  const committer = new OffsetCommitter({
    tracker,
    commit: (offsets) => consumer.commitOffsets(offsets),
    intervalMs: options.commit?.intervalMs ?? DEFAULT_COMMIT_INTERVAL_MS,
    everyMessages: options.commit?.everyMessages ?? DEFAULT_COMMIT_EVERY_MESSAGES,
    ...(options.commit?.beforeCommit ? { beforeCommit: options.commit.beforeCommit } : {}),
    onCommitted: ({ trigger, messages }) => {
      metrics?.commits.inc({ trigger, outcome: 'ok' });
      metrics?.committedMessages.inc(messages);
    },
    onFailed: ({ trigger, error }) => {
      metrics?.commits.inc({ trigger, outcome: 'failed' });
      // During a rebalance a commit with the old generation is refused; the next member
      // re-reads from the last commit, so this costs redeliveries, not messages.
      const log = isRebalance(error) ? logger.info.bind(logger) : logger.warn.bind(logger);
      log('offset commit failed; finished messages stay uncommitted until the next commit', {
        trigger,
        error: errorMessage(error),
      });
    },
  });

  const lag = metrics ? new ConsumerLag(options.fromBeginning ?? true) : undefined;
  const lagSource: LagSource | undefined = lag && {
    groupId,
    byTopic: () => lag.byTopic(),
  };
  let lagAdmin: Admin | undefined;
  let lagLoop: Promise<void> | undefined;
  let lagRefresh: Promise<void> | undefined;

  /** Reads the log ends and the group's commits of the assigned topics (one refresh at a time). */
  const refreshLag = (): Promise<void> => {
    if (!lag || !lagAdmin || lagRefresh) return lagRefresh ?? Promise.resolve();
    const admin = lagAdmin;
    lagRefresh = (async () => {
      const topics = lag.topics();
      if (topics.length === 0) return;
      for (const topic of topics) {
        for (const p of await admin.fetchTopicOffsets(topic))
          lag.watermarks(topic, p.partition, p.high, p.low);
      }
      for (const entry of await admin.fetchOffsets({ groupId, topics }))
        for (const p of entry.partitions) lag.committed(entry.topic, p.partition, p.offset);
    })()
      .catch((error: unknown) =>
        logger.debug('reading offsets for the lag gauge failed', { error: errorMessage(error) }),
      )
      .finally(() => (lagRefresh = undefined));
    return lagRefresh;
  };

  // Lanes (keys) known to hold set-aside events; reloaded at every assignment because another
  // member may have parked events of the partitions this one now reads.
  const parkedLanes = new Set<string>();
  let lanesLoaded: Promise<void> = Promise.resolve();

  /** The work of the current assignment, per partition; replaced at every assignment. */
  let works = new Map<string, PartitionWork>();
  /** Lanes running, of any assignment (an abandoned lane still finishes its current message). */
  let runningLanes = 0;
  let lanesIdle: (() => void) | undefined;
  /** Resolves once the lanes of abandoned assignments have stopped. */
  let abandonedStopped: Promise<void> = Promise.resolve();
  /** A lane failed in a way the consumer cannot handle: the next batch restarts the client. */
  let fatal: unknown;

  const allLanesStopped = (): Promise<void> =>
    runningLanes === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const previous = lanesIdle;
          lanesIdle = () => {
            previous?.();
            resolve();
          };
        });

  /**
   * Stops every lane of the current assignment at its next step (the message under way finishes
   * or is left unfinished; nothing after it starts) and lets go of its batches. Their messages
   * stay uncommitted: the next assignment reads them again from the last commit.
   */
  const abandonWork = (): void => {
    const abandoned = works;
    works = new Map();
    for (const work of abandoned.values()) {
      work.halted = true;
      for (const batch of work.batches) batch.finish();
      work.batches.clear();
      resumeFetching(work);
    }
    abandonedStopped = allLanesStopped();
  };

  /**
   * Resumes a partition's fetching. Not the function `pause()` answers: that one is a closure over
   * the client's batch (its messages and the fetch response they are views of), which it would
   * keep for as long as the partition stays paused (23 MB in the applier during a catalog's first
   * cycle).
   */
  const resumerOf = (topic: string, partition: number) => () =>
    consumer.resume([{ topic, partitions: [partition] }]);

  /** Partitions of any assignment paused for too many unfinished messages. */
  let pausedWorks = 0;
  /** Resumes the partition's fetching if it was paused for too many unfinished messages. */
  const resumeFetching = (work: PartitionWork): void => {
    if (!work.resume) return;
    work.resume();
    work.resume = undefined;
    pausedWorks--;
  };
  /** Pauses the partition's fetching until {@link resumeFetching}. */
  const pauseFetching = (work: PartitionWork): void => {
    if (work.resume) return;
    // The consumer's own pause, not the batch payload's: a closure over the payload made in
    // `eachBatch` would put the payload in the context every closure made there shares (the
    // batch's `finish`, its prefetch's callbacks), and each unfinished batch would keep its fetch
    // response alive (ADR 0138).
    consumer.pause([{ topic: work.topic, partitions: [work.partition] }]);
    work.resume = resumerOf(work.topic, work.partition);
    pausedWorks++;
  };
  /** Unfinished messages of the current assignment's partitions (only counted under a limit). */
  const totalUnfinished = (): number => {
    if (maxTotal === Infinity) return 0;
    let total = 0;
    for (const work of works.values()) total += work.unfinished;
    return total;
  };

  /** Whether a lane of `work` may take its next step: not stopping, still assigned. */
  const isCurrent = (work: PartitionWork): boolean =>
    !work.halted && !stopSignal.aborted && work.generation === tracker.generation;

  /** A step check for retries and waits: throws ConsumerStopping once the lane must stop. */
  const checkpointOf =
    (work: PartitionWork): Checkpoint =>
    () => {
      if (!isCurrent(work)) throw new ConsumerStopping();
    };

  /** A wait that gives way to stop and to the partition's reassignment. */
  const waitChecking =
    (checkpoint: Checkpoint) =>
    async (ms: number): Promise<void> => {
      for (let left = ms; left > 0; left -= WAIT_STEP_MS) {
        try {
          await sleep(Math.min(WAIT_STEP_MS, left), stopSignal);
        } catch {
          throw new ConsumerStopping();
        }
        checkpoint();
      }
    };

  /** Retries a step that must succeed before the message counts as finished (DLQ, park). */
  const untilDone = async <T>(
    what: string,
    fn: () => Promise<T>,
    checkpoint: Checkpoint,
  ): Promise<T> => {
    try {
      return await retry(fn, {
        retries: Infinity,
        initialDelayMs: 500,
        maxDelayMs: 10_000,
        signal: stopSignal,
        sleep: waitChecking(checkpoint),
        onRetry: ({ attempt, error }) =>
          logger.warn(`${what} failed; retrying`, { attempt, error: errorMessage(error) }),
      });
    } catch (error) {
      throw stopSignal.aborted ? new ConsumerStopping() : error;
    }
  };

  /**
   * The handler under the consumer's stop: its vendor calls, their retries and waits give way
   * when the consumer stops, and the message stays for redelivery (ADR 0186).
   */
  const underStop = deadlineScope(stopSignal);
  const handleEvent = (event: ConsumedEventOf<K>): Promise<void> =>
    underStop(() => handleInLogContext(options.handle, event));

  /** One attempt; synchronous up to the handler once the writer schema is known. */
  const handleOnce = (raw: RawMessage): Promise<void> => {
    try {
      const event = decodeKnownMessage(codec, byPhysical, raw);
      if (event) return handleEvent(event);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return decodeMessage(codec, byPhysical, raw).then(handleEvent);
  };

  /**
   * Retries in place after a failed first attempt until success, a permanent error, stop or
   * reassignment; the lane waits, which keeps its key's order.
   */
  const handleBlocking = (
    raw: RawMessage,
    firstError: unknown,
    checkpoint: Checkpoint,
  ): Promise<void> =>
    retry(
      async (attempt) => {
        // The first attempt already ran (and failed) on the hot path.
        if (attempt === 1) throw firstError;
        await handleOnce(raw);
      },
      {
        retries: Infinity,
        ...retryBackoff,
        signal: stopSignal,
        sleep: waitChecking(checkpoint),
        onRetry: ({ attempt, delayMs, error }) => {
          const reason = errorReason(error);
          metrics?.retries.inc({ topic: raw.topic, reason });
          const fields = {
            topic: raw.topic,
            partition: raw.partition,
            offset: raw.offset,
            attempt,
            delayMs,
            reason,
            error: errorMessage(error),
          };
          // A vendor's rate limit or call frequency is pacing, not a fault: the wait it asks for.
          if (classifyError(error) === 'rate-limited')
            logger.info('handler waits for a rate limit; will retry without committing', fields);
          else logger.warn('handler failed; will retry without committing', fields);
        },
      },
    );

  /** The set-aside record of a message of `lane` (behind earlier ones when no failure). */
  const setAsideEvent = (
    raw: RawMessage,
    lane: string,
    failure: { error: unknown } | undefined,
  ): SetAsideEvent => ({
    groupId,
    key: lane,
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    value: raw.value,
    headers: headersAsText(raw.headers),
    reason: failure ? errorReason(failure.error) : BEHIND_SET_ASIDE,
    ...(failure ? { error: storedError(failure.error) } : {}),
    attempts: failure ? 1 : 0,
    nextAttemptAt: failure
      ? nextAttemptAfter(failure.error, 1, new Date(), retryBackoff)
      : new Date(),
  });

  /** Sets messages of one lane aside behind its earlier events, in order, in one write. */
  const parkBehind = async (
    raws: RawMessage[],
    lane: string,
    checkpoint: Checkpoint,
  ): Promise<void> => {
    const events = raws.map((raw) => setAsideEvent(raw, lane, undefined));
    await untilDone('setting events aside', () => setAside!.parkMany!(events), checkpoint);
    for (const raw of raws) {
      metrics?.setAside.inc({ topic: raw.topic, reason: BEHIND_SET_ASIDE });
      metrics?.consumed.inc({ topic: raw.topic, outcome: 'set-aside' });
    }
  };

  const park = async (
    raw: RawMessage,
    lane: string,
    failure: { error: unknown } | undefined,
    checkpoint: Checkpoint,
  ): Promise<void> => {
    const port = setAside!;
    const event = setAsideEvent(raw, lane, failure);
    const { reason } = event;
    await untilDone('setting an event aside', () => port.park(event), checkpoint);
    parkedLanes.add(lane);
    metrics?.setAside.inc({ topic: raw.topic, reason });
    metrics?.consumed.inc({ topic: raw.topic, outcome: 'set-aside' });
    if (failure) {
      logger.warn('handler failed; event set aside for a retrier', {
        topic: raw.topic,
        partition: raw.partition,
        offset: raw.offset,
        reason,
        error: errorMessage(failure.error),
      });
    }
  };

  /** Whether the lane still holds set-aside events (only asks the store for lanes it knows). */
  const laneIsParked = async (lane: string, checkpoint: Checkpoint): Promise<boolean> => {
    if (!parkedLanes.has(lane)) return false;
    const parked = await untilDone(
      'checking set-aside events',
      () => setAside!.hasParked(groupId, lane),
      checkpoint,
    );
    if (!parked) parkedLanes.delete(lane);
    return parked;
  };

  /** Brings one message to *finished*; throws only ConsumerStopping. */
  const finish = async (
    raw: RawMessage,
    appendedAt: number,
    checkpoint: Checkpoint,
  ): Promise<void> => {
    const lane = setAside ? laneIn(raw.topic, raw.key) : '';
    if (setAside && (await laneIsParked(lane, checkpoint))) {
      await park(raw, lane, undefined, checkpoint);
      return;
    }
    const startedAt = Date.now();
    if (Number.isFinite(appendedAt))
      metrics?.waited.observe({ topic: raw.topic }, Math.max(0, startedAt - appendedAt) / 1000);
    try {
      // The first attempt goes without the retry machinery: it is the hot path.
      await handleOnce(raw);
    } catch (error) {
      metrics?.handled.observe({ topic: raw.topic }, (Date.now() - startedAt) / 1000);
      await recover(raw, lane, error, checkpoint);
      return;
    }
    metrics?.handled.observe({ topic: raw.topic }, (Date.now() - startedAt) / 1000);
    metrics?.consumed.inc({ topic: raw.topic, outcome: 'handled' });
  };

  /** After a failed first attempt: retry in place, dead-letter, or set aside. */
  const recover = async (
    raw: RawMessage,
    lane: string,
    firstError: unknown,
    checkpoint: Checkpoint,
  ): Promise<void> => {
    let error = firstError;
    // A handler that failed while the consumer stops (its vendor calls given up for the stop,
    // `handleEvent`) is neither retried nor set aside: the message stays for redelivery.
    if (stopSignal.aborted && classifyError(error) !== 'permanent') throw new ConsumerStopping();
    if (classifyError(error) !== 'permanent' && !setAside) {
      try {
        await handleBlocking(raw, firstError, checkpoint);
        metrics?.consumed.inc({ topic: raw.topic, outcome: 'handled' });
        return;
      } catch (retryError) {
        if (stopSignal.aborted || retryError instanceof ConsumerStopping) {
          throw new ConsumerStopping();
        }
        error = retryError;
      }
    }
    if (classifyError(error) === 'permanent') {
      await untilDone('writing to the DLQ', () => deadLetter(raw, error), checkpoint);
    } else if (setAside) {
      await park(raw, lane, { error }, checkpoint);
    } else {
      throw error; // unreachable: in-place retries end in success, permanent, stop or reassignment
    }
  };

  const toRaw = (topic: string, partition: number, message: HeldMessage): RawMessage => ({
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: message.headers ?? {},
  });

  /** Hands a batch's decodable events to `prefetch`; never fails the batch. */
  const prefetchBatch = async (
    topic: string,
    partition: number,
    messages: HeldMessage[],
  ): Promise<PrefetchResult> => {
    try {
      const events: ConsumedEventOf<K>[] = [];
      for (const m of messages) {
        try {
          events.push(await decodeMessage(codec, byPhysical, toRaw(topic, partition, m)));
        } catch {
          // Undecodable: its own handling dead-letters it.
        }
      }
      if (events.length > 0) return await options.prefetch!(events);
    } catch (error) {
      logger.warn('prefetch failed; events are handled one by one', {
        topic,
        error: errorMessage(error),
      });
    }
  };

  const workOf = (topic: string, partition: number, generation: number): PartitionWork => {
    const id = `${topic}|${partition}`;
    let work = works.get(id);
    if (!work) {
      work = {
        topic,
        partition,
        generation,
        lanes: new KeyLanes(keysConcurrently > 1),
        running: 0,
        unfinished: 0,
        batches: new Set(),
        prefetched: Promise.resolve(),
        halted: false,
      };
      works.set(id, work);
    }
    return work;
  };

  /**
   * Takes a fetched batch over and returns at once (ADR 0098): its messages join their partition's
   * lanes, handled in the background, so the client fetches again while they run. Its offsets are
   * resolved for the client's fetch position only; commits follow what finished. A partition
   * holding too many unfinished messages is paused until its lanes catch up.
   */
  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    // A lane's unexpected failure restarts the client: the next assignment reads again from the
    // last commit, so nothing is skipped.
    if (fatal !== undefined) throw new LaneFailed(fatal);
    if (stopSignal.aborted) return;
    // The previous assignment's lanes end before this one's start: one key is never handled
    // twice at once by this member.
    await abandonedStopped;
    await lanesLoaded;
    const { batch } = payload;
    const { topic, partition } = batch;
    const generation = tracker.generation;
    if (stopSignal.aborted || !payload.isRunning() || payload.isStale()) return;
    lag?.watermarks(topic, partition, batch.highWatermark);
    if (batch.messages.length === 0) return;
    // No callback below may refer to the batch or the payload, even one that is not kept: V8
    // gives the closures of a function one shared context, so any of them would keep the fetch
    // response the messages were read from for as long as the longest-lived one (ADR 0138).
    const messages = batch.messages.map(heldMessage);
    const last = messages[messages.length - 1]!.offset;
    const work = workOf(topic, partition, generation);
    let resolveFinished: () => void = () => undefined;
    const ref: BatchRef = {
      pending: messages.length,
      release: () => undefined,
      finished: new Promise<void>((resolve) => (resolveFinished = resolve)),
      finish: () => {
        ref.release();
        resolveFinished();
      },
    };
    work.batches.add(ref);
    if (options.prefetch) {
      // A partition's prefetches run one after the other, so a batch's prefetch finds what the
      // previous one looked up (several at once would each look the same things up); after one
      // that kept something for its batch, the next waits until that batch is handled, so their
      // work (and its vendor calls) does not pile up, unless the prefetch says it need not.
      const kept = work.prefetched
        .then(() => prefetchBatch(topic, partition, messages))
        .then((result) => {
          if (!result) return false;
          const { release, nextWaits } =
            typeof result === 'function' ? { release: result, nextWaits: true } : result;
          if (work.batches.has(ref)) {
            ref.release = once(release);
            return nextWaits;
          }
          release(); // the batch was abandoned while its prefetch ran
          return false;
        });
      ref.ready = kept.then(() => undefined);
      work.prefetched = kept.then((keeps) => (keeps ? ref.finished : undefined));
    }
    for (const message of messages) {
      tracker.started(generation, topic, partition, message.offset);
      enqueue(work, { message, batch: ref, items: itemsOf(message.headers) });
    }
    payload.resolveOffset(last);
    const overTotal = totalUnfinished() >= maxTotal;
    if (work.unfinished >= maxUnfinished || overTotal) pauseFetching(work);
    if (overTotal) {
      // Every other partition too: each would otherwise bring one more batch before it pauses.
      for (const other of works.values()) if (isCurrent(other)) pauseFetching(other);
    }
    startLanes(work);
  };

  const enqueue = (work: PartitionWork, item: LaneItem): void => {
    work.lanes.add(laneIn(work.topic, item.message.key), item);
    work.unfinished += item.items;
  };

  /** Starts waiting lanes of the partition, up to `keysConsumedConcurrently` at once. */
  const startLanes = (work: PartitionWork): void => {
    while (work.running < keysConcurrently && isCurrent(work)) {
      const lane = work.lanes.take();
      if (!lane) return;
      work.running++;
      runningLanes++;
      void runLane(work, lane)
        .catch((error: unknown) => {
          if (error instanceof ConsumerStopping) return;
          // A bug, not a handler failure (those end in success, DLQ or set-aside).
          fatal ??= error;
          work.halted = true;
          logger.error('a lane failed unexpectedly; the consumer restarts from the last commit', {
            topic: work.topic,
            partition: work.partition,
            error: errorMessage(error),
          });
        })
        .finally(() => {
          work.running--;
          if (--runningLanes === 0) {
            const idle = lanesIdle;
            lanesIdle = undefined;
            idle?.();
          }
          startLanes(work);
        });
    }
  };

  const markFinished = (work: PartitionWork, item: LaneItem): void => {
    const { message, batch } = item;
    tracker.finished(work.generation, work.topic, work.partition, message.offset);
    if (lag && work.generation === tracker.generation) {
      // The position is the oldest unfinished message: a lane still at work counts as lag.
      const point = tracker.safePoint(work.topic, work.partition);
      if (point !== undefined) lag.finished(work.topic, work.partition, String(point - 1n));
    }
    committer.noteFinished();
    work.unfinished -= item.items;
    if (--batch.pending === 0 && work.batches.delete(batch)) batch.finish();
    if (pausedWorks === 0 || totalUnfinished() > maxTotal / 2) return;
    // Under a consumer-wide limit a partition may be paused for the others' messages: each is
    // looked at once the whole is down to half.
    for (const each of maxTotal === Infinity ? [work] : works.values())
      if (each.unfinished <= maxUnfinished / 2) resumeFetching(each);
  };

  /**
   * Handles a lane's messages in offset order until none is left, including those that join it
   * meanwhile; stops at the first step it may not take (stop, reassignment).
   */
  const runLane = async (work: PartitionWork, lane: Lane<LaneItem>): Promise<void> => {
    const checkpoint = checkpointOf(work);
    const { topic, partition } = work;
    for (let item = work.lanes.peek(lane); item; item = work.lanes.peek(lane)) {
      checkpoint();
      if (item.batch.ready) await item.batch.ready;
      checkpoint();
      // A lane with set-aside events: this message and the next ones of its key go behind them
      // at once (one write for many, not a check and a write each).
      const behind = await parkedRun(work, lane, checkpoint);
      if (behind > 0) {
        for (let i = 0; i < behind; i++) markFinished(work, lane.items[lane.next + i]!);
        work.lanes.advance(lane, behind);
      } else {
        const raw = toRaw(topic, partition, item.message);
        // Every line about this message (retries, DLQ, set-aside) names its store and ids.
        await withLogContext(messageLogContext(raw), () =>
          finish(raw, Number(item.message.timestamp), checkpoint),
        );
        markFinished(work, item);
        work.lanes.advance(lane);
      }
    }
  };

  /**
   * When the lane of its next message holds set-aside events: sets that message and the next
   * ones of the same key aside behind them, in order, and answers how many; else 0.
   */
  const parkedRun = async (
    work: PartitionWork,
    lane: Lane<LaneItem>,
    checkpoint: Checkpoint,
  ): Promise<number> => {
    if (!setAside?.parkMany) return 0;
    const { items, next: from } = lane;
    const key = laneIn(work.topic, items[from]!.message.key);
    if (!(await laneIsParked(key, checkpoint))) return 0;
    let to = from + 1;
    while (to < items.length && laneIn(work.topic, items[to]!.message.key) === key) to++;
    const raws = items
      .slice(from, to)
      .map((item) => toRaw(work.topic, work.partition, item.message));
    await withLogContext(messageLogContext(raws[0]!), () => parkBehind(raws, key, checkpoint));
    return raws.length;
  };

  const loadParkedLanes = async (): Promise<void> => {
    if (!setAside) return;
    const keys = await untilDone(
      'loading set-aside lanes',
      () => setAside.parkedKeys(groupId),
      () => undefined,
    ).catch((error: unknown) => {
      if (error instanceof ConsumerStopping) return [];
      throw error;
    });
    parkedLanes.clear();
    for (const key of keys) parkedLanes.add(key);
  };

  const runConfig: ConsumerRunConfig = {
    autoCommit: false,
    eachBatchAutoResolve: false,
    // A batch is only handed to the partition's lanes (ADR 0098), so the client fetches again
    // at once whatever the lanes are doing.
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
    eachBatch,
  };
  const restarter = createRestarter({
    stopSignal,
    delaysMs: options.restartDelaysMs ?? RESTART_DELAYS_MS,
    restart: async () => {
      logger.warn('restarting the consumer kafkajs left stopped after a crash');
      await consumer.connect();
      if (stopSignal.aborted) return;
      // A failed start is a crash again (kafkajs reports it), which schedules the next attempt.
      await consumer.run(runConfig);
    },
    onFailed: (error) =>
      logger.error('consumer restart failed; trying again', { error: errorMessage(error) }),
  });

  return {
    consumer,
    async start() {
      const joined = new Promise<void>((resolve) => {
        const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
          remove();
          resolve();
        });
      });
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        // New assignment: the client re-reads from the committed offsets.
        abandonWork();
        tracker.newGeneration();
        fatal = undefined;
        lanesLoaded = loadParkedLanes();
        lag?.assign(e.payload.memberAssignment);
        void refreshLag();
      });
      consumer.on(consumer.events.REBALANCING, () => {
        // The partitions may go to another member: nothing more starts here, and what finished
        // is committed (best effort: the group may already refuse this generation's commit).
        abandonWork();
        void committer.commit('revoke');
      });
      consumer.on(consumer.events.CRASH, (e) => {
        abandonWork();
        logger.error('consumer crashed', { error: e.payload.error, restart: e.payload.restart });
        metrics?.crashes.inc({ restarted_by: e.payload.restart ? 'kafkajs' : 'consumer' });
        // kafkajs restarts a crashed consumer only after an error it deems retriable; after
        // another (e.g. "Failed to find group coordinator" while the broker restarts, kafkajs
        // issue 1630) it stays stopped for good while the process runs on. This one restarts.
        if (!e.payload.restart) restarter.schedule();
      });
      consumer.on(consumer.events.GROUP_JOIN, () => restarter.joined());
      await consumer.connect();
      if (lag && lagSource && metrics) {
        lagAdmin = options.kafka.admin();
        await lagAdmin.connect();
        metrics.lagSources.add(lagSource);
        const refreshMs = options.lag?.refreshMs ?? DEFAULT_LAG_REFRESH_MS;
        lagLoop = (async () => {
          while (!stopSignal.aborted) {
            await sleep(refreshMs, stopSignal).catch(() => undefined);
            if (!stopSignal.aborted) await refreshLag();
          }
        })();
      }
      await consumer.subscribe({
        topics: [...byPhysical.keys()],
        fromBeginning: options.fromBeginning ?? true,
      });
      committer.start();
      await consumer.run(runConfig);
      await joined;
      await lanesLoaded;
      logger.info('consuming', { topics: [...byPhysical.keys()] });
    },
    async stop() {
      stopController.abort();
      restarter.cancel();
      // Lanes stop at their next step; a message under way finishes or stays uncommitted.
      await allLanesStopped();
      // Commit while still a member of the group, before leaving it.
      await committer.commit('shutdown');
      committer.stop();
      await consumer.disconnect();
      if (lagSource) metrics?.lagSources.delete(lagSource);
      await lagLoop;
      await lagRefresh;
      await lagAdmin?.disconnect();
    },
  };
}

/** A step check: throws ConsumerStopping once the lane may not go on. */
type Checkpoint = () => void;

/**
 * What a prefetch kept for its batch: nothing; a release, the partition's next prefetch waiting
 * until the batch is handled; or a release saying whether the next prefetch waits.
 */
export type PrefetchResult =
  void | undefined | (() => void) | { release: () => void; nextWaits: boolean };

/** A fetched batch: its prefetch, and what is left of it to finish. */
interface BatchRef {
  /** Resolves once the batch's prefetch ended (its lanes wait for it). */
  ready?: Promise<void>;
  pending: number;
  /** Lets go of what the prefetch kept (set once the prefetch kept something). */
  release: () => void;
  /** Resolves once the batch is finished or abandoned. */
  finished: Promise<void>;
  /** Called once the batch is finished or abandoned: releases it and resolves `finished`. */
  finish: () => void;
}

interface LaneItem {
  message: HeldMessage;
  batch: BatchRef;
  /** The items the message carries (ADR 0166), what the unfinished limits count. */
  items: number;
}

/** A partition's messages taken over from the client and not finished yet, by lane. */
interface PartitionWork {
  topic: string;
  partition: number;
  generation: number;
  /** Its messages by key, running or waiting for a free slot. */
  lanes: KeyLanes<LaneItem>;
  running: number;
  unfinished: number;
  batches: Set<BatchRef>;
  /** When the partition's next prefetch may start. */
  prefetched: Promise<void>;
  /** Set when the assignment ended or a lane failed: no lane takes another step. */
  halted: boolean;
  /** Resumes the partition's fetching, when it was paused for too many unfinished messages. */
  resume?: () => void;
}

const once = (fn: () => void): (() => void) => {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    fn();
  };
};
