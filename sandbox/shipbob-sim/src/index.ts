export { startShipBobSimulator } from './server.js';
export type { ShipBobSimulator, ShipBobSimulatorOptions, RequestLogEntry } from './server.js';
export type { Fault, FaultKind } from './faults.js';
export { SimWorld, SimHttpError, orderStatus, WRITE_SCOPES } from './world.js';
export type { SeedMerchantInput, SeedProductInput } from './world.js';
export type * from './model.js';
