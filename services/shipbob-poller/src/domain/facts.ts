import type { PollFact } from '@msync/polling';

/** The topics this poller emits facts on. */
export type ShipBobFactTopic = 'shipmentLabeled' | 'orderCanceledInShipBob' | 'returnUpdated';

/** A fact to emit: its topic, deterministic idempotency key, when it happened and its body. */
export type ShipBobFact = PollFact<ShipBobFactTopic>;
