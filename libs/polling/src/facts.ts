import { envelope, type EventOf, type Publisher, type TopicKey } from '@msync/events';

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

/**
 * Publishes a pass's facts, one batch per topic in `topics` order, each wrapped in an envelope;
 * resolves once the broker acknowledged every one of them (acks=all).
 */
export async function publishFacts<T extends TopicKey>(
  publisher: Publisher,
  topics: readonly T[],
  facts: readonly PollFact<T>[],
  context: FactContext,
): Promise<void> {
  for (const topic of topics) {
    const batch = facts
      .filter((fact) => fact.topic === topic)
      .map((fact) => ({
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
    // The filter keeps only `topic`'s facts, so body + envelope is that topic's event; the
    // compiler cannot follow a filter over a union, hence the assertion.
    await publisher.publish(topic, batch as EventOf<T>[]);
  }
}
