export {
  startMiraklSimulator,
  DOCUMENTED_CALL_FREQUENCY,
  type MiraklSimulatorOptions,
  type RunningMiraklSimulator,
} from './server.js';
export { Control, type ShopSnapshot } from './control.js';
export { parseCallFrequency } from './call-frequency.js';
export { parseOrderFeedInterval, type OrderFeedOptions } from './order-feed.js';
export {
  OPERATIONS,
  type Operation,
  type Exchange,
  type Fault,
  type FaultInput,
  type FaultKind,
} from './faults.js';
export type { CallFrequency } from './operations.js';
export type { ShopSeed, OfferSeed, OrderSeed } from './world.js';
export type { Address, Carrier } from './model.js';
export { parseCsv, renderCsv } from '@msync/platform';
