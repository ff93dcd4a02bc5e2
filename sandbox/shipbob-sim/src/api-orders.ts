import {
  apiRoute,
  bool,
  date,
  numericId,
  ownOrder,
  pagedArray,
  versionOf,
  type ApiRoute,
  type RouteDeps,
} from './api-support.js';
import { InvalidParameter, SimHttpError } from './errors.js';
import { list, type Ctx } from './http.js';
import { hasErrors, orderRequestErrors } from './validation.js';
import type { CreateOrderInput } from './world.js';

/** Most shipment ids one `GET /shipments-tracking` takes (2026-01 docs). */
const TRACKING_BATCH = 25;

/** Orders, shipments, tracking and shipping methods. */
export function orderRoutes({ world, views, now }: RouteDeps): ApiRoute[] {
  return [
    apiRoute(
      'POST',
      '/order',
      (ctx, caller) => {
        const errors = orderRequestErrors(ctx.body, versionOf(ctx));
        if (hasErrors(errors)) throw new SimHttpError(400, errors);
        const body = ctx.body as CreateOrderInput;
        const order = world.createOrder(caller.merchant, caller.channelId!, body);
        return { status: 201, body: views.order(order) };
      },
      { write: true },
    ),
    apiRoute('GET', '/order', (ctx, caller) => {
      const ids = list(ctx.url, 'IDs')?.map(Number);
      const refs = list(ctx.url, 'ReferenceIds');
      const [updFrom, updTo, from, to] = [
        'LastUpdateStartDate',
        'LastUpdateEndDate',
        'StartDate',
        'EndDate',
      ].map((n) => date(ctx, n));
      const hasTracking = bool(ctx, 'HasTracking');
      const uploaded = bool(ctx, 'IsTrackingUploaded');
      const at = now();
      const matching = world.orders.filter((o) => {
        const updated = Date.parse(o.updatedAt);
        const created = Date.parse(o.createdDate);
        return (
          o.merchantId === caller.merchant.id &&
          o.visibleFrom <= at &&
          (caller.channelId === undefined || o.channelId === caller.channelId) &&
          (!ids || ids.includes(o.id)) &&
          (!refs || refs.includes(o.referenceId)) &&
          (updFrom === undefined || updated >= updFrom) &&
          (updTo === undefined || updated <= updTo) &&
          (from === undefined || created >= from) &&
          (to === undefined || created <= to) &&
          (hasTracking === undefined ||
            o.shipments.some((s) => s.tracking !== null) === hasTracking) &&
          (uploaded === undefined || o.shipments.some((s) => s.isTrackingUploaded) === uploaded)
        );
      });
      const oldestFirst = ctx.url.searchParams.get('SortOrder') === 'Oldest';
      matching.sort((a, b) => (oldestFirst ? a.id - b.id : b.id - a.id));
      return pagedArray(ctx, matching, (o) => views.order(o));
    }),
    apiRoute('GET', '/order/{orderId}', (ctx, caller) => ({
      status: 200,
      body: views.order(ownOrder(world, caller, ctx.params[0])),
    })),
    apiRoute('GET', '/order/{orderId}/shipment', (ctx, caller) => {
      const order = ownOrder(world, caller, ctx.params[0]);
      return { status: 200, body: order.shipments.map((s) => views.shipment(order, s)) };
    }),
    apiRoute('GET', '/order/{orderId}/shipment/{shipmentId}', (ctx, caller) => {
      const order = ownOrder(world, caller, ctx.params[0]);
      const shipmentId = numericId(ctx.params[1], 'shipmentId');
      const shipment = order.shipments.find((s) => s.id === shipmentId);
      if (!shipment) throw new SimHttpError(404);
      return { status: 200, body: views.shipment(order, shipment) };
    }),
    apiRoute('GET', '/shipment/{shipmentId}', (ctx, caller) => {
      const { order, shipment } = world.shipment(numericId(ctx.params[0], 'shipmentId'));
      ownOrder(world, caller, String(order.id));
      return { status: 200, body: views.shipment(order, shipment) };
    }),
    apiRoute(
      'POST',
      '/order/{orderId}:cancel',
      (ctx, caller) => {
        const order = ownOrder(world, caller, ctx.params[0]);
        const result = world.cancelOrderByApi(order);
        return {
          status: 200,
          body: {
            order_id: order.id,
            order: views.order(order),
            status: result.status,
            canceled_shipment_results: result.results.map((r) => ({
              action: 'Cancel',
              shipment_id: r.shipmentId,
              is_success: r.isSuccess,
              reason: r.reason,
            })),
          },
        };
      },
      { write: true },
    ),
    apiRoute(
      'POST',
      '/shipment:batchUpdateTrackingUpload',
      (ctx, caller) => {
        const { ids, uploaded } = trackingUploadRequest(ctx);
        const results = world.setTrackingUploaded(caller.merchant.id, ids, uploaded);
        const successful = results.filter((r) => r.isSuccess).length;
        return {
          status: 200,
          body: {
            // camelCase here, as ShipBob documents this one response.
            results: results.map((r) => ({
              shipmentId: r.shipmentId,
              isSuccess: r.isSuccess,
              ...(r.error ? { error: { code: 'NotFound', message: r.error } } : {}),
            })),
            summary: { total: results.length, successful, failed: results.length - successful },
          },
        };
      },
      { errors: 'string' },
    ),
    apiRoute(
      'GET',
      '/shipments-tracking',
      (ctx, caller) => {
        const raw = list(ctx.url, 'ShipmentIds') ?? [];
        const ids = raw.map(Number);
        if (ids.length === 0 || ids.length > TRACKING_BATCH || !ids.every(Number.isInteger))
          throw new InvalidParameter(
            'ShipmentIds',
            `ShipmentIds must list 1 to ${TRACKING_BATCH} numeric shipment ids.`,
          );
        const labeled = world.orders
          .filter((o) => o.merchantId === caller.merchant.id)
          .flatMap((o) => o.shipments)
          .filter((s) => ids.includes(s.id) && s.tracking !== null);
        return { status: 200, body: labeled.map((s) => views.shipmentTracking(s)) };
      },
      { errors: 'string', versions: ['2026-01'] },
    ),
    apiRoute('GET', '/shipping-method', (ctx, caller) =>
      pagedArray(
        ctx,
        world.shippingMethods.filter((m) => m.merchantId === caller.merchant.id),
        (m) => views.shippingMethod(m),
      ),
    ),
  ];
}

function trackingUploadRequest(ctx: Ctx): { ids: number[]; uploaded: boolean } {
  const body = (ctx.body ?? {}) as { shipment_ids?: unknown; is_tracking_uploaded?: unknown };
  const ids = body.shipment_ids;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every(Number.isInteger))
    throw new InvalidParameter('shipment_ids', 'shipment_ids must list at least one shipment id.');
  if (typeof body.is_tracking_uploaded !== 'boolean')
    throw new InvalidParameter(
      'is_tracking_uploaded',
      'is_tracking_uploaded must be true or false.',
    );
  return { ids: ids as number[], uploaded: body.is_tracking_uploaded };
}
