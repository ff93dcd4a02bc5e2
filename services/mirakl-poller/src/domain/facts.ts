import type { EventOf } from '@msync/events';

/** The topics this poller emits facts on. */
export type MiraklFactTopic =
  'orderAwaitingAcceptance' | 'orderReadyToShip' | 'orderCanceledOnMarketplace' | 'incidentOpened';

/** A fact to emit: its topic, deterministic idempotency key, when it happened and its body. */
export type MiraklFact = {
  [T in MiraklFactTopic]: {
    topic: T;
    idempotencyKey: string;
    occurredAt: Date;
    body: Omit<EventOf<T>, 'envelope'>;
  };
}[MiraklFactTopic];
