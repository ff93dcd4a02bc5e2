/**
 * The vendor operations the simulator serves, named `METHOD /template` after ShipBob's dated
 * paths without their version prefix (the `:` of `…:cancel` is literal, `{…}` a path
 * parameter). Faults, the journal and the routes use these names.
 */
export const OPERATIONS = [
  'GET /channel',
  'GET /fulfillment-center',
  'GET /product',
  'POST /product',
  'GET /inventory-level',
  'GET /inventory-level/locations',
  'GET /inventory-level/{inventoryId}',
  'GET /inventory-level/{inventoryId}/locations',
  'GET /inventory',
  'POST /order',
  'GET /order',
  'GET /order/{orderId}',
  'GET /order/{orderId}/shipment',
  'GET /order/{orderId}/shipment/{shipmentId}',
  'GET /shipment/{shipmentId}',
  'POST /order/{orderId}:cancel',
  'POST /shipment:batchUpdateTrackingUpload',
  'GET /shipments-tracking',
  'GET /shipping-method',
  'POST /return',
  'GET /return',
  'GET /return/{id}',
  'PUT /return/{id}',
  'POST /return/{id}:cancel',
  'GET /webhook',
  'POST /webhook',
  'DELETE /webhook/{id}',
] as const;

export type Operation = (typeof OPERATIONS)[number];
