export {
  startShipBobSimulator,
  type RunningShipBobSimulator,
  type ShipBobSimulatorOptions,
} from './server.js';
export { ShipBobControl, type Exchange, type Fault, type FaultInput } from './control.js';
export { OPERATIONS, type Operation } from './operations.js';
export type { FaultKind } from '@msync/sim-kit';
export type { AutopilotSettings } from './autopilot.js';
export { signWebhook } from './webhook-delivery.js';
export type { WebhookDelivery, WebhookDeliveryOptions } from './webhook-delivery.js';
export type { WorldEvent } from './events.js';
export { SimWorld, orderStatus, WRITE_SCOPES } from './world.js';
export type {
  SeedMerchantInput,
  SeedProductInput,
  CreateOrderInput,
  OrderCreateCount,
} from './world.js';
export type { CreateReturnInput } from './returns.js';
export type * from './model.js';
