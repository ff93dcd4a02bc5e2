import type {
  Exchange as KitExchange,
  Fault as KitFault,
  FaultInput as KitFaultInput,
} from '@msync/sim-kit';
import type { Operation } from './operations.js';

export { OPERATIONS, type Operation } from './operations.js';
export type { FaultKind } from '@msync/sim-kit';

/** A fault switched on for a Mirakl operation (or `*`). */
export type Fault = KitFault<Operation>;
export type FaultInput = KitFaultInput<Operation>;
/** One seller-API request and its answer, as the journal keeps it. */
export type Exchange = KitExchange<Operation>;
