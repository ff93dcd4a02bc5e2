import express, { type Request, type RequestHandler } from 'express';
import type { AccessService } from '../access.js';
import type { Principal } from '../domain/access.js';
import { Problem } from '../domain/problem.js';
import type { RuleViolation } from '../domain/store.js';
import type { ConfigApiMetrics } from '../metrics.js';
import type { Operation, RequestContext } from './operations.js';
import { requireAdmin } from './operations.js';
import { BODY_LIMIT_BYTES, clientAborted, unsupportedMediaType } from './problems.js';
import { ruleOfPattern } from './schemas.js';

/** What the middleware chain of one operation leaves for its handler. */
interface Locals {
  operation?: string;
  principal?: Principal;
}

const locals = (res: { locals: Record<string, unknown> }) => res.locals as Locals;

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set(SECURITY_HEADERS);
  next();
};

/** Counts every answer by operation (`static` for the UI's files) and status. */
export function countRequests(metrics: ConfigApiMetrics | undefined): RequestHandler {
  return (_req, res, next) => {
    res.on('finish', () => {
      metrics?.requests.inc({
        operation: locals(res).operation ?? 'static',
        status: String(res.statusCode),
      });
    });
    next();
  };
}

export function nameOperation(id: string): RequestHandler {
  return (_req, res, next) => {
    locals(res).operation = id;
    next();
  };
}

/** Bearer token → principal; 401 without a valid one, 403 for tenant tokens on admin operations. */
export function authenticate(access: AccessService, op: Operation): RequestHandler {
  return async (req, res, next) => {
    const principal = await access.authenticate(req.get('authorization'));
    if (!principal) {
      res.set('www-authenticate', 'Bearer');
      throw new Problem(401, 'unauthorized', 'A valid bearer token is required');
    }
    if (op.access === 'admin') requireAdmin(principal);
    locals(res).principal = principal;
    next();
  };
}

const isJsonType = (type: string): boolean =>
  type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);

const mediaType = (req: Request): string =>
  (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();

/** True when the request announces a body (a length above 0, or chunked). */
const announcesBody = (req: Request): boolean =>
  req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;

/** 415 for a body that is not JSON, before anything of it is read. */
export const requireJsonMediaType: RequestHandler = (req, _res, next) => {
  if (announcesBody(req) && !isJsonType(mediaType(req))) throw unsupportedMediaType();
  next();
};

const textReader = express.text({
  type: (req) => isJsonType(mediaType(req as Request)),
  limit: BODY_LIMIT_BYTES,
  inflate: false,
  defaultCharset: 'utf-8',
});

/**
 * Reads the body as text, at most 16 KiB (413), uncompressed and UTF-8 only (415). A client that
 * hung up before its body was complete is a client abort, also when it left while the token was
 * being checked (express's reader would then see a finished request and read nothing).
 */
export const readBodyText: RequestHandler = (req, res, next) => {
  if (req.readableAborted || (req.socket.destroyed && !req.complete)) throw clientAborted();
  textReader(req, res, next);
};

/** Parses the text as JSON (400 when malformed); an empty body is no body. */
export const parseJson: RequestHandler = (req, _res, next) => {
  const text: unknown = req.body;
  if (typeof text !== 'string' || text.trim() === '') {
    req.body = undefined;
    return next();
  }
  try {
    req.body = JSON.parse(text) as unknown;
  } catch {
    throw new Problem(400, 'malformed-json', 'The body is not valid JSON');
  }
  next();
};

/** Validates the body against the operation's zod schema (422 naming every field and rule). */
export function validateBody(op: Operation): RequestHandler {
  return (req, _res, next) => {
    const raw: unknown = req.body;
    if (!op.body) {
      if (raw !== undefined) {
        throw Problem.validation([
          { field: '(body)', rule: 'no-body', message: 'This operation takes no body' },
        ]);
      }
      return next();
    }
    if (raw === undefined && op.bodyOptional) return next();
    const parsed = op.body.safeParse(raw);
    if (!parsed.success) throw Problem.validation(zodViolations(parsed.error.issues));
    req.body = parsed.data;
    next();
  };
}

/** Runs the operation's handler on what the chain established and writes its reply. */
export function handle(op: Operation): RequestHandler {
  return async (req, res) => {
    const principal = locals(res).principal;
    if (!principal) throw new Error(`operation ${op.id} ran without authentication`);
    const ctx: RequestContext = {
      principal,
      params: req.params as Record<string, string>,
      query: parseQuery(op, req.originalUrl),
      body: req.body as unknown,
      expectedVersion: expectedVersion(op, req.get('if-match')),
    };
    const reply = await op.handle(ctx);
    if (reply.etag) res.set('etag', reply.etag);
    res.set('cache-control', 'no-store');
    if (reply.body === undefined) res.status(reply.status).end();
    else res.status(reply.status).json(reply.body);
  };
}

/** The version named by `If-Match` (422 when it is not one of our ETags, 428 when required). */
export function expectedVersion(op: Operation, ifMatch: string | undefined): number | undefined {
  if (op.ifMatch === 'none') return undefined;
  if (ifMatch === undefined) {
    if (op.ifMatch === 'optional') return undefined;
    throw new Problem(
      428,
      'if-match-required',
      'If-Match is required',
      'Send the ETag you read, e.g. If-Match: "3"',
    );
  }
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
  return Number(match[1]);
}

/**
 * The query, parsed by the operation's schema (422 naming each bad parameter). Documented
 * parameters are given at most once; others are left to the schema (a strict one refuses them).
 */
export function parseQuery(op: Operation, url: string): Record<string, unknown> {
  if (!op.query) return {};
  const params = new URL(url, 'http://localhost').searchParams;
  const documented = new Set(Object.keys(op.query.shape));
  const raw: Record<string, string> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    if (documented.has(name) && values.length > 1) {
      throw Problem.validation([
        { field: name, rule: 'single-value', message: `${name} is given once` },
      ]);
    }
    raw[name] = values[0]!;
  }
  const parsed = op.query.safeParse(raw);
  if (!parsed.success) throw Problem.validation(zodViolations(parsed.error.issues));
  return parsed.data;
}

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  format?: string;
  pattern?: string;
  /** The key's own issues, when a record's key broke a rule (`invalid_key`). */
  issues?: readonly ZodIssueLike[];
}

/**
 * zod issues as our rule violations: one per unknown key, patterns named by their rule, and a
 * record key that broke a rule named by that rule (the field is the record's path plus the key).
 */
export function zodViolations(issues: readonly ZodIssueLike[]): RuleViolation[] {
  return issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      return issue.keys.map((key) => ({
        field: base ? `${base}.${key}` : key,
        rule: 'unknown-field',
        message: `Unknown field ${key}`,
      }));
    }
    if (issue.code === 'invalid_key' && issue.issues) {
      return zodViolations(issue.issues.map((inner) => ({ ...inner, path: issue.path })));
    }
    const named = issue.format === 'regex' ? ruleOfPattern(issue.pattern) : undefined;
    return [{ field: base || '(body)', rule: named ?? issue.code, message: issue.message }];
  });
}
