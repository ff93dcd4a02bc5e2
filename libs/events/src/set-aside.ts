import {
  RateLimitedError,
  backoffDelay,
  classifyError,
  errorMessage,
  errorReason,
  runWithDeadline,
  scrubString,
  withLogContext,
} from '@msync/platform';
import { physicalTopic, type TopicKey } from './catalog.js';
import type { EventCodec } from './codec.js';
import type { DeadLetterWriter } from './dead-letter.js';
import {
  decodeMessage,
  eventLogContext,
  messageLogContext,
  type ConsumedEventOf,
  type RawMessage,
} from './delivery.js';

/** Why an event was set aside when it was not its own failure. */
export const BEHIND_SET_ASIDE = 'behind-set-aside';

/** An event to set aside: the raw message, its lane (group + key) and why. */
export interface SetAsideEvent {
  groupId: string;
  /** The lane: the message key (storeId); `''` for a message without a key. */
  key: string;
  topic: string;
  partition: number;
  offset: string;
  value: Buffer | null;
  headers: Record<string, string>;
  /** The failure's reason, or {@link BEHIND_SET_ASIDE} for an event queued behind it. */
  reason: string;
  error?: string;
  /** Failures so far (0 for an event set aside only because its lane was not empty). */
  attempts: number;
  /** Earliest time a retrier should replay the lane. */
  nextAttemptAt: Date;
}

/**
 * Where the consumer sets events aside. `park` must be durable when it resolves: the consumer
 * commits past the event right after, so the store is then the only record of it.
 */
export interface SetAsidePort {
  /** Appends to the end of the lane; parking the same (topic, partition, offset) twice is a no-op. */
  park(event: SetAsideEvent): Promise<void>;
  /**
   * Appends events of one lane, in order: the same as `park` of each in turn, in fewer writes.
   * Optional: without it the consumer parks one event at a time.
   */
  parkMany?(events: readonly SetAsideEvent[]): Promise<void>;
  /** Whether the lane still holds events. */
  hasParked(groupId: string, key: string): Promise<boolean>;
  /** Lanes of the group that hold events (read at each partition assignment). */
  parkedKeys(groupId: string): Promise<string[]>;
}

/** A parked event as stored, in its lane's order (`seq`). */
export interface ParkedEvent extends SetAsideEvent {
  id: string;
  seq: number;
  parkedAt: Date;
}

/** What a retrier needs on top of the consumer's port. */
export interface ParkedEventStore extends SetAsidePort {
  /** The lane's events, oldest first: its first `limit` only when given. */
  list(groupId: string, key: string, limit?: number): Promise<ParkedEvent[]>;
  /** Removes an event once replayed (or dead-lettered). */
  remove(id: string): Promise<void>;
  /** Records a failed replay of the lane's head. */
  recordFailedAttempt(
    id: string,
    failure: { reason: string; error: string; nextAttemptAt: Date },
  ): Promise<void>;
}

export interface DrainResult {
  /**
   * `drained`: the lane is empty; `not-due`: its head waits for nextAttemptAt; `failed`: the head
   * failed again; `stopped`: the signal aborted (the rest of the lane waits, in order).
   */
  outcome: 'drained' | 'not-due' | 'failed' | 'stopped';
  /**
   * With `not-due`: when the head may be replayed. Only a drain after then changes a lane's head
   * (parking appends behind it), so a retrier need not read the lane before.
   */
  dueAt?: Date;
  replayed: number;
  deadLettered: number;
  error?: unknown;
}

export interface DrainOptions<K extends TopicKey> {
  store: ParkedEventStore;
  codec: EventCodec;
  groupId: string;
  key: string;
  /** Topics the lane's events may come from (those of the consumer that parked them). */
  topics: readonly K[];
  namespace?: string;
  /** The same effect the consumer applies. */
  handle: (event: ConsumedEventOf<K>) => Promise<void>;
  /** Where an event goes whose replay fails permanently. */
  deadLetter: DeadLetterWriter;
  /**
   * Called with up to {@link DRAIN_PREPARE_EVENTS} of the lane's next events before they are
   * handled, as the consumer prepares a fetched batch (the applier looks their products up at
   * once); what it returns is called once they are handled or the drain stops among them. A
   * preparation that fails is logged by the caller's hook, not here: it must not throw.
   */
  prepare?: (events: ConsumedEventOf<K>[]) => Promise<() => void>;
  retry?: { initialDelayMs?: number; maxDelayMs?: number };
  /**
   * Checked before each event: once aborted (e.g. the lane's lease was lost), no event is started,
   * the handler's vendor calls under way give way (`runWithDeadline`), and an event whose handling
   * fails once it is aborted counts no failed attempt (ADR 0186).
   */
  signal?: AbortSignal;
  now?: () => Date;
}

const MAX_ERROR_LENGTH = 2_000;

/** A parked event as the raw message it was. */
export function parkedToRaw(event: ParkedEvent): RawMessage {
  return {
    topic: event.topic,
    partition: event.partition,
    offset: event.offset,
    key: event.key === '' ? null : Buffer.from(event.key, 'utf8'),
    value: event.value,
    headers: event.headers,
  };
}

