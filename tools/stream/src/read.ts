import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import {
  FETCH_MAX_WAIT_MS,
  dlqTopicName,
  physicalTopic,
  topics,
  type EventCodec,
  type EventOf,
  type TopicKey,
} from '@msync/events';
import { errorMessage } from '@msync/platform';
import { matchesFilter, type EventFilter } from './filters.js';

export interface ReadOptions {
  kafka: Kafka;
  namespace?: string;
  /** Only messages keyed by this store. */
  storeId?: string;
  /** Stop after this many matching messages (default: everything currently on the topic). */
  limit?: number;
  /** Skip messages produced before this time. */
  since?: Date;
  /** Skip messages produced after this time. */
  until?: Date;
  /** Skip messages below this offset (of the store's partition: a store keeps one). */
  fromOffset?: bigint;
  /** Skip messages above this offset. */
  toOffset?: bigint;
  /** Skip messages for which this says false (read after the other filters). */
  where?: (message: KafkaMessage) => boolean;
  /** Keep reading new messages after the end until `signal` aborts (default: stop at the end). */
  follow?: { signal: AbortSignal };
}

export type Printed<T> = {
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  headers: Record<string, string>;
} & T;

/**
 * Reads a topic from the start (or `since`) up to its current end, without joining a consumer
 * group or committing anything, and hands each message to `onMessage`.
 */
export async function readTopic(
  options: ReadOptions & { topic: string },
  onMessage: (message: KafkaMessage, partition: number) => Promise<boolean | void>,
): Promise<number> {
  const admin = options.kafka.admin();
  await admin.connect();
  let ends: { partition: number; high: string; low: string }[];
  const byTime = new Map<number, bigint>();
  try {
    ends = await admin.fetchTopicOffsets(options.topic);
    if (options.since) {
      const at = await admin.fetchTopicOffsetsByTimestamp(options.topic, options.since.getTime());
      for (const p of at) if (BigInt(p.offset) >= 0n) byTime.set(p.partition, BigInt(p.offset));
    }
  } finally {
    await admin.disconnect();
  }
  // Read each partition up to the end it has now, so the command terminates; start where the
  // bounds say (an offset, or the first message at `since`) rather than at the beginning.
  const pending = new Map<number, bigint>();
  const starts = new Map<number, bigint>();
  for (const p of ends) {
    const [low, high] = [BigInt(p.low), BigInt(p.high)];
    const start = [options.fromOffset, byTime.get(p.partition)].reduce<bigint>(
      (max, v) => (v !== undefined && v > max ? v : max),
      low,
    );
    if (start > low) starts.set(p.partition, start);
    if (high > start) pending.set(p.partition, high);
  }
  const since = options.since?.getTime();
  const until = options.until?.getTime();
  const follow = options.follow;
  if (pending.size === 0 && !follow) return 0;
  if (follow?.signal.aborted) return 0;

  const matches = (message: KafkaMessage, key: string | null) => {
    const offset = BigInt(message.offset);
    const at = Number(message.timestamp);
    return (
      (since === undefined || at >= since) &&
      (until === undefined || at <= until) &&
      (options.fromOffset === undefined || offset >= options.fromOffset) &&
      (options.toOffset === undefined || offset <= options.toOffset) &&
      (!options.storeId || key === options.storeId) &&
      (options.where === undefined || options.where(message))
    );
  };

  // A throwaway group id: kafkajs needs one, nothing is ever committed under it.
  const consumer = options.kafka.consumer({
    groupId: `msync-stream-${randomUUID()}`,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
  });
  let count = 0;
  let stop = false;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    follow?.signal.addEventListener('abort', () => {
      stop = true;
      finish();
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (stop) return;
        const end = pending.get(partition);
        if (!follow && (end === undefined || BigInt(message.offset) >= end)) return;
        const key = message.key?.toString('utf8') ?? null;
        if (matches(message, key)) {
          count++;
          if (
            (await onMessage(message, partition)) === false ||
            (options.limit !== undefined && count >= options.limit)
          )
            stop = true;
        }
        if (end !== undefined && BigInt(message.offset) + 1n >= end) pending.delete(partition);
        if (stop || (!follow && pending.size === 0)) finish();
      },
    });
    for (const [partition, offset] of starts)
      consumer.seek({ topic: options.topic, partition, offset: String(offset) });
    await done;
  } finally {
    await consumer.disconnect();
  }
  return count;
}

