import type { Request, RequestHandler, Response } from 'express';
import { OUTPUT_FAULTS } from './faults.js';
import type { Exchange, RequestJournal } from './journal.js';
import { exchangeOf, setExchange } from './locals.js';
import type { SimVendor } from './vendor.js';

/**
 * Starts the journal entry of each vendor-API request and records it when the answer is sent
 * (before the bytes leave, so a client that got its answer always finds it in the journal).
 * Output faults (`truncated`, `truncated-json`, `malformed`, `drop-after-commit`) deform the
 * answer here, after the handler ran.
 */
export function journalAnswers<Op extends string>(
  journal: RequestJournal<Op>,
  vendor: SimVendor,
): RequestHandler {
  return (req, res, next) => {
    const url = new URL(req.originalUrl, 'http://simulator');
    const contentType = req.headers['content-type'];
    const exchange = journal.start({
      method: req.method,
      path: url.pathname,
      query: queryOf(url),
      requestHeaders: {
        authorization: req.headers.authorization === undefined ? undefined : '[present]',
        'content-type': contentType,
        'content-length': req.headers['content-length'],
        accept: req.headers.accept,
      },
      requestContentType: contentType,
    });
    setExchange(res, exchange);
    hookAnswer(req, res, exchange, journal, vendor);
    next();
  };
}

/** Records each answer once; dropped answers are recorded without a status. */
const recorders = new WeakMap<Response, () => void>();
const dropped = new WeakSet<Response>();

/** Records the exchange as dropped and closes the connection without an answer. */
export function dropConnection(req: Request, res: Response): void {
  const exchange = exchangeOf(res);
  if (exchange) exchange.fault = 'drop';
  dropped.add(res);
  recorders.get(res)?.();
  req.socket.destroy();
}

function hookAnswer<Op extends string>(
  req: Request,
  res: Response,
  exchange: Exchange<Op>,
  journal: RequestJournal<Op>,
  vendor: SimVendor,
): void {
  let jsonBody: unknown;
  let recorded = false;
  const record = (chunk?: unknown): void => {
    if (recorded) return;
    recorded = true;
    const body: unknown = req.body;
    exchange.requestBody = Buffer.isBuffer(body) ? undefined : body;
    if (!dropped.has(res)) {
      exchange.status = res.statusCode;
      exchange.responseContentType = contentTypeOf(res);
      exchange.responseBody = jsonBody ?? textOf(chunk);
    }
    journal.record(exchange);
  };
  recorders.set(res, record);

  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    jsonBody = body;
    return json(body);
  };

  const end = res.end.bind(res) as (chunk?: unknown, encoding?: unknown, cb?: unknown) => Response;
  res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    record(typeof chunk === 'function' ? undefined : chunk);
    const fault = exchange.fault;
    if (fault === undefined || !OUTPUT_FAULTS.has(fault as never)) return end(chunk, encoding, cb);
    const text = textOf(chunk) ?? '{}';
    const half = text.slice(0, Math.floor(text.length / 2));
    switch (fault) {
      case 'drop-after-commit':
        req.socket.destroy();
        return res;
      case 'truncated':
        res.setHeader('content-type', 'application/json');
        res.setHeader('content-length', String(Buffer.byteLength(text)));
        res.write(half);
        setTimeout(() => res.destroy(), 5);
        return res;
      case 'truncated-json':
        res.statusCode = 200;
        res.setHeader('content-type', 'application/json');
        res.setHeader('content-length', String(Buffer.byteLength(half)));
        return end(half);
      case 'malformed':
        res.statusCode = 200;
        res.setHeader('content-type', 'application/json');
        res.setHeader('content-length', String(Buffer.byteLength(vendor.malformedBody)));
        return end(vendor.malformedBody);
      default:
        return end(chunk, encoding, cb);
    }
  }) as Response['end'];
}

function contentTypeOf(res: Response): string | undefined {
  const header = res.getHeader('content-type');
  if (typeof header !== 'string') return undefined;
  return header.split(';')[0]?.trim();
}

function textOf(chunk: unknown): string | undefined {
  if (typeof chunk === 'string') return chunk === '' ? undefined : chunk;
  if (Buffer.isBuffer(chunk)) return chunk.length === 0 ? undefined : chunk.toString('utf8');
  return undefined;
}

function queryOf(url: URL): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (out[k] ??= []).push(v);
  return out;
}
