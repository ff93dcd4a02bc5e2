import { hasFault, offsetPage, offsetPageRequest, SimHttpError, simRouter } from '@msync/sim-kit';
import type { Router } from 'express';
import { renderOrder } from '../render.js';
import {
  boolParam,
  dateParam,
  listParam,
  param,
  queryOf,
  shopOf,
  type MiraklRouteDeps,
} from './context.js';

/** OR11 (list orders) and the order workflow: OR21 accept, OR23 tracking, OR24 ship, OR29 cancel. */
export function orderRoutes({ world, gate, carriers, maxPageSize }: MiraklRouteDeps): Router {
  const router = simRouter();

  router.get('/api/orders', gate('OR11'), (req, res) => {
    const shop = shopOf(res);
    const p = queryOf(req);
    const ids = listParam(p, 'order_ids');
    if (ids && ids.length > 100)
      throw new SimHttpError(400, 'The limit of 100 is exceeded for the parameter : order_ids');
    const states = listParam(p, 'order_state_codes');
    const startUpdate = dateParam(p, 'start_update_date');
    const endUpdate = dateParam(p, 'end_update_date');
    const start = dateParam(p, 'start_date');
    const end = dateParam(p, 'end_date');
    const hasIncident = boolParam(p, 'has_incident');
    // Mirakl widens `start_update_date` by a safety delta, so consecutive polls overlap.
    const overlapStart =
      startUpdate && new Date(startUpdate.getTime() - world.options.updateOverlapMs);
    const orders = [...shop.orders.values()].filter(
      (o) =>
        (!ids || ids.includes(o.orderId)) &&
        (!states || states.includes(o.state)) &&
        (!overlapStart || o.lastUpdated >= overlapStart) &&
        (!endUpdate || o.lastUpdated <= endUpdate) &&
        (!start || o.createdAt >= start) &&
        (!end || o.createdAt <= end) &&
        (hasIncident === undefined || world.hasIncident(o) === hasIncident),
    );
    const desc = p.get('order') === 'desc';
    orders.sort((a, b) => {
      const d = a.createdAt.getTime() - b.createdAt.getTime() || a.orderId.localeCompare(b.orderId);
      return desc ? -d : d;
    });
    const page = offsetPage(
      orders,
      offsetPageRequest(p, { defaultMax: 10, maxPageSize }),
      hasFault(res, 'page-drift'),
    );
    const rendered = page.items.map((o) => renderOrder(shop, o, world.canCancel(o)));
    const first = rendered[0];
    if (hasFault(res, 'unknown-enum') && first) {
      first['order_state'] = 'WAITING_SCORING';
      const line = (first['order_lines'] as Record<string, unknown>[])[0];
      if (line) line['order_line_state'] = 'WAITING_SCORING';
    }
    res.json({ orders: rendered, total_count: page.total });
  });

  router.put('/api/orders/:orderId/accept', gate('OR21'), (req, res) => {
    world.accept(shopOf(res), param(req, 'orderId'), acceptanceDecisions(req.body));
    res.status(204).end();
  });

  router.put('/api/orders/:orderId/tracking', gate('OR23'), (req, res) => {
    const body: unknown = req.body;
    if (body === null || typeof body !== 'object')
      throw new SimHttpError(400, 'A JSON body is required');
    world.setTracking(shopOf(res), param(req, 'orderId'), body as Record<string, unknown>, [
      ...carriers,
    ]);
    res.status(204).end();
  });

  router.put('/api/orders/:orderId/ship', gate('OR24'), (req, res) => {
    world.ship(shopOf(res), param(req, 'orderId'));
    res.status(204).end();
  });

  router.put('/api/orders/:orderId/cancel', gate('OR29'), (req, res) => {
    world.cancel(shopOf(res), param(req, 'orderId'), 'shop');
    res.status(204).end();
  });

  return router;
}

/**
 * OR21's body: `{order_lines: [{id, accepted}]}`. A null element has its own documented code
 * (`ORDER_LINE_NULL_ELEMENT`); any other shape problem is a `VALIDATION_ERROR`.
 */
export function acceptanceDecisions(body: unknown): { id: string; accepted: boolean }[] {
  const lines = (body as { order_lines?: unknown } | undefined)?.order_lines;
  if (Array.isArray(lines) && lines.some((l) => l === null)) {
    throw new SimHttpError(400, 'The order lines list contains a null element', {
      code: 'ORDER_LINE_NULL_ELEMENT',
    });
  }
  const valid =
    Array.isArray(lines) &&
    lines.every(
      (l: unknown) =>
        typeof l === 'object' &&
        typeof (l as { id?: unknown }).id === 'string' &&
        typeof (l as { accepted?: unknown }).accepted === 'boolean',
    );
  if (!valid) {
    throw new SimHttpError(400, 'order_lines must be a list of {id, accepted}', {
      code: 'VALIDATION_ERROR',
    });
  }
  return lines as { id: string; accepted: boolean }[];
}
