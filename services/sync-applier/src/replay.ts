/**
 * What tools outside the service need to preview or re-drive facts exactly as the applier
 * would: the fact topics, the configuration the decisions read, the pure preview, and a
 * read-only view of the effects ledger. Importing it starts nothing.
 */
export { FACT_TOPICS, type FactTopic } from './applier.js';
export { EFFECTS_COLLECTION, createEffectsLedgerReader } from './adapters/effects-ledger.js';
export type { EffectsLedgerReader } from './adapters/effects-ledger.js';
export {
  effectKeyOf,
  previewFact,
  type FactOf,
  type LedgerRecord,
  type Preview,
} from './domain/preview.js';
export { offersOf } from '@msync/events';
export { newestConfig, storeConfigOf, type StoreConfig } from './domain/store-config.js';
