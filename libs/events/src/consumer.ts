import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import {
  classifyError,
  errorMessage,
  errorReason,
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
  messageLogContext,
  type ConsumedEventOf,
  type RawMessage,
} from './delivery.js';
import { ConsumerLag } from './lag.js';
import { eventMetrics, type LagSource } from './metrics.js';
import { laneOf, lanesOf } from './key-lanes.js';
import { OffsetTracker } from './offsets.js';
import {
  BEHIND_SET_ASIDE,
  nextAttemptAfter,
  storedError,
  type SetAsideEvent,
  type SetAsidePort,
} from './set-aside.js';

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
   * place (the partition waits); with `setAside` the event is set aside for a retrier.
   * Effects must be idempotent: after a crash, up to one commit interval is delivered again.
   */
  handle: (event: ConsumedEventOf<K>) => Promise<void>;
  /**
   * Called with the decodable events of each fetched batch before any of them is handled, so a
   * handler can make one call for many (e.g. look many SKUs up at once). Only a hint: its failure
   * is logged and the events are handled one by one as always. It may resolve with a function,
   * called once the batch's handling ends (whole, stopped or revoked), to let go of what it kept.
   */
  prefetch?: (events: ConsumedEventOf<K>[]) => Promise<void | (() => void)>;
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
  partitionsConsumedConcurrently?: number;
  /**
   * Within one partition's batch, how many keys (stores) are handled at once: messages are
   * grouped into lanes by key, each lane in offset order, up to this many lanes at a time.
   * Messages without a key form one lane. Commits never pass the oldest unfinished message.
   * Default 1: the batch is handled in offset order, one message at a time.
   */
  keysConsumedConcurrently?: number;
  /** Backoff of in-place retries (and the first replay time of a set-aside event). */
  retry?: { initialDelayMs?: number; maxDelayMs?: number };
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

/** The consumer is stopping: the message is left unfinished and will be delivered again. */
class ConsumerStopping extends Error {
  constructor() {
    super('consumer is stopping; message left uncommitted for redelivery');
    this.name = 'ConsumerStopping';
  }
}

/** The group is rebalancing: this member must rejoin; unfinished work is delivered again. */
class PartitionsRevoked extends Error {
  constructor(cause: unknown) {
    super('the group is rebalancing', { cause });
    this.name = 'PartitionsRevoked';
  }
}

const REBALANCE_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
]);
const isRebalance = (error: unknown) =>
  REBALANCE_ERRORS.has((error as { type?: string } | null)?.type ?? '');

/**
 * How often the batch loop asks the group for news (a rebalance shows up as a heartbeat error);
 * the client only sends a heartbeat every 3 s anyway.
 */
