import { readFile } from 'node:fs/promises';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, errorMessage, type Logger } from '@msync/platform';
import { Problem } from '../domain/problem.js';
import type { RuleViolation } from '../domain/store.js';
import type { AccessService } from '../access.js';
import type { StoreService } from '../stores.js';
import { openApiDocument } from './openapi.js';
import type { ConfigApiMetrics } from '../metrics.js';
import { operations, requireAdmin, type Operation, type RequestContext } from './operations.js';

/** The UI's static files; `../../ui` from both `src/http` and `dist/http`. */
export const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

export const BODY_LIMIT_BYTES = 16 * 1024;

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Route {
  op: Operation;
  pattern: RegExp;
  names: string[];
}

/**
 * Builds the HTTP API and the UI on the given services (shared by main.ts and the tests): a
 * request listener for `node:http`. Routing comes from the same operation table as the OpenAPI
 * document, so the two cannot drift apart.
 */
export function createHttpApp(deps: {
  stores: StoreService;
  access: AccessService;
  logger: Logger;
  metrics?: ConfigApiMetrics;
}): RequestListener {
  const log = deps.logger.child({ component: 'http' });
  const ops = operations({ stores: deps.stores, access: deps.access });
  const document = JSON.stringify(openApiDocument(ops));
  const routes: Route[] = ops.map((op) => {
    const names: string[] = [];
    const source = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { op, pattern: new RegExp(`^${source}$`), names };
  });

  return (req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toLowerCase();
    let operation = 'static';
    res.on('finish', () => {
      deps.metrics?.requests.inc({ operation, status: String(res.statusCode) });
    });
    const respond = async (): Promise<void> => {
      if (url.pathname === '/v1/openapi.json' && method === 'get') {
        operation = 'openApi';
        send(res, 200, 'application/json', document);
        return;
      }
      if (url.pathname === '/v1' || url.pathname.startsWith('/v1/')) {
        const matching = routes.filter((r) => r.pattern.test(url.pathname));
        const route = matching.find((r) => r.op.method === method);
        if (!route) {
          operation = 'unknown';
          if (matching.length > 0) {
            res.setHeader('allow', matching.map((r) => r.op.method.toUpperCase()).join(', '));
            throw new Problem(405, 'method-not-allowed', 'Method not allowed');
          }
          throw new Problem(404, 'not-found', 'No such endpoint');
        }
        operation = route.op.id;
        const values = route.pattern.exec(url.pathname)!.slice(1);
        const params = Object.fromEntries(
          route.names.map((n, i) => [n, safeDecode(values[i] ?? '')]),
        );
        await handle(route.op, deps.access, req, res, params, url);
        return;
      }
      if (method !== 'get' && method !== 'head') throw new Problem(404, 'not-found', 'Not found');
      await serveStatic(url.pathname, res);
    };
    respond().catch((error: unknown) => {
      const problem = toProblem(error);
      if (problem.status >= 500) {
        log.error('request failed', {
          method: req.method,
          path: url.pathname,
          error: errorMessage(error),
        });
      }
      if (!res.headersSent) sendProblem(res, problem);
      else res.end();
      // An unread body (413, 415) must not keep the connection waiting.
      req.resume();
    });
  };
}

