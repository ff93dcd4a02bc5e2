import type { MiraklFactTopic } from './domain/facts.js';

/** Every topic this poller emits facts on, in the order a pass publishes their batches. */
export const FACT_TOPICS = [
  'orderAwaitingAcceptance',
  'orderReadyToShip',
  'orderCanceledOnMarketplace',
  'incidentOpened',
] as const satisfies readonly MiraklFactTopic[];
