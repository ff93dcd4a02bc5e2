import type { IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { physicalTopic, type EventCodec } from '@msync/events';
import { errorMessage } from '@msync/platform';
import {
  effectKeyOf,
  newestConfig,
  offersOf,
  previewFact,
  storeConfigOf,
  type EffectsLedgerReader,
  type FactOf,
  type FactTopic,
  type Preview,
  type StoreConfig,
} from '@msync/sync-applier/replay';
import { readTopic, type ReadOptions } from './read.js';
import type { Progress } from './progress.js';

/** Where a replay starts or ends: a time, or an offset of the store's partition. */
export type Position = { time: Date } | { offset: bigint };

/** `2026-11-28T10:00:00Z` is a time, `1234` an offset. */
export function parsePosition(arg: string, option: string): Position {
  if (/^\d+$/.test(arg)) return { offset: BigInt(arg) };
  const time = new Date(arg);
  if (Number.isNaN(time.getTime()))
    throw new Error(`${option}: "${arg}" is neither an ISO-8601 time nor an offset`);
  return { time };
}

/**
 * Header of a republished fact: where its original is (`<topic>:<partition>:<offset>`). A
 * replay selects originals only, so replaying twice republishes the same facts, not copies of
 * copies.
 */
export const REPLAY_OF_HEADER = 'msync-replay-of';

export interface ReplaySelection {
  kafka: Kafka;
  codec: EventCodec;
  namespace: string;
  storeId: string;
  topicKeys: readonly FactTopic[];
  from: Position;
  to?: Position;
  progress?: Progress;
}

/** A fact of the selection: its place on the topic and, when it decodes, the fact. */
interface Selected {
  topicKey: FactTopic;
  topic: string;
  partition: number;
  message: KafkaMessage;
  fact?: FactOf;
  error?: string;
}

function bounds(from: Position, to: Position | undefined): Partial<ReadOptions> {
  return {
    ...('time' in from ? { since: from.time } : { fromOffset: from.offset }),
    ...(to === undefined ? {} : 'time' in to ? { until: to.time } : { toOffset: to.offset }),
  };
}

const isCopy = (message: KafkaMessage) => message.headers?.[REPLAY_OF_HEADER] !== undefined;

/** Reads the store's original facts of the selection, topic by topic, in offset order. */
async function select(
  selection: ReplaySelection,
  onFact: (selected: Selected) => Promise<void>,
): Promise<number> {
  let total = 0;
  for (const topicKey of selection.topicKeys) {
    const topic = physicalTopic(topicKey, selection.namespace);
    total += await readTopic(
      {
        kafka: selection.kafka,
        topic,
        storeId: selection.storeId,
        where: (message) => !isCopy(message),
        ...bounds(selection.from, selection.to),
      },
      async (message, partition) => {
        const selected: Selected = { topicKey, topic, partition, message };
        try {
          const value = await selection.codec.decode(topicKey, message.value);
          selected.fact = { topicKey, value } as FactOf;
        } catch (error) {
          selected.error = errorMessage(error);
        }
        await onFact(selected);
        selection.progress?.tick();
      },
    );
  }
  selection.progress?.done();
  return total;
}

/** The store's newest configuration on the configuration topic, read without a group commit. */
export async function readStoreConfig(
  kafka: Kafka,
  codec: EventCodec,
  namespace: string,
  storeId: string,
): Promise<StoreConfig | undefined> {
  let config: StoreConfig | undefined;
  await readTopic(
    { kafka, storeId, topic: physicalTopic('storeConfigChanged', namespace) },
    async (message) => {
      const event = await codec.decode('storeConfigChanged', message.value);
      config = newestConfig(config, storeConfigOf(event));
    },
  );
  return config;
}

export interface PreviewLine {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  eventId: string | null;
  effectKey: string | null;
  verdict: Preview['verdict'] | 'undecodable';
  text: string;
}

export type ReplaySummary = Record<PreviewLine['verdict'], number> & { events: number };

const emptySummary = (): ReplaySummary => ({
  events: 0,
  'would-apply': 0,
  'would-resume': 0,
  'already-applied': 0,
  skipped: 0,
  'would-fail': 0,
  'would-wait': 0,
  undecodable: 0,
});

/**
 * The dry run: per fact, what the applier would do now, decided by its own pure functions on
 * the store's newest configuration and its effects ledger. Reads only: no vendor call, no write.
 */
export async function previewReplay(
  selection: ReplaySelection & { ledger: EffectsLedgerReader },
  print: (line: PreviewLine) => void,
): Promise<ReplaySummary> {
  const config = await readStoreConfig(
    selection.kafka,
    selection.codec,
    selection.namespace,
    selection.storeId,
  );
  const summary = emptySummary();
  await select(selection, async ({ topic, partition, message, fact, error }) => {
    const place = {
      topic,
      partition,
      offset: message.offset,
      timestamp: new Date(Number(message.timestamp)).toISOString(),
    };
    const emit = (line: PreviewLine) => {
      summary.events++;
      summary[line.verdict]++;
      print(line);
    };
    if (!fact) {
      emit({
        ...place,
        eventId: null,
        effectKey: null,
        verdict: 'undecodable',
        text: `undecodable: ${error ?? ''}`,
      });
      return;
    }
    // A fact of several offers is previewed an offer at a time, as the applier decides it.
    const facts: FactOf[] =
      fact.topicKey === 'offerObserved'
        ? offersOf(fact.value).map((value) => ({ topicKey: 'offerObserved', value }))
        : [fact];
    for (const one of facts) {
      const effectKey = effectKeyOf(one);
      const record = await selection.ledger.read(selection.storeId, effectKey);
      const preview = previewFact(one, config, record);
      emit({
        ...place,
        eventId: one.value.envelope.eventId,
        effectKey,
        verdict: preview.verdict,
        text: preview.text,
      });
    }
  });
  return summary;
}

/**
 * The live replay: republishes the selected original facts, byte for byte, to their own topic
 * under the store's key, marked with {@link REPLAY_OF_HEADER}. The applier consumes them like
 * any fact and its effects ledger makes them idempotent: an effect done is a DUPLICATE, one
 * never done (skipped while a flow was off) is applied now.
 */
export async function replayFacts(
  selection: ReplaySelection & { producer: Producer; now?: () => Date },
): Promise<{ republished: number; undecodable: number; eventIds: string[]; startedAt: Date }> {
  const startedAt = (selection.now ?? (() => new Date()))();
  const replayedAt = startedAt.toISOString();
  const eventIds: string[] = [];
  const batches = new Map<string, { key: string; value: Buffer | null; headers: IHeaders }[]>();
  let undecodable = 0;
  await select(selection, async ({ topic, partition, message, fact }) => {
    if (!fact) {
      undecodable++;
      return;
    }
    eventIds.push(fact.value.envelope.eventId);
    const batch = batches.get(topic) ?? [];
    batch.push({
      key: selection.storeId,
      value: message.value,
      headers: {
        ...message.headers,
        [REPLAY_OF_HEADER]: `${topic}:${partition}:${message.offset}`,
        'msync-replayed-at': replayedAt,
      },
    });
    batches.set(topic, batch);
  });
  let republished = 0;
  for (const [topic, messages] of batches) {
    for (let i = 0; i < messages.length; i += 500) {
      const chunk = messages.slice(i, i + 500);
      await selection.producer.send({ topic, acks: -1, messages: chunk });
      republished += chunk.length;
    }
  }
  return { republished, undecodable, eventIds, startedAt };
}

/**
 * Follows the outcome topic until the applier has recorded an outcome for each replayed fact
 * (an outcome's `causationId` is its fact's `eventId`, which a copy keeps), or until the time
 * is up; prints each first outcome and returns how many of each kind, and how many are missing.
 */
export async function awaitOutcomes(
  options: {
    kafka: Kafka;
    codec: EventCodec;
    namespace: string;
    storeId: string;
    eventIds: readonly string[];
    /** Outcomes recorded before this are of earlier deliveries. */
    since: Date;
    timeoutMs: number;
  },
  print: (outcome: {
    eventId: string;
    outcome: string;
    effectKey: string;
    reason: string | null;
  }) => void,
): Promise<{ outcomes: Record<string, number>; missing: number }> {
  const pending = new Set(options.eventIds);
  const outcomes: Record<string, number> = {};
  if (pending.size === 0) return { outcomes, missing: 0 };
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), options.timeoutMs);
  try {
    await readTopic(
      {
        kafka: options.kafka,
        topic: physicalTopic('syncOutcome', options.namespace),
        storeId: options.storeId,
        since: options.since,
        follow: { signal: stop.signal },
      },
      async (message) => {
        const value = await options.codec.decode('syncOutcome', message.value);
        const eventId = value.envelope.causationId;
        if (eventId === null || !pending.delete(eventId)) return true;
        outcomes[value.outcome] = (outcomes[value.outcome] ?? 0) + 1;
        print({
          eventId,
          outcome: value.outcome,
          effectKey: value.effectKey,
          reason: value.reason,
        });
        return pending.size > 0;
      },
    );
  } finally {
    clearTimeout(timer);
  }
  return { outcomes, missing: pending.size };
}