/**
 * When a failed event should be tried again: a backoff that grows with the attempts, up to
 * `maxDelayMs`. A rate-limited failure (a 429's `Retry-After`, the shared call gate, the ShipBob
 * budget) waits what the limit says instead, however often it happened before: the limit is a
 * queue, not a fault, and its wait does not grow with it (ADR 0118).
 */
export function nextAttemptAfter(
  error: unknown,
  attempts: number,
  now: Date,
  retry: { initialDelayMs?: number; maxDelayMs?: number } = {},
): Date {
  const backoff = {
    initialDelayMs: retry.initialDelayMs ?? 5_000,
    maxDelayMs: retry.maxDelayMs ?? 15 * 60_000,
  };
  const delayMs =
    error instanceof RateLimitedError
      ? Math.min(backoff.maxDelayMs, Math.max(error.retryAfterMs, backoffDelay(1, backoff)))
      : backoffDelay(attempts, backoff);
  return new Date(now.getTime() + delayMs);
}

/** The error text stored with a parked event (scrubbed of secrets, bounded). */
export function storedError(error: unknown): string {
  return scrubString(errorMessage(error)).slice(0, MAX_ERROR_LENGTH);
}

/**
 * Replays one lane in order: each event is handled with the consumer's effect and removed once
 * done; a permanent failure is dead-lettered and removed; a retriable failure stops the lane
 * (later events stay behind it) and records when to try again. Events parked while draining
 * are drained too. The lane is empty — the store un-parked — only when it returns `drained`.
 */
export async function drainParked<K extends TopicKey>(
  options: DrainOptions<K>,
): Promise<DrainResult> {
  const now = options.now ?? (() => new Date());
  const byPhysical = new Map<string, K>(
    options.topics.map((key) => [physicalTopic(key, options.namespace), key]),
  );
  const result: DrainResult = { outcome: 'drained', replayed: 0, deadLettered: 0 };
  // A lane is read a chunk at a time from its head: every event replayed or dead-lettered leaves
  // it, so the next read starts after the chunk, and a lane of many events whose head is not due
  // costs one short read, not the whole lane in memory (ADR 0158).
  for (;;) {
    const lane = await options.store.list(options.groupId, options.key, DRAIN_PREPARE_EVENTS);
    const head = lane[0];
    if (!head) return result;
    if (head.attempts > 0 && head.nextAttemptAt > now() && result.replayed === 0) {
      return { ...result, outcome: 'not-due', dueAt: head.nextAttemptAt };
    }
    if (options.signal?.aborted) return { ...result, outcome: 'stopped' };
    // The chunk's events are decoded first, so that they can be prepared together.
    const chunk = await Promise.all(
      lane.map(async (parked) => {
        const raw = parkedToRaw(parked);
        const decoded = await decodeMessage(options.codec, byPhysical, raw).then(
          (event) => ({ event }),
          (error: unknown) => ({ error }),
        );
        return { parked, raw, decoded };
      }),
    );
    const release = options.prepare
      ? await options.prepare(
          chunk.flatMap(({ decoded }) => ('event' in decoded ? [decoded.event] : [])),
        )
      : undefined;
    try {
      const stop = await replayChunk(chunk);
      if (stop) return stop;
    } finally {
      release?.();
    }
  }

  /** Replays a chunk of the lane in order; what the drain returns when it stops within it. */
  async function replayChunk(
    chunk: {
      parked: ParkedEvent;
      raw: RawMessage;
      decoded: { event: ConsumedEventOf<K> } | { error: unknown };
    }[],
  ): Promise<DrainResult | undefined> {
    for (const { parked, raw, decoded } of chunk) {
      if (options.signal?.aborted) return { ...result, outcome: 'stopped' };
      // The replay logs under the event's store and ids, as the consumer's first attempt did
      // (a lane's key is not always the store: the applier's waiting lanes are per effect).
      const context = 'event' in decoded ? eventLogContext(decoded.event) : messageLogContext(raw);
      const failure = await withLogContext(context, async () => {
        try {
          if (!('event' in decoded)) throw decoded.error;
          const event = decoded.event;
          // Its vendor calls give way once the signal aborts (ADR 0186).
          await (options.signal
            ? runWithDeadline(options.signal, () => options.handle(event))
            : options.handle(event));
          result.replayed++;
        } catch (error) {
          // Given up because the drain stops (ADR 0186): no failed attempt; the event stays first.
          if (options.signal?.aborted && classifyError(error) !== 'permanent')
            return { stopped: true };
          if (classifyError(error) !== 'permanent') {
            const attempts = parked.attempts + 1;
            await options.store.recordFailedAttempt(parked.id, {
              reason: errorReason(error),
              error: storedError(error),
              nextAttemptAt: nextAttemptAfter(error, attempts, now(), options.retry),
            });
            return { error };
          }
          await options.deadLetter(raw, error);
          result.deadLettered++;
        }
        await options.store.remove(parked.id);
        return undefined;
      });
      if (failure && 'stopped' in failure) return { ...result, outcome: 'stopped' };
      if (failure) return { ...result, outcome: 'failed', error: failure.error };
    }
    return undefined;
  }
}

/** Events of a lane prepared together at most (`DrainOptions.prepare`). */
export const DRAIN_PREPARE_EVENTS = 200;
