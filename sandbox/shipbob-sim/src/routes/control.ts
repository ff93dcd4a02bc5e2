import { simRouter } from '@msync/sim-kit';
import type { Request, Router } from 'express';
import type { AutopilotSettings } from '../autopilot.js';
import type { ShipBobControl } from '../control.js';
import { vendorError } from '../errors.js';
import type { Views } from '../views.js';
import type { WebhookFaults } from '../webhook-delivery.js';
import type { SeedMerchantInput, SeedProductInput } from '../world.js';
import { param } from './context.js';

/**
 * ShipBob's own control routes, relative to the control prefix (the kit adds health, reset,
 * faults and exchanges): seed merchants, products and stock, play the warehouse (labels,
 * shipping, delivery, returns), read everything back, switch webhook delivery and the
 * autopilot.
 */
export function shipBobControlRoutes(control: ShipBobControl, views: Views): Router {
  const router = simRouter();
  const world = control.world;
  const id = (req: Request, name: string): number => {
    const value = Number(param(req, name));
    if (!Number.isInteger(value)) throw vendorError(400, { message: `${name} must be an integer` });
    return value;
  };
  const body = <T>(req: Request): T => (req.body ?? {}) as T;
  const autopilotState = () => ({ enabled: control.autopilot() !== null, ...control.autopilot() });

  router.post('/merchants', (req, res) => {
    const merchant = world.seedMerchant(body<SeedMerchantInput>(req));
    res.status(201).json({
      id: merchant.id,
      name: merchant.name,
      patChannelId: merchant.patChannelId,
      channels: merchant.channels,
    });
  });
  router.post('/merchants/:merchantId/products', (req, res) => {
    const product = world.seedProduct(id(req, 'merchantId'), body<SeedProductInput>(req));
    res.status(201).json({
      productId: product.id,
      variantId: product.variants[0]!.id,
      inventoryId: product.variants[0]!.inventoryId,
    });
  });
  router.put('/inventory/:inventoryId/stock', (req, res) => {
    const inventoryId = id(req, 'inventoryId');
    const input = body<{ fulfillmentCenterId: number; onHand: number }>(req);
    world.setStock(inventoryId, input.fulfillmentCenterId, input.onHand);
    res.json(views.inventoryLevel(world.inventoryItem(inventoryId)));
  });
  router.put('/inventory/:inventoryId/sku', (req, res) => {
    const inventoryId = id(req, 'inventoryId');
    world.renameSku(inventoryId, body<{ sku: string }>(req).sku);
    res.json(views.inventoryLevel(world.inventoryItem(inventoryId)));
  });

  const shipmentView = (shipmentId: number) => {
    const { order, shipment } = world.shipment(shipmentId);
    return views.shipment(order, shipment);
  };
  router.post('/shipments/:shipmentId/label', (req, res) => {
    const shipment = world.labelShipment(id(req, 'shipmentId'), body(req));
    res.json(shipmentView(shipment.id));
  });
  router.post('/shipments/:shipmentId/ship', (req, res) => {
    res.json(shipmentView(world.shipShipment(id(req, 'shipmentId')).id));
  });
  router.post('/shipments/:shipmentId/deliver', (req, res) => {
    res.json(shipmentView(world.deliverShipment(id(req, 'shipmentId')).id));
  });
  router.post('/shipments/:shipmentId/cancel', (req, res) => {
    res.json(shipmentView(world.cancelShipment(id(req, 'shipmentId')).id));
  });

  router.post('/returns/:returnId/advance', (req, res) => {
    res.json(views.returnDto(world.returns.advance(id(req, 'returnId'))));
  });
  router.post('/returns/:returnId/complete', (req, res) => {
    const input = body<{ actions?: { inventoryId: number; action: string; reason?: string }[] }>(
      req,
    );
    res.json(views.returnDto(world.returns.complete(id(req, 'returnId'), input.actions)));
  });

  router.get('/state', (_req, res) => {
    res.json({
      merchants: world.merchants.map((m) => ({
        id: m.id,
        name: m.name,
        patChannelId: m.patChannelId,
        channels: m.channels,
      })),
      products: world.products.map((p) => views.product(p)),
      inventory: world.inventory.map((i) => ({
        ...views.inventoryLevel(i),
        ...views.inventoryLocations(i),
      })),
      orders: world.orders.map((o) => views.order(o)),
      returns: world.returns.all.map((r) => views.returnDto(r)),
      webhooks: world.webhooks.all.map((w) => views.webhook(w)),
    });
  });

  // Per reference id: orders created and 422 duplicate attempts (`?referenceId=` for one).
  router.get('/orders/creates', (req, res) => {
    const wanted = req.query['referenceId'];
    const counts =
      typeof wanted === 'string'
        ? new Map([[wanted, world.orderCreates(wanted)]])
        : world.allOrderCreates();
    res.json(Object.fromEntries(counts));
  });

  router.get('/autopilot', (_req, res) => {
    res.json(autopilotState());
  });
  router.put('/autopilot', (req, res) => {
    const { enabled, ...settings } = body<{ enabled: boolean } & Partial<AutopilotSettings>>(req);
    control.setAutopilot(enabled ? settings : null);
    res.json(autopilotState());
  });
  router.get('/webhooks/delivery', (_req, res) => {
    res.json({ enabled: control.webhookDeliveryEnabled() });
  });
  router.put('/webhooks/delivery', (req, res) => {
    control.setWebhookDelivery(body<{ enabled: boolean }>(req).enabled === true);
    res.json({ enabled: control.webhookDeliveryEnabled() });
  });
  router.get('/webhooks/deliveries', (_req, res) => {
    res.json(control.webhookDeliveries());
  });
  router.get('/webhooks/faults', (_req, res) => {
    res.json(control.webhookFaults());
  });
  router.put('/webhooks/faults', (req, res) => {
    control.setWebhookFaults(webhookFaults(body<Record<string, unknown>>(req)));
    res.json(control.webhookFaults());
  });
  router.post('/webhooks/subscriptions/:id/disable', (req, res) => {
    res.json(views.webhook(world.webhooks.disable(param(req, 'id') ?? '')));
  });
  router.delete('/webhooks/subscriptions/:id', (req, res) => {
    world.webhooks.lose(param(req, 'id') ?? '');
    res.status(204).end();
  });

  // ShipBob answers its own 404s bare; a control caller needs to be told what is missing.
  router.use((req) => {
    const message = `No control route ${req.method} ${req.path}`;
    throw vendorError(404, { message });
  });
  return router;
}

/** `PUT /_sim/webhooks/faults`: known switches of the right type only (400 naming the bad one). */
function webhookFaults(input: Record<string, unknown>): Partial<WebhookFaults> {
  const faults: Partial<WebhookFaults> = {};
  for (const [name, value] of Object.entries(input)) {
    if ((name === 'duplicate' || name === 'badSignature') && typeof value === 'boolean')
      faults[name] = value;
    else if (
      name === 'reorderWindowMs' &&
      typeof value === 'number' &&
      Number.isInteger(value) &&
      value >= 0
    )
      faults.reorderWindowMs = value;
    else throw vendorError(400, { message: `Bad webhook fault ${name}: ${JSON.stringify(value)}` });
  }
  return faults;
}
