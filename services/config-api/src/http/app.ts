import express, { type Express } from 'express';
import { fileURLToPath } from 'node:url';
import { requestLogContext, storeIdLogContext, type Logger } from '@msync/platform';
import { Problem } from '../domain/problem.js';
import type { AccessService } from '../access.js';
import type { ActivityService } from '../activity.js';
import type { ReportsService } from '../reports.js';
import type { CatalogService } from '../catalog.js';
import type { ReconcileService } from '../reconcile.js';
import type { StoreService } from '../stores.js';
import type { ConfigApiMetrics } from '../metrics.js';
import { openApiDocument } from './openapi.js';
import { operations, type Operation } from './operations.js';
import {
  authenticate,
  countRequests,
  handle,
  nameOperation,
  parseJson,
  readBodyText,
  requireJsonMediaType,
  securityHeaders,
  validateBody,
} from './middleware.js';
import { problemHandler } from './problems.js';

export { BODY_LIMIT_BYTES } from './problems.js';

/** The UI's static files; `../../ui` from both `src/http` and `dist/http`. */
export const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

/** `/v1/stores/{storeId}` (OpenAPI) → `/v1/stores/:storeId` (express). */
export const expressPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

/**
 * Builds the HTTP API and the UI on the given services (shared by main.ts and the tests). Every
 * route comes from the operation table the OpenAPI document is generated from, so the two
 * cannot drift apart (ADR 0029).
 */
export function createHttpApp(deps: {
  stores: StoreService;
  access: AccessService;
  activity: ActivityService;
  reports: ReportsService;
  catalog: CatalogService;
  reconcile: ReconcileService;
  logger: Logger;
  metrics?: ConfigApiMetrics;
}): Express {
  const log = deps.logger.child({ component: 'http' });
  const ops = operations({
    stores: deps.stores,
    access: deps.access,
    activity: deps.activity,
    reports: deps.reports,
    catalog: deps.catalog,
    reconcile: deps.reconcile,
  });
  const document = openApiDocument(ops);

  const app = express();
  app.disable('x-powered-by');
  // Our ETag is the store's version; express must not add its own to other answers.
  app.set('etag', false);
  // Every line logged while answering carries the request id (as correlation id) and the store.
  app.use(requestLogContext, securityHeaders, countRequests(deps.metrics));

  const api = express.Router({ caseSensitive: true, strict: true });
  api.param('storeId', storeIdLogContext);
  api.get('/v1/openapi.json', nameOperation('openApi'), (_req, res) => {
    res.json(document);
  });
  for (const op of ops) {
    api[op.method](
      expressPath(op.path),
      nameOperation(op.id),
      authenticate(deps.access, op),
      requireJsonMediaType,
      readBodyText,
      parseJson,
      validateBody(op),
      handle(op),
    );
  }
  api.all(['/v1', '/v1/*rest'], nameOperation('unknown'), (req, res) => {
    const allowed = allowedMethods(ops, req.path);
    if (allowed.length === 0) throw new Problem(404, 'not-found', 'No such endpoint');
    res.set('allow', allowed.join(', '));
    throw new Problem(405, 'method-not-allowed', 'Method not allowed');
  });
  app.use(api);

  app.use(
    express.static(UI_DIR, {
      index: 'index.html',
      setHeaders: (res) => res.setHeader('cache-control', 'no-cache'),
    }),
  );
  app.use(() => {
    throw new Problem(404, 'not-found', 'Not found');
  });
  app.use(problemHandler(log));
  return app;
}

/** Methods the table offers on a path that matched no operation for the request's method. */
function allowedMethods(ops: readonly Operation[], path: string): string[] {
  return ops.filter((op) => pathPattern(op.path).test(path)).map((op) => op.method.toUpperCase());
}

const pathPattern = (path: string): RegExp => new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`);
