import type { Logger } from '@msync/platform';
import { createRateLimiter, createShipBobClient, type ShipBobOrder } from '@msync/shipbob';
import type { RunningShipBobSimulator } from '@msync/shipbob-sim';

/**
 * A ShipBob account in the simulator with one product in stock (`SKU-1`), and a client of it
 * that creates orders as the applier would (one line of `SKU-1`).
 */
export function simulatedAccount(
  sim: RunningShipBobSimulator,
  options: { pat: string; storeId: string; logger: Logger },
) {
  const merchant = sim.control.world.seedMerchant({ pats: [options.pat] });
  sim.control.world.seedProduct(merchant.id, { sku: 'SKU-1', stock: { 1: 50 } });
  const client = createShipBobClient({
    pat: options.pat,
    storeId: options.storeId,
    logger: options.logger,
    limiter: createRateLimiter(),
    baseUrl: sim.url,
  });
  const createOrder = async (referenceId: string): Promise<ShipBobOrder> =>
    (
      await client.createOrder({
        referenceId,
        shippingMethod: 'Standard',
        recipient: {
          name: 'Ada Lovelace',
          address: { address1: '1 Main St', city: 'Springfield', country: 'US', zipCode: '62701' },
        },
        lines: [{ sku: 'SKU-1', name: 'Blue mug', quantity: 1 }],
      })
    ).order;
  return { merchant, client, createOrder };
}
