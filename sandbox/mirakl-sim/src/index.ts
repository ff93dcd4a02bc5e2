export {
  startMiraklSimulator,
  DOCUMENTED_CALL_FREQUENCY,
  type MiraklSimulatorOptions,
  type RunningMiraklSimulator,
  type Exchange,
} from './server.js';
export { Control, type ShopSnapshot } from './control.js';
export {
  OPERATIONS,
  type Operation,
  type Fault,
  type FaultInput,
  type FaultKind,
} from './faults.js';
export type { ShopSeed, OfferSeed, OrderSeed } from './world.js';
export type { Address, Carrier } from './model.js';
export { parseCsv, renderCsv } from '@msync/platform';
