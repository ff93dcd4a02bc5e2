/**
 * What another program reads as this service's passes do (the stream CLI's backfill dry run):
 * the store's client from its credentials, the returns a pass would read, the SKUs an inventory
 * read gives. Importing it starts nothing.
 */
export { shipbobClients, type ShipBobClientFor } from './adapters/shipbob-clients.js';
export { skuLevelsOf } from './domain/inventory-facts.js';
export { DEFAULT_RETURNS_LOOKBACK_MS, readReturns } from './returns-pass.js';
