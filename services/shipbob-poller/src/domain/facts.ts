import type { EventOf } from '@msync/events';

/** The topics this poller emits facts on. */
export type ShipBobFactTopic = 'shipmentLabeled' | 'orderCanceledInShipBob';

/** A fact to emit: its topic, deterministic idempotency key, when it happened and its body. */
export type ShipBobFact = {
  [T in ShipBobFactTopic]: {
    topic: T;
    idempotencyKey: string;
    occurredAt: Date;
    body: Omit<EventOf<T>, 'envelope'>;
  };
}[ShipBobFactTopic];
