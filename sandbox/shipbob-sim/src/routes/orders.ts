import { simRouter } from '@msync/sim-kit';
import type { Request, Router } from 'express';
import { InvalidParameter, vendorError } from '../errors.js';
import type { Order } from '../model.js';
import { hasErrors, orderRequestErrors } from '../validation.js';
import type { CreateOrderInput, SimWorld } from '../world.js';
import { param, serve, urlOf, versionOf, type Caller, type RouteDeps } from './context.js';
import { bool, date, list, numericId, sendPagedArray } from './query.js';

/** Most shipment ids one `GET /shipments-tracking` takes (2026-01 docs). */
const TRACKING_BATCH = 25;

/** Orders, shipments, tracking and shipping methods. */
export function orderRoutes({ world, views, gate, now }: RouteDeps): Router {
  const router = simRouter();

  serve(router, gate, 'POST /order', { write: true }, (req, res, caller) => {
    const errors = orderRequestErrors(req.body, versionOf(req));
    if (hasErrors(errors)) throw vendorError(400, errors);
    const order = world.createOrder(
      caller.merchant,
      caller.channelId!,
      req.body as CreateOrderInput,
    );
    res.status(201).json(views.order(order));
  });
  serve(router, gate, 'GET /order', {}, (req, res, caller) => {
    const url = urlOf(req);
    const ids = list(url, 'IDs')?.map(Number);
    const refs = list(url, 'ReferenceIds');
    const [updFrom, updTo, from, to] = [
      'LastUpdateStartDate',
      'LastUpdateEndDate',
      'StartDate',
      'EndDate',
    ].map((n) => date(url, n));
    const hasTracking = bool(url, 'HasTracking');
    const uploaded = bool(url, 'IsTrackingUploaded');
    const at = now().getTime();
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
    const oldestFirst = url.searchParams.get('SortOrder') === 'Oldest';
    matching.sort((a, b) => (oldestFirst ? a.id - b.id : b.id - a.id));
    sendPagedArray(res, url, matching, (o) => views.order(o));
  });
  serve(router, gate, 'GET /order/{orderId}', {}, (req, res, caller) => {
    res.json(views.order(ownOrder(world, caller, req)));
  });
  serve(router, gate, 'GET /order/{orderId}/shipment', {}, (req, res, caller) => {
    const order = ownOrder(world, caller, req);
    res.json(order.shipments.map((s) => views.shipment(order, s)));
  });
  serve(router, gate, 'GET /order/{orderId}/shipment/{shipmentId}', {}, (req, res, caller) => {
    const order = ownOrder(world, caller, req);
    const shipmentId = numericId(param(req, 'shipmentId'), 'shipmentId');
    const shipment = order.shipments.find((s) => s.id === shipmentId);
    if (!shipment) throw vendorError(404);
    res.json(views.shipment(order, shipment));
  });
  serve(router, gate, 'GET /shipment/{shipmentId}', {}, (req, res, caller) => {
    const { order, shipment } = world.shipment(numericId(param(req, 'shipmentId'), 'shipmentId'));
    assertOwn(order, caller);
    res.json(views.shipment(order, shipment));
  });
  serve(router, gate, 'POST /order/{orderId}:cancel', { write: true }, (req, res, caller) => {
    const order = ownOrder(world, caller, req);
    const result = world.cancelOrderByApi(order);
    res.json({
      order_id: order.id,
      order: views.order(order),
      status: result.status,
      canceled_shipment_results: result.results.map((r) => ({
        action: 'Cancel',
        shipment_id: r.shipmentId,
        is_success: r.isSuccess,
        reason: r.reason,
      })),
    });
  });
  serve(
    router,
    gate,
    'POST /shipment:batchUpdateTrackingUpload',
    { errors: 'string' },
    (req, res, caller) => {
      const { ids, uploaded } = trackingUploadRequest(req.body);
      const results = world.setTrackingUploaded(caller.merchant.id, ids, uploaded);
      const successful = results.filter((r) => r.isSuccess).length;
      res.json({
        // camelCase here, as ShipBob documents this one response.
        results: results.map((r) => ({
          shipmentId: r.shipmentId,
          isSuccess: r.isSuccess,
          ...(r.error ? { error: { code: 'NotFound', message: r.error } } : {}),
        })),
        summary: { total: results.length, successful, failed: results.length - successful },
      });
    },
  );
  serve(
    router,
    gate,
    'GET /shipments-tracking',
    { errors: 'string', versions: ['2026-01'] },
    (req, res, caller) => {
      const ids = (list(urlOf(req), 'ShipmentIds') ?? []).map(Number);
      if (ids.length === 0 || ids.length > TRACKING_BATCH || !ids.every(Number.isInteger))
        throw new InvalidParameter(
          'ShipmentIds',
          `ShipmentIds must list 1 to ${TRACKING_BATCH} numeric shipment ids.`,
        );
      const labeled = world.orders
        .filter((o) => o.merchantId === caller.merchant.id)
        .flatMap((o) => o.shipments)
        .filter((s) => ids.includes(s.id) && s.tracking !== null);
      res.json(labeled.map((s) => views.shipmentTracking(s)));
    },
  );
  serve(router, gate, 'GET /shipping-method', {}, (req, res, caller) => {
    sendPagedArray(
      res,
      urlOf(req),
      world.shippingMethods.filter((m) => m.merchantId === caller.merchant.id),
      (m) => views.shippingMethod(m),
    );
  });
  return router;
}

/** The caller's order (404 without a body otherwise, also when the channel header differs). */
function ownOrder(world: SimWorld, caller: Caller, req: Request): Order {
  const order = world.order(numericId(param(req, 'orderId'), 'orderId'));
  assertOwn(order, caller);
  return order;
}

function assertOwn(order: Order, caller: Caller): void {
  if (order.merchantId !== caller.merchant.id) throw vendorError(404);
  if (caller.channelId !== undefined && order.channelId !== caller.channelId)
    throw vendorError(404);
}

function trackingUploadRequest(body: unknown): { ids: number[]; uploaded: boolean } {
  const request = (body ?? {}) as { shipment_ids?: unknown; is_tracking_uploaded?: unknown };
  const ids = request.shipment_ids;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every(Number.isInteger))
    throw new InvalidParameter('shipment_ids', 'shipment_ids must list at least one shipment id.');
  if (typeof request.is_tracking_uploaded !== 'boolean')
    throw new InvalidParameter(
      'is_tracking_uploaded',
      'is_tracking_uploaded must be true or false.',
    );
  return { ids: ids as number[], uploaded: request.is_tracking_uploaded };
}
