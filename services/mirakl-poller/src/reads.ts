/**
 * What another program reads as this service's passes do (the stream CLI's backfill dry run):
 * the store's client from its credentials and the catalog read of the offers pass. Importing it
 * starts nothing.
 */
export { miraklClients } from './adapters/mirakl-clients.js';
export { readCatalog, type CatalogReadDeps } from './offers-pass.js';
export type { StoreAccess } from './store-access.js';
