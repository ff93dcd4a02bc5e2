export * from './domain.js';
export {
  createMiraklClient,
  parseErrorReport,
  type MiraklClientOptions,
  type SharedSpacing,
} from './client.js';
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
export {
  ADDRESS_REFUSED,
  addressRefusal,
  guardedLookup,
  systemResolver,
  type HostResolver,
} from './address-guard.js';
export {
  checkResolvedAddresses,
  checkUrlShape,
  hostMatches,
  isPublicAddress,
  type RuleViolation as UrlRuleViolation,
  type UrlCheck,
  type UrlPolicy,
} from './ssrf.js';
export {
  claimMiraklCall,
  miraklCallGateKey,
  pushBackAfterRateLimit,
  spaceNextMiraklCall,
  afterMiraklCall,
  claimMiraklSlot,
  spacedMiraklCall,
  gatedMiraklCall,
  gatedSpacing,
  type GateWaitCounter,
  type GatedShop,
} from './call-gate.js';
