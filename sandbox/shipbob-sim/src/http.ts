import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidParameter } from './errors.js';

/** One routed request: parsed URL, params, query and JSON body. */
export interface Ctx {
  req: IncomingMessage;
  url: URL;
  params: string[];
  body: unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  /** Key used by fault switches and logs, e.g. `POST /order/{orderId}:cancel`. */
  key: string;
  pattern: RegExp;
  handler: Handler;
}

/** Builds a route from a template such as `/order/{orderId}:cancel` (the `:` is literal). */
export function route(method: string, template: string, handler: Handler, prefix = ''): Route {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '([^/:]+)' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return {
    method,
    key: `${method} ${template}`,
    pattern: new RegExp(`^${prefix}${source}$`),
    handler,
  };
}

export function match<R extends Route>(
  routes: R[],
  method: string,
  path: string,
): { route: R; params: string[] } | undefined {
  for (const candidate of routes) {
    if (candidate.method !== method) continue;
    const m = candidate.pattern.exec(path);
    if (m) return { route: candidate, params: m.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return undefined;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  headers['content-type'] = 'application/json; charset=utf-8';
  res.writeHead(reply.status, headers);
  res.end(JSON.stringify(reply.body));
}

/**
 * The raw (still percent-encoded) value of a query parameter. ShipBob splits comma lists and
 * reads `op:` filters before decoding, so `A%2CB` is one value and `any%3AX` is no operator.
 */
export function rawParam(url: URL, name: string): string | null {
  for (const part of url.search.slice(1).split('&')) {
    const eq = part.indexOf('=');
    const key = decodeLenient(eq < 0 ? part : part.slice(0, eq));
    if (key === name) return eq < 0 ? '' : part.slice(eq + 1);
  }
  return null;
}

export function decodeLenient(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}

/** Comma-separated query list (`A,B`), ShipBob's list style: only a literal `,` separates. */
export function list(url: URL, name: string): string[] | undefined {
  const raw = rawParam(url, name);
  if (raw === null || raw === '') return undefined;
  return raw
    .split(',')
    .map((s) => decodeLenient(s).trim())
    .filter((s) => s.length > 0);
}

export function intParam(
  url: URL,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new InvalidParameter(name, `${name} must be an integer between ${min} and ${max}.`);
  return value;
}
