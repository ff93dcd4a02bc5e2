import type { AutopilotSettings } from './autopilot.js';
import type { Fault } from './faults.js';
import { route, type Ctx, type Route } from './http.js';
import type { ShipBobSimulator } from './server.js';
import { Views } from './views.js';
import { SimHttpError, type SeedMerchantInput, type SeedProductInput } from './world.js';

function id(ctx: Ctx): number {
  const value = Number(ctx.params[0]);
  if (!Number.isInteger(value)) throw new SimHttpError(400, { message: 'id must be an integer' });
  return value;
}

function body<T>(ctx: Ctx): T {
  return (ctx.body ?? {}) as T;
}

/** The control API (`/_sim/...`) that tests and demos use to seed and drive the simulated account. */
export function controlRoutes(sim: ShipBobSimulator): Route[] {
  const views = (): Views => new Views(sim.world);
  const autopilotState = () => ({ enabled: sim.autopilot !== null, ...sim.autopilot });
  return [
    route('GET', '/_sim/health', () => ({ status: 200, body: { status: 'ok' } })),
    route('POST', '/_sim/reset', () => {
      sim.reset();
      return { status: 204 };
    }),
    route('POST', '/_sim/merchants', (ctx) => {
      const merchant = sim.world.seedMerchant(body<SeedMerchantInput>(ctx));
      return {
        status: 201,
        body: {
          id: merchant.id,
          name: merchant.name,
          patChannelId: merchant.patChannelId,
          channels: merchant.channels,
        },
      };
    }),
    route('POST', '/_sim/merchants/{merchantId}/products', (ctx) => {
      const product = sim.world.seedProduct(id(ctx), body<SeedProductInput>(ctx));
      return {
        status: 201,
        body: {
          productId: product.id,
          variantId: product.variants[0]!.id,
          inventoryId: product.variants[0]!.inventoryId,
        },
      };
    }),
    route('PUT', '/_sim/inventory/{inventoryId}/stock', (ctx) => {
      const input = body<{ fulfillmentCenterId: number; onHand: number }>(ctx);
      sim.world.setStock(id(ctx), input.fulfillmentCenterId, input.onHand);
      return { status: 200, body: views().inventoryLevel(sim.world.inventoryItem(id(ctx))) };
    }),
    route('POST', '/_sim/shipments/{shipmentId}/label', (ctx) => {
      const shipment = sim.world.labelShipment(id(ctx), body(ctx));
      return { status: 200, body: views().shipment(sim.world.order(shipment.orderId), shipment) };
    }),
    route('POST', '/_sim/shipments/{shipmentId}/ship', (ctx) => {
      const shipment = sim.world.shipShipment(id(ctx));
      return { status: 200, body: views().shipment(sim.world.order(shipment.orderId), shipment) };
    }),
    route('POST', '/_sim/shipments/{shipmentId}/deliver', (ctx) => {
      const shipment = sim.world.deliverShipment(id(ctx));
      return { status: 200, body: views().shipment(sim.world.order(shipment.orderId), shipment) };
    }),
    route('POST', '/_sim/shipments/{shipmentId}/cancel', (ctx) => {
      const shipment = sim.world.cancelShipment(id(ctx));
      return { status: 200, body: views().shipment(sim.world.order(shipment.orderId), shipment) };
    }),
    route('POST', '/_sim/returns/{returnId}/advance', (ctx) => ({
      status: 200,
      body: views().returnDto(sim.world.advanceReturn(id(ctx))),
    })),
    route('POST', '/_sim/returns/{returnId}/complete', (ctx) => {
      const input = body<{ actions?: { inventoryId: number; action: string; reason?: string }[] }>(
        ctx,
      );
      return {
        status: 200,
        body: views().returnDto(sim.world.completeReturn(id(ctx), input.actions)),
      };
    }),
    route('GET', '/_sim/state', () => {
      const v = views();
      return {
        status: 200,
        body: {
          merchants: sim.world.merchants.map((m) => ({
            id: m.id,
            name: m.name,
            patChannelId: m.patChannelId,
            channels: m.channels,
          })),
          products: sim.world.products.map((p) => v.product(p)),
          inventory: sim.world.inventory.map((i) => ({
            ...v.inventoryLevel(i),
            ...v.inventoryLocations(i),
          })),
          orders: sim.world.orders.map((o) => v.order(o)),
          returns: sim.world.returns.map((r) => v.returnDto(r)),
          webhooks: sim.world.webhooks.map((w) => v.webhook(w)),
        },
      };
    }),
    route('GET', '/_sim/autopilot', () => ({ status: 200, body: autopilotState() })),
    route('PUT', '/_sim/autopilot', (ctx) => {
      const { enabled, ...settings } = body<{ enabled: boolean } & Partial<AutopilotSettings>>(ctx);
      sim.setAutopilot(enabled ? settings : null);
      return { status: 200, body: autopilotState() };
    }),
    route('GET', '/_sim/webhooks/delivery', () => ({
      status: 200,
      body: { enabled: sim.webhookDeliveryEnabled },
    })),
    route('PUT', '/_sim/webhooks/delivery', (ctx) => {
      sim.setWebhookDelivery(body<{ enabled: boolean }>(ctx).enabled === true);
      return { status: 200, body: { enabled: sim.webhookDeliveryEnabled } };
    }),
    route('GET', '/_sim/webhooks/deliveries', () => ({
      status: 200,
      body: sim.webhookDeliveries,
    })),
    route('GET', '/_sim/requests', () => ({
      status: 200,
      body: sim.requests.map(({ token: _token, ...entry }) => entry),
    })),
    route('GET', '/_sim/faults', () => ({ status: 200, body: sim.faults.list() })),
    route('POST', '/_sim/faults', (ctx) => {
      sim.addFault(body<Fault>(ctx));
      return { status: 201, body: sim.faults.list() };
    }),
    route('DELETE', '/_sim/faults', () => {
      sim.clearFaults();
      return { status: 204 };
    }),
  ];
}
