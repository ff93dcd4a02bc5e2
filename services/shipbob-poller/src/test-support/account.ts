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

/**
 * A shipped (labeled) order of `SKU-1` on the account, and `createReturn`, which creates a return
 * of one unit of it as the applier does (the original shipment named, so ShipBob fills in the
 * store order id; received at fulfillment center 1).
 */
export async function returnableOrder(
  sim: RunningShipBobSimulator,
  account: ReturnType<typeof simulatedAccount>,
  referenceId: string,
) {
  const order = await account.createOrder(referenceId);
  const shipment = order.shipments[0]!;
  sim.control.world.labelShipment(shipment.id, {
    carrier: 'UPS',
    trackingNumber: `1Z${referenceId}`,
  });
  const inventoryId = sim.control.world.inventory.find((i) => i.sku === 'SKU-1')!.id;
  const createReturn = async (returnReference: string) =>
    (
      await account.client.createReturn({
        referenceId: returnReference,
        fulfillmentCenterId: 1,
        items: [{ inventoryId, quantity: 1, requestedAction: 'Default' }],
        originalShipmentId: shipment.id,
      })
    ).returnOrder;
  return { inventoryId, createReturn };
}
