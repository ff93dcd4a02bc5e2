import { envelope, type Publisher } from '@msync/events';
import type { MiraklFact, MiraklFactTopic } from '../domain/facts.js';

const TOPIC_ORDER: readonly MiraklFactTopic[] = [
  'orderAwaitingAcceptance',
  'orderReadyToShip',
  'orderCanceledOnMarketplace',
  'incidentOpened',
];

/**
 * Publishes a pass's facts, one batch per topic, each wrapped in an envelope; resolves once
 * the broker acknowledged every one of them (acks=all).
 */
export async function publishFacts(
  publisher: Publisher,
  facts: readonly MiraklFact[],
  context: { storeId: string; source: string; correlationId: string; causationId: string | null },
): Promise<void> {
  for (const topic of TOPIC_ORDER) {
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
    await publisher.publish(topic, batch);
  }
}
