import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderCsv } from '@msync/platform';
import { FaultBook, type Fault, type FaultInput, type Operation } from './faults.js';
import { DEFAULT_CARRIERS, type Carrier, type SimShop } from './model.js';
import {
  renderAccount,
  renderOffer,
  renderOfferImport,
  renderOrder,
  renderStockImport,
} from './render.js';
import { ApiError, World, type OfferSeed, type OrderSeed, type ShopSeed } from './world.js';
import { Control } from './control.js';

export interface MiraklSimulatorOptions {
  port?: number;
  host?: string;
  /** Shops to create at start. */
  shops?: ShopSeed[];
  now?: () => Date;
  importDelayMs?: number;
  exportDelayMs?: number;
  paymentDelayMs?: number | null;
  updateOverlapMs?: number;
  /**
   * Minimum time between two calls of an operation by one shop; a faster call gets 429 with
   * `Retry-After`. Empty by default; {@link DOCUMENTED_CALL_FREQUENCY} is Mirakl's contract.
   */
  callFrequencyMs?: Partial<Record<Operation, number>>;
  carriers?: Carrier[];
  /** Largest accepted `max` page size. */
  maxPageSize?: number;
  /** How many exchanges the journal keeps (oldest dropped first). Default 10 000. */
  journalLimit?: number;
}

/** Mirakl's documented maximum call frequencies for the operations the product polls. */
export const DOCUMENTED_CALL_FREQUENCY: Partial<Record<Operation, number>> = {
  OR11: 60_000,
  STO01: 60_000,
  OF01: 60_000,
  OF52: 60_000,
  STO02: 15_000,
  OF53: 10_000,
};

/** One request the simulated API answered, as seen on the wire. */
export interface Exchange {
  operation: Operation | 'unknown';
  method: string;
  path: string;
  query: Record<string, string[]>;
  requestHeaders: Record<string, string | undefined>;
  requestContentType?: string;
  /** JSON body, or `{ fields, files }` for multipart, or raw text. */
  requestBody?: unknown;
  status: number;
  responseContentType?: string;
  responseBody?: unknown;
  /** Set when a fault shaped this answer. */
  fault?: string;
}

export interface RunningMiraklSimulator {
  url: string;
  port: number;
  control: Control;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

interface Route {
  operation: Operation;
  method: string;
  pattern: RegExp;
  handle: (ctx: RequestContext, params: string[]) => Promise<Reply> | Reply;
}

interface RequestContext {
  shop: SimShop;
  url: URL;
  body: unknown;
  rawBody: Buffer;
  faults: Fault[];
}

const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  json: body,
  headers,
});
const errorReply = (status: number, message: string, code?: string): Reply =>
  json(status, code ? { status, message, code } : { status, message });

