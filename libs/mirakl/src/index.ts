export * from './domain.js';
export { createMiraklClient, parseErrorReport, type MiraklClientOptions } from './client.js';
export { MiraklWrongStateError, isWrongState } from './errors.js';
export {
  CallLimiter,
  DOCUMENTED_MIN_INTERVAL_MS,
  type CallLimiterOptions,
  type LimitedOperation,
} from './limiter.js';
export { normaliseApiBase } from './url.js';
export { parseRetryAfter } from './transport.js';
export { advanceCursor } from './cursor.js';
