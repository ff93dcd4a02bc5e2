import type { Logger } from '@msync/platform';
import { startMiraklSimulator } from '@msync/mirakl-sim';
import type { closeAfterEach } from '@msync/polling/test-support';
import { offersHarness } from './harness.js';

export const CATALOG_SHOP = 2101;
export const CATALOG_KEY = 'test-mirakl-key-2101';

/**
 * A Mirakl simulator whose shop sells SKU-A, SKU-B and SKU-C (exports ready after 20 ms unless told otherwise), and the
 * offers poller's bed with the store on it (a ShipBob token too unless told otherwise: Sync
 * Offers reads a catalog only then). Both closed after the test.
 */
export async function catalogStore(
  opened: ReturnType<typeof closeAfterEach>,
  logger: Logger,
  options: {
    storeId: string;
    withShipBob?: boolean;
    /** How long Mirakl prepares an export (default 20 ms). */
    exportDelayMs?: number;
  },
) {
  const sim = opened.add(
    await startMiraklSimulator({
      port: 0,
      shops: [
        {
          shopId: CATALOG_SHOP,
          apiKey: CATALOG_KEY,
          offers: [
            { sku: 'SKU-A', quantity: 1 },
            { sku: 'SKU-B', quantity: 2 },
            { sku: 'SKU-C', quantity: 3 },
          ],
        },
      ],
      paymentDelayMs: null,
      exportDelayMs: options.exportDelayMs ?? 20,
    }),
  );
  const harness = opened.add(await offersHarness(logger));
  await harness.addStore({
    storeId: options.storeId,
    miraklUrl: sim.url,
    shopId: String(CATALOG_SHOP),
    apiKey: CATALOG_KEY,
    withShipBob: options.withShipBob ?? true,
  });
  return { sim, harness };
}
