import { idempotencyKey } from '@msync/events';
import type { MiraklOffer } from '@msync/mirakl';
import type { MiraklFact } from './facts.js';

/**
 * Offers per `MiraklStockObserved`: about 40 bytes each on the wire, so a chunk stays far below
 * Kafka's 1 MB message limit while a store of 100,000 offers needs 100 messages, not one.
 */
export const STOCK_CHUNK_SIZE = 1000;

/**
 * The quantities of a full export as `MiraklStockObserved` chunks (ADR 0088): every chunk carries
 * the reconciliation id (the export's time), its index and the chunk count, so the applier knows
 * when it has them all. Sorted by SKU; an export without offers is still one (empty) chunk, which
 * tells the applier the marketplace shows nothing. Keys `mirakl:<store>:stock:<exportedAt>:<chunk>`
 * come from the export: the same export read again yields the same keys.
 */
export function stockFacts(
  storeId: string,
  offers: readonly Pick<MiraklOffer, 'shopSku' | 'quantity'>[],
  exportedAt: Date,
  chunkSize: number = STOCK_CHUNK_SIZE,
): Extract<MiraklFact, { topic: 'stockObserved' }>[] {
  const sorted = offers
    .map((offer) => ({ shopSku: offer.shopSku, quantity: offer.quantity }))
    .sort((a, b) => (a.shopSku < b.shopSku ? -1 : a.shopSku > b.shopSku ? 1 : 0));
  const chunkCount = Math.max(1, Math.ceil(sorted.length / chunkSize));
  const at = exportedAt.getTime();
  return Array.from({ length: chunkCount }, (_, chunk) => ({
    topic: 'stockObserved' as const,
    idempotencyKey: idempotencyKey('mirakl', storeId, 'stock', at, chunk),
    occurredAt: exportedAt,
    body: {
      reconciliationId: String(at),
      exportedAt: at,
      chunk,
      chunkCount,
      offers: sorted.slice(chunk * chunkSize, (chunk + 1) * chunkSize),
    },
  }));
}

/** What of a store's configuration opens its Sync Inventory. */
type InventoryGate = { toggles: { inventory: boolean }; shipbobConfigured: boolean };

/**
 * Whether the store's stock is worth reconciling: Sync Inventory on and ShipBob configured (the
 * applier's own gate for stock pushes); otherwise there is nothing the product computes to compare.
 */
export function inventoryFlowOpen(config: InventoryGate): boolean {
  return config.toggles.inventory && config.shipbobConfigured;
}

/**
 * Whether a full export of the offers stream is also the store's stock reconciliation (ADR 0088,
 * 0170): the day's full exports are, while Sync Inventory is open; a store's first is not. Before
 * it the store's offers were not known, so no quantity of theirs was pushed: every SKU would be
 * pending and nothing compared, for a whole catalog's chunks read, kept and compared.
 */
export function fullExportReconciles(
  lastFullAt: Date | null,
  config: InventoryGate | undefined,
): boolean {
  return lastFullAt !== null && config !== undefined && inventoryFlowOpen(config);
}