function headersOf(message: KafkaMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(message.headers ?? {}).map(([k, v]) => [
      k,
      Buffer.isBuffer(v) ? v.toString('utf8') : String(v),
    ]),
  );
}

function base(message: KafkaMessage, partition: number) {
  return {
    partition,
    offset: message.offset,
    timestamp: new Date(Number(message.timestamp)).toISOString(),
    key: message.key?.toString('utf8') ?? null,
    headers: headersOf(message),
  };
}

/**
 * Decoded events of a topic; undecodable messages are shown with the reason instead (and pass
 * no order or SKU filter). `limit` counts what is printed.
 */
export async function tailEvents<K extends TopicKey>(
  options: ReadOptions & { codec: EventCodec; topicKey: K; filter?: EventFilter },
  print: (entry: Printed<{ value?: EventOf<K>; error?: string }>) => void,
): Promise<number> {
  const { limit, filter, ...read } = options;
  const filtering = filter !== undefined && (filter.orderId ?? filter.sku) !== undefined;
  let printed = 0;
  await readTopic(
    { ...read, topic: physicalTopic(options.topicKey, options.namespace) },
    async (message, partition) => {
      try {
        const value = await options.codec.decode(options.topicKey, message.value);
        if (filtering && !matchesFilter(value, filter)) return true;
        print({ ...base(message, partition), value });
      } catch (error) {
        if (filtering) return true;
        print({ ...base(message, partition), error: errorMessage(error) });
      }
      printed++;
      return limit === undefined || printed < limit;
    },
  );
  return printed;
}

/** Dead letters of a topic: reason headers and a readable preview of the original bytes. */
export async function deadLetters(
  options: ReadOptions & { topicKey: TopicKey },
  print: (
    entry: Printed<{
      /** The dead letter's id, for `dlq redrive --id`. */
      id: string;
      reason: string;
      error: string;
      sourceOffset: string;
      valuePreview: string;
      valueBytes: number;
    }>,
  ) => void,
): Promise<number> {
  const topic = dlqTopicName(physicalTopic(options.topicKey, options.namespace));
  return readTopic({ ...options, topic }, async (message, partition) => {
    const entry = base(message, partition);
    const value = message.value ?? Buffer.alloc(0);
    const printable = [...value].every(
      (b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127),
    );
    print({
      ...entry,
      id: `${topic}:${partition}:${message.offset}`,
      reason: entry.headers['dlq-reason'] ?? '',
      error: entry.headers['dlq-error'] ?? '',
      sourceOffset: entry.headers['dlq-source-offset'] ?? '',
      valueBytes: value.length,
      valuePreview: printable
        ? value.toString('utf8').slice(0, 500)
        : `hex:${value.subarray(0, 64).toString('hex')}`,
    });
  });
}

/** The catalog with each topic's message counts (high − low watermark) and its DLQ's. */
export async function describeTopics(
  kafka: Kafka,
  namespace = '',
): Promise<{ key: TopicKey; name: string; messages: number; deadLetters: number }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const count = async (topic: string) => {
      if (!existing.has(topic)) return -1;
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
    };
    const rows = [];
    for (const key of Object.keys(topics) as TopicKey[]) {
      const name = physicalTopic(key, namespace);
      rows.push({
        key,
        name,
        messages: await count(name),
        deadLetters: await count(dlqTopicName(name)),
      });
    }
    return rows;
  } catch (error) {
    throw new Error(`cannot describe topics: ${errorMessage(error)}`);
  } finally {
    await admin.disconnect();
  }
}
