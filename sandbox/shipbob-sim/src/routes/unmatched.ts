import { exchangeOf, simRouter } from '@msync/sim-kit';
import type { Request, RequestHandler, Router } from 'express';
import type { Merchant } from '../model.js';

/**
 * What ShipBob answers to a path or method it does not serve: the gateway still checks the PAT
 * and counts the call (401 or 429 as for any other), then 404 without a body.
 *
 * `first` goes before the resource routers and takes HEAD and OPTIONS, which express would
 * otherwise answer from the GET routes (HEAD) or with an `Allow` list (OPTIONS); `last` goes
 * after them and takes everything they did not.
 */
export function unmatchedRoutes(admit: (req: Request) => Merchant): {
  first: Router;
  last: Router;
} {
  const notServed: RequestHandler = (req, res) => {
    const merchant = admit(req);
    const exchange = exchangeOf(res);
    if (exchange) exchange.caller = String(merchant.id);
    res.status(404).end();
  };
  const first = simRouter();
  first.use((req, res, next) => {
    if (req.method === 'HEAD' || req.method === 'OPTIONS') notServed(req, res, next);
    else next();
  });
  const last = simRouter();
  last.use(notServed);
  return { first, last };
}
