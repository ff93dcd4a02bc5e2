import type { IHeaders, KafkaMessage } from 'kafkajs';
import { safeLogId, withLogContext, type LogContext } from '@msync/platform';
import type { EventOf, TopicKey } from './catalog.js';
import type { EventCodec } from './codec.js';

/** One decoded message, as handed to a handler. */
export interface ConsumedEvent<K extends TopicKey> {
  topicKey: K;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: EventOf<K>;
  headers: Record<string, string>;
}

/** A handler sees a union over the subscribed topics, so `switch (event.topicKey)` narrows it. */
export type ConsumedEventOf<K extends TopicKey> = { [P in K]: ConsumedEvent<P> }[K];

/** A message as read from Kafka (or from the set-aside store), before decoding. */
export interface RawMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/**
 * The header of a message whose event carries items beyond its own (`more`): how many in all. A
 * message without it is one item.
 */
export const ITEMS_HEADER = 'items';

/** The items a message stands for: its {@link ITEMS_HEADER}, 1 without one (or a bad one). */
export function itemsOf(headers: Readonly<Record<string, string>>): number {
  const text = headers[ITEMS_HEADER];
  const items = text === undefined ? 1 : Number(text);
  return Number.isInteger(items) && items >= 1 ? items : 1;
}

/** A fetched message kept until it is handled: its own copy of the bytes it needs. */
export interface HeldMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * A fetched message with its key and value copied out of the fetch response they are views of,
 * and its headers as text (what every reader of them wants). The client reads a whole response
 * (up to megabytes, many partitions' messages) into one buffer; one message held until handled
 * keeps all of it: an applier holding a few thousand unfinished facts kept 17 MB of responses
 * whose other messages were long done. Small copies share Node's 8 KB pool slabs instead.
 */
export function heldMessage(message: KafkaMessage): HeldMessage {
  return {
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key ? Buffer.from(message.key) : null,
    value: message.value ? Buffer.from(message.value) : null,
    headers: headersAsText(message.headers),
  };
}

/** Header values as text (ours are all UTF-8 strings). */
export function headersAsText(headers: IHeaders | undefined): Record<string, string> {
  const text: Record<string, string> = {};
  if (!headers) return text;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    text[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return text;
}

const headerText = (headers: IHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Buffer.isBuffer(value)
    ? value.toString('utf8')
    : typeof value === 'string'
      ? value
      : undefined;
};

/**
 * What a message says of itself before it is decoded: its key (the store) and the ids our
 * publisher puts in its headers. Enough for the lines of a message that cannot be decoded.
 */
export function messageLogContext(raw: RawMessage): LogContext {
  return {
    storeId: safeLogId(raw.key?.toString('utf8')),
    correlationId: safeLogId(headerText(raw.headers, 'correlation-id')),
    eventId: safeLogId(headerText(raw.headers, 'event-id')),
  };
}

/** The envelope's store, correlation and event ids (what the handler's lines carry). */
export function eventLogContext(event: {
  value: { envelope: { storeId: string; correlationId: string; eventId: string } };
}): LogContext {
  const { storeId, correlationId, eventId } = event.value.envelope;
  return { storeId, correlationId, eventId };
}

/** Runs a handler with the event's ids in the log context of everything it logs. */
export function handleInLogContext<E extends ConsumedEvent<TopicKey>>(
  handle: (event: E) => Promise<void>,
  event: E,
): Promise<void> {
  return withLogContext(eventLogContext(event), () => handle(event));
}

/**
 * Decodes a raw message of one of `byPhysical`'s topics into the event a handler sees. Throws
 * the codec's classified errors (permanent for undecodable bytes, retriable for the registry).
 */
export async function decodeMessage<K extends TopicKey>(
  codec: EventCodec,
  byPhysical: ReadonlyMap<string, K>,
  raw: RawMessage,
): Promise<ConsumedEventOf<K>> {
  const known = decodeKnownMessage(codec, byPhysical, raw);
  if (known) return known;
  return toEvent(
    raw,
    topicKeyOf(byPhysical, raw),
    await codec.decode(topicKeyOf(byPhysical, raw), raw.value),
  );
}

/** {@link decodeMessage} without waiting; `undefined` until the writer schema is known. */
export function decodeKnownMessage<K extends TopicKey>(
  codec: EventCodec,
  byPhysical: ReadonlyMap<string, K>,
  raw: RawMessage,
): ConsumedEventOf<K> | undefined {
  const topicKey = topicKeyOf(byPhysical, raw);
  const value = codec.decodeKnown(topicKey, raw.value);
  return value === undefined ? undefined : toEvent(raw, topicKey, value);
}

function topicKeyOf<K extends TopicKey>(byPhysical: ReadonlyMap<string, K>, raw: RawMessage): K {
  const topicKey = byPhysical.get(raw.topic);
  if (topicKey === undefined) throw new Error(`message from unsubscribed topic ${raw.topic}`);
  return topicKey;
}

function toEvent<K extends TopicKey>(
  raw: RawMessage,
  topicKey: K,
  value: EventOf<K>,
): ConsumedEventOf<K> {
  return new DeliveredEvent(raw, topicKey, value);
}

/**
 * A class rather than a literal with a getter: it is built for every message, and V8 builds
 * class instances an order of magnitude faster. Headers are converted on first read only.
 */
class DeliveredEvent<K extends TopicKey> implements ConsumedEvent<K> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  private textHeaders: Record<string, string> | undefined;

  constructor(
    private readonly raw: RawMessage,
    readonly topicKey: K,
    readonly value: EventOf<K>,
  ) {
    this.topic = raw.topic;
    this.partition = raw.partition;
    this.offset = raw.offset;
    this.key = raw.key ? raw.key.toString('utf8') : null;
  }

  get headers(): Record<string, string> {
    return (this.textHeaders ??= headersAsText(this.raw.headers));
  }
}
