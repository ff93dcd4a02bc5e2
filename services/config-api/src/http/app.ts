import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AppError, errorMessage, type Logger } from '@msync/platform';
import { Problem } from '../domain/problem.js';
import type { RuleViolation } from '../domain/store.js';
import type { AccessService } from '../access.js';
import type { StoreService } from '../stores.js';
import { openApiDocument } from './openapi.js';
import { operations, requireAdmin, type Operation, type RequestContext } from './operations.js';

/** The UI's static files; `../../ui` from both `src/http` and `dist/http`. */
export const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

export const BODY_LIMIT_BYTES = 16 * 1024;

/** Builds the HTTP API and the UI on the given services (shared by main.ts and the tests). */
export function createHttpApp(deps: {
  stores: StoreService;
  access: AccessService;
  logger: Logger;
}): express.Express {
  const log = deps.logger.child({ component: 'http' });
  const ops = operations({ stores: deps.stores, access: deps.access });
  const document = openApiDocument(ops);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    );
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });

  app.get('/v1/openapi.json', (_req, res) => {
    res.json(document);
  });

  app.use('/v1', (req, _res, next) => {
    const hasBody =
      Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'];
    if (hasBody && !req.is('application/json')) {
      next(new Problem(415, 'unsupported-media-type', 'The body must be application/json'));
      return;
    }
    next();
  });
  app.use('/v1', express.json({ limit: BODY_LIMIT_BYTES, strict: true }));

  for (const op of ops) {
    const path = op.path.replace(/\{(\w+)\}/g, ':$1');
    app[op.method](path, (req, res, next) => {
      handle(op, deps.access, req, res).catch(next);
    });
  }

  app.use('/v1', (_req, _res, next) => {
    next(new Problem(404, 'not-found', 'No such endpoint'));
  });

  app.use(express.static(UI_DIR, { index: 'index.html', fallthrough: true }));

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = toProblem(error);
    if (problem.status >= 500) {
      log.error('request failed', {
        method: req.method,
        path: req.path,
        error: errorMessage(error),
      });
    }
    sendProblem(res, problem);
  });
  return app;
}

async function handle(
  op: Operation,
  access: AccessService,
  req: Request,
  res: Response,
): Promise<void> {
  const principal = await access.authenticate(req.headers.authorization);
  if (!principal) {
    res.setHeader('WWW-Authenticate', 'Bearer');
    throw new Problem(401, 'unauthorized', 'A valid bearer token is required');
  }
  if (op.access === 'admin') requireAdmin(principal);

  let body: unknown = undefined;
  if (op.body) {
    const raw: unknown = req.body;
    if (raw === undefined && op.bodyOptional) body = undefined;
    else {
      const parsed = op.body.safeParse(raw);
      if (!parsed.success) throw Problem.validation(zodViolations(parsed.error.issues));
      body = parsed.data;
    }
  } else if (req.body !== undefined && Number(req.headers['content-length'] ?? 0) > 0) {
    throw Problem.validation([
      { field: '(body)', rule: 'no-body', message: 'This operation takes no body' },
    ]);
  }

  let expectedVersion: number | undefined;
  const ifMatch = req.headers['if-match'];
  if (op.ifMatch !== 'none' && ifMatch !== undefined) {
    const match = /^(?:W\/)?"(\d{1,15})"$/.exec(ifMatch.trim());
    if (!match)
      throw Problem.validation([
        {
          field: 'If-Match',
          rule: 'etag',
          message: 'If-Match must be an ETag of this API, e.g. "3"',
        },
      ]);
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
    const value = (req.query as Record<string, unknown>)[name];
    if (value !== undefined && typeof value !== 'string') {
      throw Problem.validation([
        { field: name, rule: 'single-string', message: `${name} is one string` },
      ]);
    }
    query[name] = value;
  }

  const ctx: RequestContext = {
    principal,
    params: req.params as Record<string, string>,
    query,
    body,
    expectedVersion,
  };
  const reply = await op.handle(ctx);
  if (reply.etag) res.setHeader('ETag', reply.etag);
  res.setHeader('Cache-Control', 'no-store');
  if (reply.body === undefined) res.status(reply.status).end();
  else res.status(reply.status).json(reply.body);
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
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') {
    return new Problem(413, 'body-too-large', `The body is larger than ${BODY_LIMIT_BYTES} bytes`);
  }
  if (type === 'entity.parse.failed')
    return new Problem(400, 'malformed-json', 'The body is not valid JSON');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new Problem(415, 'unsupported-media-type', 'Unsupported body encoding');
  }
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new Problem(400, 'bad-request', 'The request could not be read');
  }
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

function sendProblem(res: Response, problem: Problem): void {
  const body: Record<string, unknown> = {
    type: `https://msync.dev/problems/${problem.type}`,
    title: problem.title,
    status: problem.status,
    ...(problem.detail ? { detail: problem.detail } : {}),
    ...(problem.errors.length > 0 ? { errors: problem.errors } : {}),
    ...problem.extra,
  };
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(body));
}
