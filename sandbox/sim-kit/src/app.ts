import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import { journalAnswers } from './answer.js';
import { readBody } from './body.js';
import { SIM_CONTROL_PREFIX } from './control.js';
import { SimHttpError, toSimHttpError } from './errors.js';
import type { RequestJournal } from './journal.js';
import type { SimVendor } from './vendor.js';

export interface SimAppOptions<Op extends string> {
  vendor: SimVendor;
  journal: RequestJournal<Op>;
  /** The vendor API's routers (gated per operation, see `operationGate`). */
  api: Router[];
  /** Control routers, mounted under {@link SIM_CONTROL_PREFIX} (common ones first). */
  control: Router[];
  /** Further prefixes that also answer the control API (kept for older callers). */
  controlAliases?: string[];
  /** Largest request body accepted (413 above it). Default 20 MB. */
  bodyLimit?: string | number;
}

/**
 * The express app of a simulator: the control API (not journaled) under one prefix, then the
 * vendor API with body reading, a journal of every exchange, a vendor-shaped 404 and every
 * thrown error answered in the vendor's error shape.
 */
export function createSimApp<Op extends string>(options: SimAppOptions<Op>): Express {
  const bodyLimit = options.bodyLimit ?? '20mb';
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(
    [SIM_CONTROL_PREFIX, ...(options.controlAliases ?? [])],
    ...readBody(bodyLimit),
    ...options.control,
    (req) => {
      throw new SimHttpError(404, `No control route ${req.method} ${req.path}`);
    },
  );

  app.use(journalAnswers(options.journal, options.vendor), ...readBody(bodyLimit), ...options.api);
  app.use(() => {
    throw new SimHttpError(404, 'Not Found');
  });

  const answerError: ErrorRequestHandler = (error, _req, res, _next) => {
    const failure = toSimHttpError(error, bodyLimit);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(failure.status).set(failure.headers);
    const body = failure.body ?? options.vendor.errorBody(failure);
    if (body === undefined) res.end();
    else res.json(body);
  };
  app.use(answerError);
  return app;
}
