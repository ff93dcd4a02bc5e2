import { SimHttpError, simRouter } from '@msync/sim-kit';
import type { Request, Response, Router } from 'express';
import { apiError, problem, validationProblem, vendorError, type FieldErrors } from '../errors.js';
import type { ReturnOrder } from '../model.js';
import type { CreateReturnInput } from '../returns.js';
import { hasErrors, returnRequestErrors } from '../validation.js';
import type { SimWorld } from '../world.js';
import { param, serve, urlOf, type Caller, type RouteDeps } from './context.js';
import { date, intParam, list, numericId } from './query.js';

/** Returns (`Cursor`-numbered pages, ProblemDetails 400s). */
export function returnRoutes({ world, views, gate }: RouteDeps): Router {
  const router = simRouter();
  const problems = { errors: 'problem' } as const;
  const own = (req: Request, caller: Caller): ReturnOrder => ownReturn(world, caller, req);
  /** The return to edit; 2026-01 documents a bodiless 404. */
  const editable = (req: Request, caller: Caller): ReturnOrder => {
    try {
      return own(req, caller);
    } catch (error) {
      if (error instanceof SimHttpError && error.status === 404) throw vendorError(404);
      throw error;
    }
  };

  serve(router, gate, 'POST /return', { write: true, ...problems }, (req, res, caller) => {
    const errors = returnRequestErrors(req.body, { actionRequired: true });
    if (hasErrors(errors)) throw vendorError(400, validationProblem(400, errors));
    const ret = world.returns.create(
      caller.merchant,
      caller.channelId!,
      req.body as CreateReturnInput,
    );
    res.status(201).json(views.returnV1(ret));
  });
  serve(router, gate, 'GET /return', problems, (req, res, caller) => {
    listReturns(req, res, caller);
  });
  serve(router, gate, 'GET /return/{id}', problems, (req, res, caller) => {
    res.json(views.returnDto(own(req, caller)));
  });
  // 2025-07 edits with the 1.0 models: channel header, optional action, ValidationProblemDetails.
  serve(
    router,
    gate,
    'PUT /return/{id}',
    { write: true, versions: ['2025-07'], ...problems },
    (req, res, caller) => {
      const errors = returnRequestErrors(req.body, { actionRequired: false });
      if (hasErrors(errors)) throw vendorError(400, validationProblem(400, errors));
      const ret = editable(req, caller);
      try {
        world.returns.edit(caller.merchant, ret, req.body as CreateReturnInput);
      } catch (error) {
        throw asValidationProblem(error);
      }
      res.json(views.returnOrderViewModel(ret));
    },
  );
  // 2026-01 edits with the create model; it documents no 400, so invalid input is a 422 ApiError.
  serve(
    router,
    gate,
    'PUT /return/{id}',
    { versions: ['2026-01'], ...problems },
    (req, res, caller) => {
      const errors = returnRequestErrors(req.body, { actionRequired: true });
      if (hasErrors(errors)) throw vendorError(422, apiErrorOf(errors));
      const ret = editable(req, caller);
      world.returns.edit(caller.merchant, ret, req.body as CreateReturnInput);
      res.json(views.returnV1(ret));
    },
  );
  serve(router, gate, 'POST /return/{id}:cancel', problems, (req, res, caller) => {
    world.returns.cancel(own(req, caller));
    res.status(200).end();
  });
  return router;

  function listReturns(req: Request, res: Response, caller: Caller): void {
    const url = urlOf(req);
    const limit = intParam(url, 'Limit', 50, 1, 250);
    const page = intParam(url, 'Cursor', 1, 1, 1_000_000);
    const ids = list(url, 'Ids')?.map(Number);
    const refs = list(url, 'ReferenceIds');
    const statuses = list(url, 'Status')?.map((s) => s.replaceAll(' ', ''));
    const [from, to, doneFrom, doneTo] = [
      'StartDate',
      'EndDate',
      'CompletedStartDate',
      'CompletedEndDate',
    ].map((n) => date(url, n));
    const matching = world.returns.all.filter((r) => {
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
    const ascending = url.searchParams.get('SortOrder') === 'Asc';
    matching.sort((a, b) => (ascending ? a.id - b.id : b.id - a.id));
    const totalPages = Math.max(1, Math.ceil(matching.length / limit));
    const link = (p: number | null): string | null => {
      if (p === null) return null;
      const next = new URL(url.toString());
      next.searchParams.set('Cursor', String(p));
      return next.toString().replaceAll('%2C', ',');
    };
    res.set({
      'page-number': String(page),
      'total-pages': String(totalPages),
      'total-count': String(matching.length),
      'page-size': String(limit),
    });
    res.json({
      items: matching.slice((page - 1) * limit, page * limit).map((r) => views.returnDto(r)),
      first: link(1),
      last: link(totalPages),
      next: page < totalPages ? link(page + 1) : null,
      prev: page > 1 ? link(page - 1) : null,
    });
  }
}

/** The caller's return (404 ProblemDetails otherwise). */
function ownReturn(world: SimWorld, caller: Caller, req: Request): ReturnOrder {
  const ret = world.returns.get(numericId(param(req, 'id')));
  if (ret.merchantId !== caller.merchant.id)
    throw vendorError(404, problem(404, 'Return not found'));
  return ret;
}

function apiErrorOf(errors: FieldErrors): Record<string, unknown> {
  return {
    ...apiError('One or more validation errors occurred.'),
    errors: Object.values(errors).flat(),
  };
}

/** The returns' 422 `ApiError`, re-shaped as the ValidationProblemDetails 2025-07 documents. */
function asValidationProblem(error: unknown): unknown {
  if (!(error instanceof SimHttpError) || error.status !== 422) return error;
  const message = (error.body as { message?: string } | undefined)?.message ?? 'Invalid return';
  return vendorError(422, validationProblem(422, { '': [message] }));
}
