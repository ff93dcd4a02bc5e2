import {
  envelope,
  type EventOf,
  type EventPosition,
  type Publisher,
  type TopicKey,
} from '@msync/events';

/** A fact to emit: its topic, deterministic idempotency key, when it happened and its body. */
export type PollFact<T extends TopicKey> = {
  [K in T]: {
    topic: K;
    idempotencyKey: string;
    occurredAt: Date;
    body: Omit<EventOf<K>, 'envelope'>;
  };
}[T];

/** Who emits a pass's facts, for which store, and in answer to what. */
export interface FactContext {
  storeId: string;
  source: string;
  correlationId: string;
  causationId: string | null;
}

/** Facts wrapped and handed to the publisher at once: a few hundred KB of records (ADR 0094). */
export const FACTS_PER_PUBLISH = 1_000;

/**
 * Publishes a pass's facts, one topic after the other in `topics` order, each wrapped in an
 * envelope; resolves once the broker acknowledged every one of them (acks=all), with the position
 * of each topic's last fact (the facts are the context's store's: one partition per topic). A
 * topic's facts go out in order, {@link FACTS_PER_PUBLISH} at a time, so that 10,000 facts are
 * never wrapped and encoded all at once.
 */
export async function publishFacts<T extends TopicKey>(
  publisher: Publisher,
  topics: readonly T[],
  facts: readonly PollFact<T>[],
  context: FactContext,
): Promise<EventPosition[]> {
  const last: EventPosition[] = [];
  for (const topic of topics) {
    const ofTopic = facts.filter((fact) => fact.topic === topic);
    let position: EventPosition | null = null;
    for (let at = 0; at < ofTopic.length; at += FACTS_PER_PUBLISH) {
      position = await publishChunk(
        publisher,
        topic,
        ofTopic.slice(at, at + FACTS_PER_PUBLISH),
        context,
      );
    }
    if (position) last.push(position);
  }
  return last;
}

async function publishChunk<T extends TopicKey>(
  publisher: Publisher,
  topic: T,
  facts: readonly PollFact<T>[],
  context: FactContext,
): Promise<EventPosition | null> {
  const batch = facts.map((fact) => ({
    ...fact.body,
    envelope: envelope({
      storeId: context.storeId,
      idempotencyKey: fact.idempotencyKey,
      source: context.source,
      occurredAt: fact.occurredAt,
      correlationId: context.correlationId,
      causationId: context.causationId,
    }),
  }));
  // The caller keeps only `topic`'s facts, so body + envelope is that topic's event; the
  // compiler cannot follow a filter over a union, hence the assertion.
  return publisher.publish(topic, batch as EventOf<T>[]);
}
