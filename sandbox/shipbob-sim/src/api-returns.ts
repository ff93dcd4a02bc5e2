import {
  apiRoute,
  date,
  ownReturn,
  type ApiRoute,
  type Caller,
  type RouteDeps,
} from './api-support.js';
import { apiError, SimHttpError, validationProblem, type FieldErrors } from './errors.js';
import { intParam, list, type Ctx } from './http.js';
import type { ReturnOrder } from './model.js';
import { hasErrors, returnRequestErrors } from './validation.js';
import type { CreateReturnInput } from './world.js';

/** Returns (`Cursor`-numbered pages, ProblemDetails 400s). */
export function returnRoutes({ world, views }: RouteDeps): ApiRoute[] {
  const problems = { errors: 'problem' } as const;
  /** The return to edit; 2026-01 documents a bodiless 404. */
  const editable = (ctx: Ctx, caller: Caller): ReturnOrder => {
    try {
      return ownReturn(world, caller, ctx.params[0]);
    } catch (error) {
      if (error instanceof SimHttpError && error.status === 404) throw new SimHttpError(404);
      throw error;
    }
  };

  return [
    apiRoute(
      'POST',
      '/return',
      (ctx, caller) => {
        const errors = returnRequestErrors(ctx.body, { actionRequired: true });
        if (hasErrors(errors)) throw new SimHttpError(400, validationProblem(400, errors));
        const ret = world.createReturn(
          caller.merchant,
          caller.channelId!,
          ctx.body as CreateReturnInput,
        );
        return { status: 201, body: views.returnV1(ret) };
      },
      { write: true, ...problems },
    ),
    apiRoute('GET', '/return', (ctx, caller) => listReturns(ctx, caller), problems),
    apiRoute(
      'GET',
      '/return/{id}',
      (ctx, caller) => ({
        status: 200,
        body: views.returnDto(ownReturn(world, caller, ctx.params[0])),
      }),
      problems,
    ),
    // 2025-07 edits with the 1.0 models: channel header, optional action, ValidationProblemDetails.
    apiRoute(
      'PUT',
      '/return/{id}',
      (ctx, caller) => {
        const errors = returnRequestErrors(ctx.body, { actionRequired: false });
        if (hasErrors(errors)) throw new SimHttpError(400, validationProblem(400, errors));
        const ret = editable(ctx, caller);
        try {
          world.editReturn(caller.merchant, ret, ctx.body as CreateReturnInput);
        } catch (error) {
          throw asValidationProblem(error);
        }
        return { status: 200, body: views.returnOrderViewModel(ret) };
      },
      { write: true, versions: ['2025-07'], ...problems },
    ),
    // 2026-01 edits with the create model; it documents no 400, so invalid input is a 422 ApiError.
    apiRoute(
      'PUT',
      '/return/{id}',
      (ctx, caller) => {
        const errors = returnRequestErrors(ctx.body, { actionRequired: true });
        if (hasErrors(errors)) throw new SimHttpError(422, apiErrorOf(errors));
        const ret = editable(ctx, caller);
        world.editReturn(caller.merchant, ret, ctx.body as CreateReturnInput);
        return { status: 200, body: views.returnV1(ret) };
      },
      { versions: ['2026-01'], ...problems },
    ),
    apiRoute(
      'POST',
      '/return/{id}:cancel',
      (ctx, caller) => {
        world.cancelReturn(ownReturn(world, caller, ctx.params[0]));
        return { status: 200 };
      },
      problems,
    ),
  ];

  function listReturns(ctx: Ctx, caller: Caller) {
    const limit = intParam(ctx.url, 'Limit', 50, 1, 250);
    const page = intParam(ctx.url, 'Cursor', 1, 1, 1_000_000);
    const ids = list(ctx.url, 'Ids')?.map(Number);
    const refs = list(ctx.url, 'ReferenceIds');
    const statuses = list(ctx.url, 'Status')?.map((s) => s.replaceAll(' ', ''));
    const [from, to, doneFrom, doneTo] = [
      'StartDate',
      'EndDate',
      'CompletedStartDate',
      'CompletedEndDate',
    ].map((n) => date(ctx, n));
    const matching = world.returns.filter((r) => {
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
    const ascending = ctx.url.searchParams.get('SortOrder') === 'Asc';
    matching.sort((a, b) => (ascending ? a.id - b.id : b.id - a.id));
    const totalPages = Math.max(1, Math.ceil(matching.length / limit));
    const link = (p: number | null): string | null => {
      if (p === null) return null;
      const next = new URL(ctx.url.toString());
      next.searchParams.set('Cursor', String(p));
      return next.toString().replaceAll('%2C', ',');
    };
    return {
      status: 200,
      headers: {
        'page-number': String(page),
        'total-pages': String(totalPages),
        'total-count': String(matching.length),
        'page-size': String(limit),
      },
      body: {
        items: matching.slice((page - 1) * limit, page * limit).map((r) => views.returnDto(r)),
        first: link(1),
        last: link(totalPages),
        next: page < totalPages ? link(page + 1) : null,
        prev: page > 1 ? link(page - 1) : null,
      },
    };
  }
}

function apiErrorOf(errors: FieldErrors): Record<string, unknown> {
  return {
    ...apiError('One or more validation errors occurred.'),
    errors: Object.values(errors).flat(),
  };
}

/** The world's 422 `ApiError`, re-shaped as the ValidationProblemDetails 2025-07 documents. */
function asValidationProblem(error: unknown): unknown {
  if (!(error instanceof SimHttpError) || error.status !== 422) return error;
  const message = (error.body as { message?: string } | undefined)?.message ?? 'Invalid return';
  return new SimHttpError(422, validationProblem(422, { '': [message] }));
}
