export { SimHttpError, toSimHttpError } from './errors.js';
export { systemClock, manualClock, type SimClock, type ManualClock } from './clock.js';
export {
  FaultBook,
  FAULT_KINDS,
  DATA_FAULTS,
  OUTPUT_FAULTS,
  parseFaultInput,
  type Fault,
  type FaultInput,
  type FaultKind,
  type FaultKindName,
} from './faults.js';
export { RequestJournal, type Exchange } from './journal.js';
export { MinIntervalLimiter, SlidingWindowLimiter, type LimitDecision } from './rate-limits.js';
export {
  offsetPage,
  offsetPageRequest,
  type OffsetPage,
  type OffsetPageRequest,
} from './paging.js';
export type { SimVendor } from './vendor.js';
export { readBody, parseBody, bodyOf, type MultipartBody } from './body.js';
export { journalAnswers, dropConnection } from './answer.js';
export { exchangeOf, callerOf, hasFault } from './locals.js';
export { operationGate, type OperationGateOptions, type LimitRefusal } from './gate.js';
export {
  SIM_CONTROL_PREFIX,
  simRouter,
  commonControlRoutes,
  type CommonControlOptions,
} from './control.js';
export { createSimApp, type SimAppOptions } from './app.js';
export { listen, closeServer, type ListeningServer } from './listen.js';