const HEARTBEAT_CHECK_MS = 500;
/** How often a long wait heartbeats, well inside the session timeout. */
const HEARTBEAT_STEP_MS = 3_000;

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
  const logger = options.logger.child({ component: 'consumer', groupId });
  const metrics = options.metrics ? eventMetrics(options.metrics) : undefined;
  const byPhysical = new Map<string, K>(
    options.topics.map((key) => [physicalTopic(key, options.namespace), key]),
  );
  const consumer = options.kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    allowAutoTopicCreation: false,
  });
  const stopController = new AbortController();
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
  let activeBatches = 0;
  let idle: (() => void) | undefined;

  /** Heartbeats; a rebalance is reported after committing what finished (the revoke commit). */
  const heartbeatOrRevoke = async (heartbeat: () => Promise<void>): Promise<void> => {
    try {
      await heartbeat();
    } catch (error) {
      if (error instanceof ConsumerStopping) throw error;
      if (!isRebalance(error)) return;
      await committer.commit('revoke');
      throw new PartitionsRevoked(error);
    }
  };

  /** A wait that keeps the group membership alive and gives way to stop and rebalance. */
  const waitHeartbeating =
    (heartbeat: () => Promise<void>) =>
    async (ms: number): Promise<void> => {
      for (let left = ms; left > 0; left -= HEARTBEAT_STEP_MS) {
        try {
          await sleep(Math.min(HEARTBEAT_STEP_MS, left), stopSignal);
        } catch {
          throw new ConsumerStopping();
        }
        await heartbeatOrRevoke(heartbeat);
      }
    };

  /** Retries a step that must succeed before the message counts as finished (DLQ, park). */
  const untilDone = async <T>(
    what: string,
    fn: () => Promise<T>,
    heartbeat: () => Promise<void>,
  ): Promise<T> => {
    try {
      return await retry(fn, {
        retries: Infinity,
        initialDelayMs: 500,
        maxDelayMs: 10_000,
        signal: stopSignal,
        sleep: waitHeartbeating(heartbeat),
        onRetry: ({ attempt, error }) =>
          logger.warn(`${what} failed; retrying`, { attempt, error: errorMessage(error) }),
      });
    } catch (error) {
      throw stopSignal.aborted ? new ConsumerStopping() : error;
    }
  };

  /** One attempt; synchronous up to the handler once the writer schema is known. */
  const handleOnce = (raw: RawMessage): Promise<void> => {
    try {
      const event = decodeKnownMessage(codec, byPhysical, raw);
      if (event) return handleInLogContext(options.handle, event);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return decodeMessage(codec, byPhysical, raw).then((event) =>
      handleInLogContext(options.handle, event),
    );
  };

  /**
   * Retries in place after a failed first attempt until success, a permanent error, stop or
   * revoke; the partition waits, which keeps every key's order.
   */
  const handleBlocking = (
    raw: RawMessage,
    firstError: unknown,
    heartbeat: () => Promise<void>,
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
        sleep: waitHeartbeating(heartbeat),
        onRetry: ({ attempt, delayMs, error }) => {
          const reason = errorReason(error);
          metrics?.retries.inc({ topic: raw.topic, reason });
          logger.warn('handler failed; will retry without committing', {
            topic: raw.topic,
            partition: raw.partition,
            offset: raw.offset,
            attempt,
            delayMs,
            reason,
            error: errorMessage(error),
          });
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
    heartbeat: () => Promise<void>,
  ): Promise<void> => {
    const events = raws.map((raw) => setAsideEvent(raw, lane, undefined));
    await untilDone('setting events aside', () => setAside!.parkMany!(events), heartbeat);
    for (const raw of raws) {
      metrics?.setAside.inc({ topic: raw.topic, reason: BEHIND_SET_ASIDE });
      metrics?.consumed.inc({ topic: raw.topic, outcome: 'set-aside' });
    }
  };

  const park = async (
    raw: RawMessage,
    lane: string,
    failure: { error: unknown } | undefined,
    heartbeat: () => Promise<void>,
  ): Promise<void> => {
    const port = setAside!;
    const event = setAsideEvent(raw, lane, failure);
    const { reason } = event;
    await untilDone('setting an event aside', () => port.park(event), heartbeat);
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
  const laneIsParked = async (lane: string, heartbeat: () => Promise<void>): Promise<boolean> => {
    if (!parkedLanes.has(lane)) return false;
    const parked = await untilDone(
      'checking set-aside events',
      () => setAside!.hasParked(groupId, lane),
      heartbeat,
    );
    if (!parked) parkedLanes.delete(lane);
    return parked;
  };

  /** Brings one message to *finished*; throws only ConsumerStopping or PartitionsRevoked. */
  const finish = async (raw: RawMessage, heartbeat: () => Promise<void>): Promise<void> => {
    const lane = setAside ? laneOf(raw.key) : '';
    if (setAside && (await laneIsParked(lane, heartbeat))) {
      await park(raw, lane, undefined, heartbeat);
      return;
    }
    try {
      // The first attempt goes without the retry machinery: it is the hot path.
      await handleOnce(raw);
    } catch (error) {
      await recover(raw, lane, error, heartbeat);
      return;
    }
    metrics?.consumed.inc({ topic: raw.topic, outcome: 'handled' });
  };

  /** After a failed first attempt: retry in place, dead-letter, or set aside. */
  const recover = async (
    raw: RawMessage,
    lane: string,
    firstError: unknown,
    heartbeat: () => Promise<void>,
  ): Promise<void> => {
    let error = firstError;
    if (classifyError(error) !== 'permanent' && !setAside) {
      try {
        await handleBlocking(raw, firstError, heartbeat);
        metrics?.consumed.inc({ topic: raw.topic, outcome: 'handled' });
        return;
      } catch (retryError) {
        if (retryError instanceof PartitionsRevoked) throw retryError;
        if (stopSignal.aborted || retryError instanceof ConsumerStopping) {
          throw new ConsumerStopping();
        }
        error = retryError;
      }
    }
    if (classifyError(error) === 'permanent') {
      await untilDone('writing to the DLQ', () => deadLetter(raw, error), heartbeat);
    } else if (setAside) {
      await park(raw, lane, { error }, heartbeat);
    } else {
      throw error; // unreachable: in-place retries end in success, permanent, stop or revoke
    }
  };

  const toRaw = (topic: string, partition: number, message: KafkaMessage): RawMessage => ({
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
    messages: KafkaMessage[],
  ): Promise<void | (() => void)> => {
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

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const { topic, partition } = batch;
    const generation = tracker.generation;
    const goOn = () =>
      !stopSignal.aborted &&
      payload.isRunning() &&
      !payload.isStale() &&
      generation === tracker.generation;
    // Told once the batch's handling ended (e.g. to let go of what its prefetch kept).
    let batchDone: void | (() => void) = undefined;
    activeBatches++;
    if (generation === tracker.generation) lag?.watermarks(topic, partition, batch.highWatermark);
    try {
      await lanesLoaded;
      if (options.prefetch) batchDone = await prefetchBatch(topic, partition, batch.messages);
      if (!goOn()) return;
      await runLanes(payload, generation, goOn);
    } finally {
      batchDone?.();
      if (--activeBatches === 0) idle?.();
    }
  };

  /**
   * Handles a batch in lanes by message key (one lane of all messages when keys are not consumed
   * concurrently), each lane in offset order, up to `keysConsumedConcurrently` lanes at once.
   * Every message is marked started first, so a later offset finishing first never lets the
   * commit pass an earlier one. The first lane to fail stops the others (each at its next
   * message or retry step), and the batch ends only when every lane has.
   */
  const runLanes = async (
    payload: EachBatchPayload,
    generation: number,
    goOn: () => boolean,
  ): Promise<void> => {
    const { batch } = payload;
    const { topic, partition } = batch;
    const lanes = lanesOf(batch.messages, keysConcurrently);
    for (const message of batch.messages)
      tracker.started(generation, topic, partition, message.offset);
    const finished = new Set<string>();
    let failure: { error: unknown } | undefined;
    let halted = false;
    let lastHeartbeat = Date.now();
    let heartbeating: Promise<void> | undefined;
    // One heartbeat at a time for the whole batch; a halted batch stops its retries' waits.
    const heartbeat = (): Promise<void> => {
      if (halted) return Promise.reject(new ConsumerStopping());
      heartbeating ??= payload.heartbeat().finally(() => (heartbeating = undefined));
      return heartbeating;
    };
    const markFinished = (message: KafkaMessage): void => {
      tracker.finished(generation, topic, partition, message.offset);
      if (generation === tracker.generation) lag?.finished(topic, partition, message.offset);
      finished.add(message.offset);
      committer.noteFinished();
    };
    const runLane = async (messages: KafkaMessage[]): Promise<void> => {
      for (let index = 0; index < messages.length;) {
        if (halted || !goOn()) {
          halted = true;
          return;
        }
        const message = messages[index]!;
        const raw = toRaw(topic, partition, message);
        // A lane with set-aside events: this message and the next ones of its key go behind them
        // at once (one write for many, not a check and a write each).
        const behind = await parkedRun(messages, index, heartbeat);
        if (behind.length > 0) {
          for (const parked of behind) markFinished(parked);
          index += behind.length;
        } else {
          // Every line about this message (retries, DLQ, set-aside) names its store and ids.
          await withLogContext(messageLogContext(raw), () => finish(raw, heartbeat));
          markFinished(message);
          index += 1;
        }
        if (Date.now() - lastHeartbeat >= HEARTBEAT_CHECK_MS) {
          lastHeartbeat = Date.now();
          await heartbeatOrRevoke(heartbeat);
        }
      }
    };
    /**
     * When the lane of `messages[from]` holds set-aside events: sets that message and the next
     * ones of the same key aside behind them, in order, and answers them; else answers none.
     */
    const parkedRun = async (
      messages: KafkaMessage[],
      from: number,
      heartbeat: () => Promise<void>,
    ): Promise<KafkaMessage[]> => {
      if (!setAside?.parkMany) return [];
      const lane = laneOf(messages[from]!.key);
      if (!(await laneIsParked(lane, heartbeat))) return [];
      let to = from + 1;
      while (to < messages.length && laneOf(messages[to]!.key) === lane) to++;
      const run = messages.slice(from, to);
      const raws = run.map((message) => toRaw(topic, partition, message));
      await withLogContext(messageLogContext(raws[0]!), () => parkBehind(raws, lane, heartbeat));
      return run;
    };
    const next = lanes[Symbol.iterator]();
    const worker = async (): Promise<void> => {
      for (let lane = next.next(); !lane.done && !halted; lane = next.next()) {
        try {
          await runLane(lane.value);
        } catch (error) {
          failure ??= { error };
          halted = true;
        }
      }
    };
    try {
      await Promise.all(
        Array.from({ length: Math.min(keysConcurrently, lanes.length) }, () => worker()),
      );
    } finally {
      // The client's next fetch starts after the last *resolved* offset: resolve the finished
      // prefix once, so everything after the first unfinished message is fetched again.
      let lastFinished: string | undefined;
      for (const message of batch.messages) {
        if (!finished.has(message.offset)) break;
        lastFinished = message.offset;
      }
      if (lastFinished !== undefined) payload.resolveOffset(lastFinished);
    }
    if (!failure) return;
    const { error } = failure;
    if (error instanceof ConsumerStopping) return;
    if (error instanceof PartitionsRevoked) throw error.cause;
    throw error;
  };

  const loadParkedLanes = async (): Promise<void> => {
    if (!setAside) return;
    const keys = await untilDone(
      'loading set-aside lanes',
      () => setAside.parkedKeys(groupId),
      () => Promise.resolve(),
    ).catch((error: unknown) => {
      if (error instanceof ConsumerStopping) return [];
      throw error;
    });
    parkedLanes.clear();
    for (const key of keys) parkedLanes.add(key);
  };

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
        tracker.newGeneration();
        lanesLoaded = loadParkedLanes();
        lag?.assign(e.payload.memberAssignment);
        void refreshLag();
      });
      consumer.on(consumer.events.REBALANCING, () => {
        // Best effort: the group may already refuse this generation's commit.
        void committer.commit('revoke');
      });
      consumer.on(consumer.events.CRASH, (e) => {
        logger.error('consumer crashed', { error: e.payload.error, restart: e.payload.restart });
      });
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
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        // Batches of several partitions are handled at once. kafkajs fetches again only when
        // every batch of the last fetch is done, so a partition retrying in place holds every
        // partition of its broker: `setAside` is what keeps the others flowing.
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
        eachBatch,
      });
      await joined;
      await lanesLoaded;
      logger.info('consuming', { topics: [...byPhysical.keys()] });
    },
    async stop() {
      stopController.abort();
      if (activeBatches > 0) await new Promise<void>((resolve) => (idle = resolve));
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
