import type { IHeaders } from 'kafkajs';
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

/**
 * Decodes a raw message of one of `byPhysical`'s topics into the event a handler sees. Throws
 * the codec's classified errors (permanent for undecodable bytes, retriable for the registry).
 */
export async function decodeMessage<K extends TopicKey>(
  codec: EventCodec,
  byPhysical: ReadonlyMap<string, K>,
  raw: RawMessage,
): Promise<ConsumedEventOf<K>> {
  const topicKey = byPhysical.get(raw.topic);
  if (topicKey === undefined) throw new Error(`message from unsubscribed topic ${raw.topic}`);
  const value = await codec.decode(topicKey, raw.value);
  return {
    topicKey,
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    key: raw.key ? raw.key.toString('utf8') : null,
    value,
    headers: headersAsText(raw.headers),
  } as ConsumedEventOf<K>;
}
