import { simRouter } from '@msync/sim-kit';
import type { Router } from 'express';
import { objectResult, vendorError } from '../errors.js';
import { hasErrors, webhookRequestErrors } from '../validation.js';
import type { NewWebhookSubscription } from '../webhook-subscriptions.js';
import { param, serve, urlOf, versionOf, type RouteDeps } from './context.js';
import { cursorPage } from './query.js';

/** Dated webhook subscriptions (delivery: `webhook-delivery.ts`). */
export function webhookRoutes({ world, views, gate }: RouteDeps): Router {
  const router = simRouter();
  const objectResults = { errors: 'object-result' } as const;

  serve(router, gate, 'GET /webhook', objectResults, (req, res, caller) => {
    const mine = world.webhooks.all.filter((w) => w.merchantId === caller.merchant.id);
    res.json(
      cursorPage(
        urlOf(req),
        mine.map((w) => views.webhook(w)),
        'RecordsPerPage',
        50,
        false,
      ),
    );
  });
  // ShipBob's documents say 200 here (a live 2026-01 test saw 201); the simulator follows them.
  serve(router, gate, 'POST /webhook', objectResults, (req, res, caller) => {
    const errors = webhookRequestErrors(req.body, versionOf(req));
    if (hasErrors(errors)) throw vendorError(422, objectResult(422, { errors }));
    const input = req.body as NewWebhookSubscription;
    res.json(views.createdWebhook(world.webhooks.create(caller.merchant.id, input)));
  });
  serve(router, gate, 'DELETE /webhook/{id}', objectResults, (req, res, caller) => {
    world.webhooks.delete(caller.merchant.id, param(req, 'id') ?? '');
    res.status(204).end();
  });
  return router;
}
