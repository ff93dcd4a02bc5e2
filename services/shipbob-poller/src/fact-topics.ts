import type { ShipBobFactTopic } from './domain/facts.js';

/** Every topic this poller emits facts on, in the order a pass publishes their batches. */
export const FACT_TOPICS = [
  'shipmentLabeled',
  'orderCanceledInShipBob',
  'returnUpdated',
] as const satisfies readonly ShipBobFactTopic[];
