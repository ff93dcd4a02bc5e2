import type { Merchant } from './model.js';
import { intParam, list, route, type Ctx, type Reply, type Route } from './http.js';
import type { Views } from './views.js';
import {
  SimHttpError,
  problem,
  type CreateOrderInput,
  type CreateReturnInput,
  type SimWorld,
} from './world.js';

export const API_VERSIONS = ['2025-07', '2026-01'] as const;

/** Who is calling: resolved from the PAT and the `shipbob_channel_id` header. */
export interface Caller {
  merchant: Merchant;
  /** The channel named by the header, if any (already checked to belong to the merchant). */
  channelId: number | undefined;
}

type ApiHandler = (ctx: Ctx, caller: Caller) => Reply;

export interface ApiRoute extends Route {
  apiHandler: ApiHandler;
  /** Writes must name the caller's writable channel. */
  write: boolean;
}

function apiRoute(
  method: string,
  template: string,
  apiHandler: ApiHandler,
  write = false,
): ApiRoute {
  const base = route(method, template, () => ({ status: 500 }), `/(?:${API_VERSIONS.join('|')})`);
  return { ...base, apiHandler, write };
}

/** Cursor-paged envelope `{items, first, last, next, prev}` with absolute links. */
function cursorPage(
  ctx: Ctx,
  items: unknown[],
  sizeParam: string,
  defaultSize: number,
  withEnds = true,
): Record<string, unknown> {
  const size = intParam(ctx.url, sizeParam, defaultSize, 1, 250);
  const cursor = ctx.url.searchParams.get('Cursor');
  const offset = cursor ? decodeCursor(cursor) : 0;
  const link = (at: number | null): string | null => {
    if (at === null) return null;
    const next = new URL(ctx.url.toString());
    next.searchParams.set('Cursor', encodeCursor(at));
    return next.toString().replaceAll('%2C', ',').replaceAll('%3A', ':');
  };
  const lastOffset = items.length === 0 ? 0 : Math.floor((items.length - 1) / size) * size;
  const page: Record<string, unknown> = {
    items: items.slice(offset, offset + size),
    next: offset + size < items.length ? link(offset + size) : null,
    prev: offset > 0 ? link(Math.max(0, offset - size)) : null,
  };
  if (withEnds) {
    page['first'] = link(0);
    page['last'] = link(lastOffset);
  }
  return page;
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

function decodeCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown };
    if (typeof parsed.o === 'number' && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through
  }
  throw new SimHttpError(400, problem(400, 'Invalid cursor'));
}

/** `SKU=any:A,B` (operator syntax) or `SKU=A`. */
function filterValues(ctx: Ctx, name: string): string[] | undefined {
  const raw = ctx.url.searchParams.get(name);
  if (!raw) return undefined;
  const value = raw.startsWith('any:')
    ? raw.slice(4)
    : raw.startsWith('equals:')
      ? raw.slice(7)
      : raw;
  return value.split(',').filter((s) => s.length > 0);
}

function bool(ctx: Ctx, name: string): boolean | undefined {
  const raw = ctx.url.searchParams.get(name);
  if (raw === null) return undefined;
  return raw.toLowerCase() === 'true';
}

function date(ctx: Ctx, name: string): number | undefined {
  const raw = ctx.url.searchParams.get(name);
  if (!raw) return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms))
    throw new SimHttpError(400, { [name]: [`The value '${raw}' is not valid.`] });
  return ms;
}

function numericId(raw: string | undefined): number {
  const id = Number(raw);
  if (!Number.isInteger(id))
    throw new SimHttpError(400, { id: [`The value '${raw}' is not valid.`] });
  return id;
}

function asObject<T>(body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new SimHttpError(400, { '': ['A non-empty request body is required.'] });
  return body as T;
}

