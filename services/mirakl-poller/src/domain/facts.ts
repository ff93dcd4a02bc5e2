import type { PollFact } from '@msync/polling';

/** The topics this poller emits facts on. */
export type MiraklFactTopic =
  | 'orderAwaitingAcceptance'
  | 'orderReadyToShip'
  | 'orderCanceledOnMarketplace'
  | 'incidentOpened'
  | 'offerObserved'
  | 'stockObserved';

/** A fact to emit: its topic, deterministic idempotency key, when it happened and its body. */
export type MiraklFact = PollFact<MiraklFactTopic>;