/** Starts the simulated Mirakl seller API (and its control API under `/_control`). */
export async function startMiraklSimulator(
  options: MiraklSimulatorOptions = {},
): Promise<RunningMiraklSimulator> {
  const world = new World({
    now: options.now ?? (() => new Date()),
    importDelayMs: options.importDelayMs ?? 300,
    exportDelayMs: options.exportDelayMs ?? 300,
    paymentDelayMs: options.paymentDelayMs === undefined ? 1_000 : options.paymentDelayMs,
    updateOverlapMs: options.updateOverlapMs ?? 60_000,
  });
  const faults = new FaultBook();
  const journal: Exchange[] = [];
  const carriers = options.carriers ?? DEFAULT_CARRIERS;
  const maxPageSize = options.maxPageSize ?? 100;
  const callFrequency = options.callFrequencyMs ?? {};
  const journalLimit = options.journalLimit ?? 10_000;
  const record = (exchange: Exchange): void => {
    journal.push(exchange);
    if (journal.length > journalLimit) journal.splice(0, journal.length - journalLimit);
  };
  let baseUrl = '';

  const control = new Control(world, faults, journal);
  for (const seed of options.shops ?? []) world.addShop(seed);

  const page = <T>(items: T[], url: URL, drift: boolean): { slice: T[]; total: number } => {
    const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
    const maxParam = Number(url.searchParams.get('max') ?? 10) || 10;
    const max = Math.min(maxPageSize, Math.max(1, maxParam));
    let list = items;
    if (drift && offset > 0 && list.length > 0) list = list.slice(1);
    if (url.searchParams.get('paginate') === 'false') return { slice: list, total: list.length };
    return { slice: list.slice(offset, offset + max), total: list.length };
  };

  const dateParam = (url: URL, name: string): Date | undefined => {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === '') return undefined;
    const d = new Date(raw);
    if (Number.isNaN(d.getTime()))
      throw new ApiError(400, `Invalid date for parameter ${name}: ${raw}`);
    return d;
  };

  const boolParam = (url: URL, name: string): boolean | undefined => {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === '') return undefined;
    if (raw !== 'true' && raw !== 'false')
      throw new ApiError(400, `Invalid boolean for parameter ${name}`);
    return raw === 'true';
  };

  const csvUpload = async (
    ctx: RequestContext,
  ): Promise<{ file: string; fields: Record<string, string> }> => {
    const form = ctx.body as
      { fields?: Record<string, string>; files?: Record<string, string> } | undefined;
    const file = form?.files?.['file'];
    if (file === undefined) throw new ApiError(400, 'The multipart part "file" is required');
    return Promise.resolve({ file, fields: form?.fields ?? {} });
  };

  const routes: Route[] = [
    {
      operation: 'V01',
      method: 'GET',
      pattern: /^\/api\/version$/,
      handle: () => json(200, { version: '3.0.0-simulator' }),
    },
    {
      operation: 'A01',
      method: 'GET',
      pattern: /^\/api\/account$/,
      handle: (ctx) => json(200, renderAccount(ctx.shop, world.now())),
    },
    {
      operation: 'OF21',
      method: 'GET',
      pattern: /^\/api\/offers$/,
      handle: (ctx) => {
        const sku = ctx.url.searchParams.get('sku');
        const states = ctx.url.searchParams.get('offer_state_codes')?.split(',').filter(Boolean);
        const offers = [...ctx.shop.offers.values()]
          .filter(
            (o) =>
              !o.deleted &&
              (!sku || o.shopSku === sku) &&
              (!states || states.includes(o.stateCode)),
          )
          .sort((a, b) => a.offerId - b.offerId);
        const { slice, total } = page(
          offers,
          ctx.url,
          ctx.faults.some((f) => f.kind === 'page-drift'),
        );
        return json(200, {
          offers: slice.map((o) => renderOffer(ctx.shop, o)),
          total_count: total,
        });
      },
    },
    {
      operation: 'OF22',
      method: 'GET',
      pattern: /^\/api\/offers\/(\d+)$/,
      handle: (ctx, [id]) => {
        const offer = [...ctx.shop.offers.values()].find(
          (o) => o.offerId === Number(id) && !o.deleted,
        );
        return offer
          ? json(200, renderOffer(ctx.shop, offer))
          : errorReply(404, `Offer ${id} not found`);
      },
    },
    {
      operation: 'OF01',
      method: 'POST',
      pattern: /^\/api\/offers\/imports$/,
      handle: async (ctx) => {
        const { file, fields } = await csvUpload(ctx);
        const mode = fields['import_mode'];
        if (mode !== 'NORMAL' && mode !== 'REPLACE') {
          throw new ApiError(400, 'import_mode is required and must be NORMAL or REPLACE');
        }
        const imp = world.createImport(ctx.shop, 'offer', mode, file);
        return json(201, { import_id: Number(imp.id) });
      },
    },
    {
      operation: 'OF02',
      method: 'GET',
      pattern: /^\/api\/offers\/imports\/(\d+)$/,
      handle: (ctx, [id]) => {
        const imp = ctx.shop.imports.get(id ?? '');
        return imp?.kind === 'offer'
          ? json(200, renderOfferImport(imp))
          : errorReply(404, `Import ${id} not found`);
      },
    },
    {
      operation: 'OF03',
      method: 'GET',
      pattern: /^\/api\/offers\/imports\/(\d+)\/error_report$/,
      handle: (ctx, [id]) => {
        const imp = ctx.shop.imports.get(id ?? '');
        if (imp?.kind !== 'offer' || imp.errors.length === 0)
          return errorReply(404, `No error report for import ${id}`);
        const rows = [
          [...imp.header, 'error-line', 'error-message'],
          ...imp.errors.map((e) => [...e.cells, e.line, e.message]),
        ];
        return { status: 200, text: renderCsv(rows), contentType: 'application/octet-stream' };
      },
    },
    {
      operation: 'STO01',
      method: 'POST',
      pattern: /^\/api\/offers\/stock\/imports$/,
      handle: async (ctx) => {
        if (!ctx.shop.stockImportsEnabled) return errorReply(404, 'Not Found');
        const { file } = await csvUpload(ctx);
        const imp = world.createImport(ctx.shop, 'stock', 'STOCK', file);
        return json(
          201,
          { import_id: imp.id },
          { Location: `${baseUrl}/api/offers/stock/imports/${imp.id}/status` },
        );
      },
    },
    {
      operation: 'STO02',
      method: 'GET',
      pattern: /^\/api\/offers\/stock\/imports\/([^/]+)\/status$/,
      handle: (ctx, [id]) => {
        if (!ctx.shop.stockImportsEnabled) return errorReply(404, 'Not Found');
        const imp = ctx.shop.imports.get(decodeURIComponent(id ?? ''));
        return imp?.kind === 'stock'
          ? json(200, renderStockImport(ctx.shop, imp))
          : errorReply(404, `Import ${id} not found`);
      },
    },
    {
      operation: 'STO03',
      method: 'GET',
      pattern: /^\/api\/offers\/stock\/imports\/([^/]+)\/error_report$/,
      handle: (ctx, [id]) => {
        const imp = ctx.shop.imports.get(decodeURIComponent(id ?? ''));
        if (imp?.kind !== 'stock' || imp.errors.length === 0)
          return errorReply(404, `No error report for import ${id}`);
        const rows = [
          ['line', 'error-message', ...imp.header],
          ...imp.errors.map((e) => [e.line, e.message, ...e.cells]),
        ];
        return { status: 200, text: renderCsv(rows), contentType: 'text/csv' };
      },
    },
    {
      operation: 'OF52',
      method: 'POST',
      pattern: /^\/api\/offers\/export\/async$/,
      handle: (ctx) => {
        const body = (ctx.body ?? {}) as Record<string, unknown>;
        const exportType = body['export_type'] ?? 'text/csv';
        if (exportType !== 'application/json') {
          throw new ApiError(400, 'This simulator only produces export_type application/json');
        }
        const raw = body['last_request_date'];
        const lastRequestDate = typeof raw === 'string' ? new Date(raw) : undefined;
        if (lastRequestDate && Number.isNaN(lastRequestDate.getTime()))
          throw new ApiError(400, 'Invalid last_request_date');
        const perChunk =
          typeof body['items_per_chunk'] === 'number' ? body['items_per_chunk'] : 10_000;
        const exp = world.createExport(ctx.shop, {
          lastRequestDate,
          includeInactive: body['include_inactive_offers'] === true,
          itemsPerChunk: Math.max(1, perChunk),
        });
        return json(200, { tracking_id: exp.trackingId });
      },
    },
    {
      operation: 'OF53',
      method: 'GET',
      pattern: /^\/api\/offers\/export\/async\/status\/([^/]+)$/,
      handle: (ctx, [id]) => {
        const exp = ctx.shop.exports.get(decodeURIComponent(id ?? ''));
        if (!exp) return errorReply(404, `Export ${id} not found`);
        const out: Record<string, unknown> = {
          status: exp.status,
          last_updated: world.now().toISOString(),
        };
        if (exp.status === 'COMPLETED') {
          out['urls'] = (exp.chunks ?? []).map(
            (_c, i) => `${baseUrl}/api/offers/export/async/file/${exp.trackingId}?file=${i}.json`,
          );
        }
        if (exp.error) out['error'] = exp.error;
        return json(200, out);
      },
    },
    {
      operation: 'OF54',
      method: 'GET',
      pattern: /^\/api\/offers\/export\/async\/file\/([^/]+)$/,
      handle: (ctx, [id]) => {
        const exp = ctx.shop.exports.get(decodeURIComponent(id ?? ''));
        const index = Number((ctx.url.searchParams.get('file') ?? '').replace(/\.json$/, ''));
        const chunk = exp?.chunks?.[index];
        return chunk ? json(200, chunk) : errorReply(404, 'Export file not found');
      },
    },
    {
      operation: 'OR11',
      method: 'GET',
      pattern: /^\/api\/orders$/,
      handle: (ctx) => {
        const p = ctx.url.searchParams;
        const ids = p.get('order_ids')?.split(',').filter(Boolean);
        if (ids && ids.length > 100)
          throw new ApiError(400, 'The limit of 100 is exceeded for the parameter : order_ids');
        const states = p.get('order_state_codes')?.split(',').filter(Boolean);
        const startUpdate = dateParam(ctx.url, 'start_update_date');
        const endUpdate = dateParam(ctx.url, 'end_update_date');
        const start = dateParam(ctx.url, 'start_date');
        const end = dateParam(ctx.url, 'end_date');
        const hasIncident = boolParam(ctx.url, 'has_incident');
        const overlapStart =
          startUpdate && new Date(startUpdate.getTime() - world.options.updateOverlapMs);
        const orders = [...ctx.shop.orders.values()].filter(
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
          const d =
            a.createdAt.getTime() - b.createdAt.getTime() || a.orderId.localeCompare(b.orderId);
          return desc ? -d : d;
        });
        const { slice, total } = page(
          orders,
          ctx.url,
          ctx.faults.some((f) => f.kind === 'page-drift'),
        );
        const rendered = slice.map((o) => renderOrder(ctx.shop, o, world.canCancel(o)));
        if (ctx.faults.some((f) => f.kind === 'unknown-enum') && rendered[0]) {
          rendered[0]['order_state'] = 'WAITING_SCORING';
          const line = (rendered[0]['order_lines'] as Record<string, unknown>[])[0];
          if (line) line['order_line_state'] = 'WAITING_SCORING';
        }
        return json(200, { orders: rendered, total_count: total });
      },
    },
    {
      operation: 'OR21',
      method: 'PUT',
      pattern: /^\/api\/orders\/([^/]+)\/accept$/,
      handle: (ctx, [id]) => {
        const body = ctx.body as { order_lines?: unknown } | undefined;
        const lines = body?.order_lines;
        if (
          !Array.isArray(lines) ||
          lines.some(
            (l: unknown) =>
              typeof (l as { id?: unknown }).id !== 'string' ||
              typeof (l as { accepted?: unknown }).accepted !== 'boolean',
          )
        ) {
          throw new ApiError(
            400,
            'order_lines must be a list of {id, accepted}',
            'VALIDATION_ERROR',
          );
        }
        world.accept(
          ctx.shop,
          decodeURIComponent(id ?? ''),
          lines as { id: string; accepted: boolean }[],
        );
        return { status: 204 };
      },
    },
    {
      operation: 'OR23',
      method: 'PUT',
      pattern: /^\/api\/orders\/([^/]+)\/tracking$/,
      handle: (ctx, [id]) => {
        if (ctx.body === null || typeof ctx.body !== 'object')
          throw new ApiError(400, 'A JSON body is required');
        world.setTracking(
          ctx.shop,
          decodeURIComponent(id ?? ''),
          ctx.body as Record<string, unknown>,
          carriers,
        );
        return { status: 204 };
      },
    },
    {
      operation: 'OR24',
      method: 'PUT',
      pattern: /^\/api\/orders\/([^/]+)\/ship$/,
      handle: (ctx, [id]) => {
        world.ship(ctx.shop, decodeURIComponent(id ?? ''));
        return { status: 204 };
      },
    },
    {
      operation: 'OR29',
      method: 'PUT',
      pattern: /^\/api\/orders\/([^/]+)\/cancel$/,
      handle: (ctx, [id]) => {
        world.cancel(ctx.shop, decodeURIComponent(id ?? ''), 'shop');
        return { status: 204 };
      },
    },
    {
      operation: 'OR64',
      method: 'PUT',
      pattern: /^\/api\/orders\/([^/]+)\/lines\/([^/]+)\/resolve_incident$/,
      handle: (ctx, [id, line]) => {
        world.closeIncident(ctx.shop, decodeURIComponent(id ?? ''), decodeURIComponent(line ?? ''));
        return { status: 204 };
      },
    },
    {
      operation: 'SH21',
      method: 'GET',
      pattern: /^\/api\/shipping\/carriers$/,
      handle: () =>
        json(200, { carriers: [...carriers].sort((a, b) => a.label.localeCompare(b.label)) }),
    },
  ];

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            status: 500,
            message: error instanceof Error ? error.message : 'Internal error',
          }),
        );
      } else {
        res.destroy();
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const rawBody = await readBody(req);
    const contentType = req.headers['content-type'];
    if (url.pathname.startsWith('/_control/') || url.pathname === '/_control') {
      const reply = await control.handleHttp(req.method ?? 'GET', url, parseJsonSafe(rawBody));
      send(res, reply);
      return;
    }
    const exchange: Exchange = {
      operation: 'unknown',
      method: req.method ?? 'GET',
      path: url.pathname,
      query: queryOf(url),
      requestHeaders: {
        authorization: req.headers.authorization === undefined ? undefined : '[present]',
        'content-type': contentType,
        'content-length': req.headers['content-length'],
        accept: req.headers.accept,
      },
      requestContentType: contentType,
      status: 0,
    };
    const reply = await answer(req, url, rawBody, contentType, exchange).catch((error: unknown) => {
      if (error instanceof ApiError) return errorReply(error.status, error.message, error.code);
      return errorReply(500, 'Internal server error');
    });
    if (reply === 'dropped') {
      exchange.fault = 'drop';
      record(exchange);
      req.socket.destroy();
      return;
    }
    exchange.status = reply.status;
    exchange.responseContentType =
      reply.json !== undefined ? 'application/json' : reply.contentType;
    exchange.responseBody = reply.json ?? reply.text;
    record(exchange);
    if (exchange.fault === 'truncated') {
      const body = JSON.stringify(reply.json ?? {});
      res.writeHead(reply.status, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      });
      res.write(body.slice(0, Math.floor(body.length / 2)));
      setTimeout(() => res.destroy(), 5);
      return;
    }
    if (exchange.fault === 'truncated-json') {
      const body = JSON.stringify(reply.json ?? {});
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body.slice(0, Math.floor(body.length / 2)));
      return;
    }
    if (exchange.fault === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"orders": [ {"order_id": "broken", <html>Gateway</html>');
      return;
    }
    send(res, reply);
  }

  async function answer(
    req: IncomingMessage,
    url: URL,
    rawBody: Buffer,
    contentType: string | undefined,
    exchange: Exchange,
  ): Promise<Reply | 'dropped'> {
    const match = routes
      .filter((r) => r.method === req.method)
      .map((r) => ({ route: r, m: r.pattern.exec(url.pathname) }))
      .find((x) => x.m !== null);
    if (!match?.m) return errorReply(404, 'Not Found');
    const { route } = match;
    exchange.operation = route.operation;

    const body = await parseBody(rawBody, contentType);
    exchange.requestBody = body;

    const shop = world.shopByKey(req.headers.authorization);
    if (!shop) return errorReply(401, 'Unauthorized');

    const taken = faults.take(route.operation);
    for (const f of taken) {
      if (f.kind === 'latency') await new Promise((r) => setTimeout(r, f.ms));
    }
    const fault = taken.find((f) => f.kind !== 'latency');
    if (fault) exchange.fault = fault.kind;
    switch (fault?.kind) {
      case 'status': {
        const headers: Record<string, string> = {};
        if (fault.status === 429) headers['Retry-After'] = String(fault.retryAfterSeconds ?? 1);
        return json(
          fault.status,
          {
            status: fault.status,
            message: fault.status === 429 ? 'Too Many Requests' : 'Simulated failure',
          },
          headers,
        );
      }
      case 'drop':
        return 'dropped';
      case 'wrong-shape':
        return json(200, { unexpected: 'shape' });
      case 'malformed':
      case 'truncated':
      case 'truncated-json':
      case 'page-drift':
      case 'unknown-enum':
      case undefined:
        break;
    }

    const minInterval = callFrequency[route.operation];
    if (minInterval !== undefined) {
      const last = shop.lastCallAt.get(route.operation);
      const now = world.now().getTime();
      if (last !== undefined && now - last < minInterval) {
        exchange.fault = 'call-frequency';
        const retryAfter = Math.max(1, Math.ceil((minInterval - (now - last)) / 1000));
        return json(
          429,
          { status: 429, message: 'Too Many Requests' },
          { 'Retry-After': String(retryAfter) },
        );
      }
      shop.lastCallAt.set(route.operation, now);
    }

    world.advance(shop);
    return route.handle({ shop, url, body, rawBody, faults: taken }, match.m.slice(1));
  }

  function send(res: ServerResponse, reply: Reply): void {
    const headers: Record<string, string> = { ...reply.headers };
    let payload: string | undefined;
    if (reply.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(reply.json);
    } else if (reply.text !== undefined) {
      headers['content-type'] = reply.contentType ?? 'text/plain';
      payload = reply.text;
    }
    res.writeHead(reply.status, headers);
    res.end(payload);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;

  return {
    url: baseUrl,
    port: address.port,
    control,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJsonSafe(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

async function parseBody(raw: Buffer, contentType: string | undefined): Promise<unknown> {
  if (raw.length === 0) return undefined;
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Request('http://simulator/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: raw,
    }).formData();
    const fields: Record<string, string> = {};
    const files: Record<string, string> = {};
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields[name] = value;
      else files[name] = await value.text();
    }
    return { fields, files };
  }
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      throw new ApiError(400, 'The request body is not valid JSON');
    }
  }
  return raw.toString('utf8');
}

function queryOf(url: URL): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (out[k] ??= []).push(v);
  return out;
}

export type { FaultInput, OfferSeed, OrderSeed, ShopSeed };