/** The ShipBob vendor API routes the simulator serves, for both dated versions. */
export function apiRoutes(world: SimWorld, views: Views, now: () => number): ApiRoute[] {
  const ownOrder = (caller: Caller, id: string | undefined) => {
    const order = world.order(numericId(id));
    if (order.merchantId !== caller.merchant.id) throw new SimHttpError(404);
    if (caller.channelId !== undefined && order.channelId !== caller.channelId)
      throw new SimHttpError(404);
    return order;
  };
  const ownReturn = (caller: Caller, id: string | undefined) => {
    const ret = world.returnOrder(numericId(id));
    if (ret.merchantId !== caller.merchant.id)
      throw new SimHttpError(404, problem(404, 'Return not found'));
    return ret;
  };
  const inventoryItems = (ctx: Ctx, caller: Caller) => {
    const ids = list(ctx.url, 'InventoryIds')?.map(Number);
    if (ids && ids.length > 250) throw new SimHttpError(400, problem(400, 'Too many InventoryIds'));
    const active = bool(ctx, 'IsActive');
    const digital = bool(ctx, 'IsDigital');
    return world.inventory.filter(
      (i) =>
        i.merchantId === caller.merchant.id &&
        (!ids || ids.includes(i.id)) &&
        (active === undefined || i.isActive === active) &&
        (digital === undefined || i.isDigital === digital),
    );
  };

  return [
    apiRoute('GET', '/channel', (ctx, caller) => {
      const items = caller.merchant.channels.map((c) => ({
        id: c.id,
        name: c.name,
        application_name: c.applicationName,
        scopes: c.scopes,
      }));
      return { status: 200, body: cursorPage(ctx, items, 'RecordsPerPage', 50, false) };
    }),
    apiRoute('GET', '/fulfillment-center', () => ({
      status: 200,
      body: world.centers.map((c) => views.center(c)),
    })),

    apiRoute('GET', '/product', (ctx, caller) => {
      const found = world.findProducts(caller.merchant.id, {
        skus: filterValues(ctx, 'SKU'),
        sellerSkus: filterValues(ctx, 'SellerSKU'),
      });
      return {
        status: 200,
        body: cursorPage(
          ctx,
          found.map((p) => views.product(p)),
          'PageSize',
          50,
        ),
      };
    }),
    apiRoute('POST', '/product', (ctx, caller) => {
      const product = world.createProduct(caller.merchant, asObject(ctx.body));
      return { status: 201, body: views.product(product) };
    }),

    apiRoute('GET', '/inventory-level', (ctx, caller) => ({
      status: 200,
      body: cursorPage(
        ctx,
        inventoryItems(ctx, caller).map((i) => views.inventoryLevel(i)),
        'PageSize',
        50,
      ),
    })),
    apiRoute('GET', '/inventory-level/locations', (ctx, caller) => ({
      status: 200,
      body: cursorPage(
        ctx,
        inventoryItems(ctx, caller).map((i) => views.inventoryLocations(i)),
        'PageSize',
        50,
      ),
    })),
    apiRoute('GET', '/inventory', (ctx, caller) => ({
      status: 200,
      body: cursorPage(
        ctx,
        inventoryItems(ctx, caller).map((i) => views.inventoryCatalog(i)),
        'PageSize',
        50,
      ),
    })),

    apiRoute(
      'POST',
      '/order',
      (ctx, caller) => {
        const body = asObject<CreateOrderInput>(ctx.body);
        if (
          !body.reference_id ||
          !body.shipping_method ||
          !body.recipient ||
          !Array.isArray(body.products) ||
          body.products.length === 0
        ) {
          throw new SimHttpError(400, {
            '': ['reference_id, shipping_method, recipient and products are required'],
          });
        }
        const order = world.createOrder(caller.merchant, caller.channelId!, body);
        return { status: 201, body: views.order(order) };
      },
      true,
    ),
    apiRoute('GET', '/order', (ctx, caller) => {
      const limit = intParam(ctx.url, 'Limit', 50, 1, 250);
      const page = intParam(ctx.url, 'Page', 1, 1, 1_000_000);
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
      const totalPages = Math.max(1, Math.ceil(matching.length / limit));
      const headers: Record<string, string> = {
        'page-number': String(page),
        'total-pages': String(totalPages),
        'total-count': String(matching.length),
        'page-size': String(limit),
      };
      if (page < totalPages) {
        const next = new URL(ctx.url.toString());
        next.searchParams.set('Page', String(page + 1));
        headers['next-page'] = `${next.pathname}${next.search}`
          .replaceAll('%2C', ',')
          .replaceAll('%3A', ':');
      }
      const items = matching.slice((page - 1) * limit, page * limit).map((o) => views.order(o));
      return { status: 200, body: items, headers };
    }),
    apiRoute('GET', '/order/{orderId}', (ctx, caller) => ({
      status: 200,
      body: views.order(ownOrder(caller, ctx.params[0])),
    })),
    apiRoute('GET', '/order/{orderId}/shipment', (ctx, caller) => {
      const order = ownOrder(caller, ctx.params[0]);
      return { status: 200, body: order.shipments.map((s) => views.shipment(order, s)) };
    }),
    apiRoute('GET', '/shipment/{shipmentId}', (ctx, caller) => {
      const { order, shipment } = world.shipment(numericId(ctx.params[0]));
      ownOrder(caller, String(order.id));
      return { status: 200, body: views.shipment(order, shipment) };
    }),
    apiRoute(
      'POST',
      '/order/{orderId}:cancel',
      (ctx, caller) => {
        const order = ownOrder(caller, ctx.params[0]);
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
      true,
    ),

    apiRoute(
      'POST',
      '/return',
      (ctx, caller) => {
        const body = asObject<CreateReturnInput>(ctx.body);
        if (
          !body.reference_id ||
          !body.fulfillment_center ||
          !Array.isArray(body.inventory) ||
          body.inventory.length === 0
        ) {
          throw new SimHttpError(
            400,
            problem(400, 'reference_id, fulfillment_center and inventory are required'),
          );
        }
        return {
          status: 201,
          body: views.returnV1(world.createReturn(caller.merchant, caller.channelId!, body)),
        };
      },
      true,
    ),
    apiRoute('GET', '/return', (ctx, caller) => {
      const limit = intParam(ctx.url, 'Limit', 50, 1, 250);
      const page = intParam(ctx.url, 'Cursor', 1, 1, 1_000_000);
      const ids = list(ctx.url, 'Ids')?.map(Number);
      const refs = list(ctx.url, 'ReferenceIds');
      const statuses = list(ctx.url, 'Status')?.map((s) => s.replaceAll(' ', ''));
      const [from, to, doneFrom, doneTo] = [
        'StartDate',
        'EndDate',
        'CompletedStartDate',
        'CompletedEndDate',
      ].map((n) => date(ctx, n));
      const matching = world.returns.filter((r) => {
        const inserted = Date.parse(r.insertDate);
        const completed = r.completedDate ? Date.parse(r.completedDate) : undefined;
        return (
          r.merchantId === caller.merchant.id &&
          (caller.channelId === undefined || r.channelId === caller.channelId) &&
          (!ids || ids.includes(r.id)) &&
          (!refs || refs.includes(r.referenceId)) &&
          (!statuses || statuses.includes(r.status)) &&
          (from === undefined || inserted >= from) &&
          (to === undefined || inserted <= to) &&
          (doneFrom === undefined || (completed !== undefined && completed >= doneFrom)) &&
          (doneTo === undefined || (completed !== undefined && completed <= doneTo))
        );
      });
      const ascending = ctx.url.searchParams.get('SortOrder') === 'Asc';
      matching.sort((a, b) => (ascending ? a.id - b.id : b.id - a.id));
      const totalPages = Math.max(1, Math.ceil(matching.length / limit));
      const link = (p: number | null): string | null => {
        if (p === null) return null;
        const next = new URL(ctx.url.toString());
        next.searchParams.set('Cursor', String(p));
        return next.toString().replaceAll('%2C', ',');
      };
      return {
        status: 200,
        headers: {
          'page-number': String(page),
          'total-pages': String(totalPages),
          'total-count': String(matching.length),
          'page-size': String(limit),
        },
        body: {
          items: matching.slice((page - 1) * limit, page * limit).map((r) => views.returnDto(r)),
          first: link(1),
          last: link(totalPages),
          next: page < totalPages ? link(page + 1) : null,
          prev: page > 1 ? link(page - 1) : null,
        },
      };
    }),
    apiRoute('GET', '/return/{id}', (ctx, caller) => ({
      status: 200,
      body: views.returnDto(ownReturn(caller, ctx.params[0])),
    })),
    apiRoute('POST', '/return/{id}:cancel', (ctx, caller) => {
      world.cancelReturn(ownReturn(caller, ctx.params[0]));
      return { status: 200 };
    }),
  ];
}
