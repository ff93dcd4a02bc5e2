import { errorBody, InvalidParameter, problem, SimHttpError, type ErrorStyle } from './errors.js';
import {
  intParam,
  rawParam,
  decodeLenient,
  route,
  type Ctx,
  type Reply,
  type Route,
} from './http.js';
import type { ApiVersion, Merchant, Order, ReturnOrder } from './model.js';
import type { Views } from './views.js';
import type { SimWorld } from './world.js';

export const API_VERSIONS: ApiVersion[] = ['2025-07', '2026-01'];

/** Who is calling: resolved from the PAT and the `shipbob_channel_id` header. */
export interface Caller {
  merchant: Merchant;
  /** The channel named by the header, if any (already checked to belong to the merchant). */
  channelId: number | undefined;
}

export type ApiHandler = (ctx: Ctx, caller: Caller) => Reply;

export interface ApiRoute extends Route {
  apiHandler: ApiHandler;
  /** Writes must name the caller's writable channel. */
  write: boolean;
  /** The shape of this operation's documented 400. */
  errors: ErrorStyle;
}

export interface RouteOptions {
  write?: boolean;
  /** Default `fields` (field → messages). */
  errors?: ErrorStyle;
  /** Versions that document the operation; default both. */
  versions?: ApiVersion[];
}

/** What every route module gets: the world, its JSON views and the clock. */
export interface RouteDeps {
  world: SimWorld;
  views: Views;
  now: () => number;
}

export function apiRoute(
  method: string,
  template: string,
  handler: ApiHandler,
  options: RouteOptions = {},
): ApiRoute {
  const versions = options.versions ?? API_VERSIONS;
  const errors = options.errors ?? 'fields';
  const base = route(method, template, () => ({ status: 500 }), `/(?:${versions.join('|')})`);
  const apiHandler: ApiHandler = (ctx, caller) => {
    try {
      return handler(ctx, caller);
    } catch (error) {
      if (error instanceof InvalidParameter)
        throw new SimHttpError(400, errorBody(errors, 400, { [error.parameter]: [error.message] }));
      throw error;
    }
  };
  return { ...base, apiHandler, write: options.write ?? false, errors };
}

export function versionOf(ctx: Ctx): ApiVersion {
  return ctx.url.pathname.split('/')[1] as ApiVersion;
}

/** Cursor-paged envelope `{items, first, last, next, prev}` with absolute links. */
export function cursorPage(
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
  throw new InvalidParameter('Cursor', 'The cursor is not valid; follow the next/prev links.');
}

/**
 * `Page`/`Limit` paging of a bare array with the `Page-Number`, `Total-Pages`, `Total-Count`,
 * `Page-Size` and (when there is one) `Next-Page` headers.
 */
export function pagedArray<T>(ctx: Ctx, items: T[], render: (item: T) => unknown): Reply {
  const limit = intParam(ctx.url, 'Limit', 50, 1, 250);
  const page = intParam(ctx.url, 'Page', 1, 1, 1_000_000);
  const totalPages = Math.max(1, Math.ceil(items.length / limit));
  const headers: Record<string, string> = {
    'page-number': String(page),
    'total-pages': String(totalPages),
    'total-count': String(items.length),
    'page-size': String(limit),
  };
  if (page < totalPages) {
    const next = new URL(ctx.url.toString());
    next.searchParams.set('Page', String(page + 1));
    headers['next-page'] = `${next.pathname}${next.search}`
      .replaceAll('%2C', ',')
      .replaceAll('%3A', ':');
  }
  const body = items.slice((page - 1) * limit, page * limit).map(render);
  return { status: 200, body, headers };
}

/** `SKU=any:A,B` (operator syntax) or `SKU=A`; an encoded `%3A` is no operator. */
export function filterValues(ctx: Ctx, name: string): string[] | undefined {
  const raw = rawParam(ctx.url, name);
  if (!raw) return undefined;
  const operator = /^(any|equals):/.exec(raw);
  const values = operator ? raw.slice(operator[0].length) : raw;
  return values
    .split(',')
    .map(decodeLenient)
    .filter((s) => s.length > 0);
}

export function bool(ctx: Ctx, name: string): boolean | undefined {
  const raw = ctx.url.searchParams.get(name);
  if (raw === null) return undefined;
  return raw.toLowerCase() === 'true';
}

export function date(ctx: Ctx, name: string): number | undefined {
  const raw = ctx.url.searchParams.get(name);
  if (!raw) return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new InvalidParameter(name, `The value '${raw}' is not valid.`);
  return ms;
}

export function numericId(raw: string | undefined, name = 'id'): number {
  const id = Number(raw);
  if (!Number.isInteger(id)) throw new InvalidParameter(name, `The value '${raw}' is not valid.`);
  return id;
}

export function asObject<T>(body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new SimHttpError(400, { '': ['A non-empty request body is required.'] });
  return body as T;
}

/** The caller's order (404 without a body otherwise, also when the channel header differs). */
export function ownOrder(world: SimWorld, caller: Caller, id: string | undefined): Order {
  const order = world.order(numericId(id, 'orderId'));
  if (order.merchantId !== caller.merchant.id) throw new SimHttpError(404);
  if (caller.channelId !== undefined && order.channelId !== caller.channelId)
    throw new SimHttpError(404);
  return order;
}

export function ownReturn(world: SimWorld, caller: Caller, id: string | undefined): ReturnOrder {
  const ret = world.returnOrder(numericId(id));
  if (ret.merchantId !== caller.merchant.id)
    throw new SimHttpError(404, problem(404, 'Return not found'));
  return ret;
}
