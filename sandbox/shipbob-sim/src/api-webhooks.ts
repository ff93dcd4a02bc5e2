import { apiRoute, cursorPage, versionOf, type ApiRoute, type RouteDeps } from './api-support.js';
import { objectResult, SimHttpError } from './errors.js';
import { hasErrors, webhookRequestErrors } from './validation.js';

/** Dated webhook subscriptions (delivery: `webhooks.ts`). */
export function webhookRoutes({ world, views }: RouteDeps): ApiRoute[] {
  const objectResults = { errors: 'object-result' } as const;
  return [
    apiRoute(
      'GET',
      '/webhook',
      (ctx, caller) => {
        const mine = world.webhooks.filter((w) => w.merchantId === caller.merchant.id);
        return {
          status: 200,
          body: cursorPage(
            ctx,
            mine.map((w) => views.webhook(w)),
            'RecordsPerPage',
            50,
            false,
          ),
        };
      },
      objectResults,
    ),
    // ShipBob's documents say 200 here (a live 2026-01 test saw 201); the simulator follows them.
    apiRoute(
      'POST',
      '/webhook',
      (ctx, caller) => {
        const errors = webhookRequestErrors(ctx.body, versionOf(ctx));
        if (hasErrors(errors)) throw new SimHttpError(422, objectResult(422, { errors }));
        const input = ctx.body as Parameters<typeof world.createWebhook>[1];
        return {
          status: 200,
          body: views.createdWebhook(world.createWebhook(caller.merchant.id, input)),
        };
      },
      objectResults,
    ),
    apiRoute(
      'DELETE',
      '/webhook/{id}',
      (ctx, caller) => {
        world.deleteWebhook(caller.merchant.id, ctx.params[0] ?? '');
        return { status: 204 };
      },
      objectResults,
    ),
  ];
}
