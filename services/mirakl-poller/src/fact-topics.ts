import type { MiraklFactTopic } from './domain/facts.js';

/** Every topic the orders passes emit facts on, in the order a pass publishes their batches. */
export const FACT_TOPICS = [
  'orderAwaitingAcceptance',
  'orderReadyToShip',
  'orderCanceledOnMarketplace',
  'incidentOpened',
] as const satisfies readonly MiraklFactTopic[];

/** The offers pass's one topic. */
export const OFFER_FACT_TOPICS = ['offerObserved'] as const satisfies readonly MiraklFactTopic[];

/** The stock reconciliation's one topic (ADR 0088). */
export const STOCK_FACT_TOPICS = ['stockObserved'] as const satisfies readonly MiraklFactTopic[];