async function handle(
  op: Operation,
  access: AccessService,
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
  url: URL,
): Promise<void> {
  const principal = await access.authenticate(req.headers.authorization);
  if (!principal) {
    res.setHeader('www-authenticate', 'Bearer');
    throw new Problem(401, 'unauthorized', 'A valid bearer token is required');
  }
  if (op.access === 'admin') requireAdmin(principal);

  const raw = await readJsonBody(req);
  let body: unknown = undefined;
  if (op.body) {
    if (raw === undefined && op.bodyOptional) body = undefined;
    else {
      const parsed = op.body.safeParse(raw);
      if (!parsed.success) throw Problem.validation(zodViolations(parsed.error.issues));
      body = parsed.data;
    }
  } else if (raw !== undefined) {
    throw Problem.validation([
      { field: '(body)', rule: 'no-body', message: 'This operation takes no body' },
    ]);
  }

  let expectedVersion: number | undefined;
  const ifMatch = req.headers['if-match'];
  if (op.ifMatch !== 'none' && ifMatch !== undefined) {
    const match = /^(?:W\/)?"(\d{1,15})"$/.exec(ifMatch.trim());
    if (!match) {
      throw Problem.validation([
        {
          field: 'If-Match',
          rule: 'etag',
          message: 'If-Match must be an ETag of this API, e.g. "3"',
        },
      ]);
    }
    expectedVersion = Number(match[1]);
  }
  if (op.ifMatch === 'required' && expectedVersion === undefined) {
    throw new Problem(
      428,
      'if-match-required',
      'If-Match is required',
      'Send the ETag you read, e.g. If-Match: "3"',
    );
  }

  const query: Record<string, string | undefined> = {};
  for (const name of Object.keys(op.query ?? {})) {
    const values = url.searchParams.getAll(name);
    if (values.length > 1) {
      throw Problem.validation([
        { field: name, rule: 'single-value', message: `${name} is given once` },
      ]);
    }
    query[name] = values[0];
  }

  const ctx: RequestContext = { principal, params, query, body, expectedVersion };
  const reply = await op.handle(ctx);
  if (reply.etag) res.setHeader('etag', reply.etag);
  res.setHeader('cache-control', 'no-store');
  if (reply.body === undefined) {
    res.statusCode = reply.status;
    res.end();
  } else send(res, reply.status, 'application/json', JSON.stringify(reply.body));
}

/** Reads a JSON body (at most {@link BODY_LIMIT_BYTES}); undefined when there is none. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (!chunked && !(declared > 0)) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new Problem(415, 'unsupported-media-type', 'The body must be application/json');
  }
  if (declared > BODY_LIMIT_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Problem(400, 'malformed-json', 'The body is not valid JSON');
  }
}

const tooLarge = () =>
  new Problem(413, 'body-too-large', `The body is larger than ${BODY_LIMIT_BYTES} bytes`);

async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
  const relative = pathname === '/' ? 'index.html' : safeDecode(pathname).replace(/^\/+/, '');
  const file = normalize(join(UI_DIR, relative));
  const type = MIME[extname(file)];
  if (!file.startsWith(UI_DIR.endsWith(sep) ? UI_DIR : UI_DIR + sep) || !type) {
    throw new Problem(404, 'not-found', 'Not found');
  }
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch {
    throw new Problem(404, 'not-found', 'Not found');
  }
  res.setHeader('cache-control', 'no-cache');
  send(res, 200, type, content);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function zodViolations(
  issues: readonly { code: string; path: PropertyKey[]; message: string; keys?: string[] }[],
): RuleViolation[] {
  return issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      return issue.keys.map((key) => ({
        field: base ? `${base}.${key}` : key,
        rule: 'unknown-field',
        message: `Unknown field ${key}`,
      }));
    }
    return [{ field: base || '(body)', rule: issue.code, message: issue.message }];
  });
}

function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (!(error instanceof AppError)) return new Problem(500, 'internal', 'Unexpected failure');
  switch (error.kind) {
    case 'retriable':
    case 'rate-limited':
      return new Problem(
        503,
        'vendor-unavailable',
        'A vendor API could not be reached; try again',
        errorMessage(error),
      );
    case 'permanent':
      return new Problem(
        502,
        'vendor-error',
        'A vendor API answered unexpectedly',
        errorMessage(error),
      );
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

function sendProblem(res: ServerResponse, problem: Problem): void {
  const body: Record<string, unknown> = {
    type: `https://msync.dev/problems/${problem.type}`,
    title: problem.title,
    status: problem.status,
    ...(problem.detail ? { detail: problem.detail } : {}),
    ...(problem.errors.length > 0 ? { errors: problem.errors } : {}),
    ...problem.extra,
  };
  send(res, problem.status, 'application/problem+json', JSON.stringify(body));
}
