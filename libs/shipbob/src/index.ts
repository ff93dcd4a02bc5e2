export * from './domain.js';
export { createShipBobClient, SHIPBOB_PRODUCTION_URL, SHIPBOB_SANDBOX_URL } from './client.js';
export type { ShipBobClientOptions } from './client.js';
export {
  createRateLimiter,
  createRateLimiterRegistry,
  systemClock,
  tokenBudgetKey,
  withBudgetPatience,
} from './limiter.js';
export type {
  LimiterClock,
  RateLimiter,
  RateLimiterOptions,
  RateLimiterRegistry,
  RateLimiterRegistryOptions,
  SharedTokenBudget,
} from './limiter.js';
export {
  SHIPBOB_BUDGET,
  SHIPBOB_BUDGET_COLLECTION,
  createShipBobSharedBudget,
} from './shared-budget.js';
export { isLabeled, normaliseReturnStatus } from './mapping.js';
export type { HttpExchange } from './transport.js';
export {
  WEBHOOK_TOLERANCE_MS,
  readWebhook,
  signWebhookMessage,
  verifyWebhookSignature,
} from './webhooks.js';
export type { ShipBobWebhook, WebhookHeaders, WebhookSignatureCheck } from './webhooks.js';
