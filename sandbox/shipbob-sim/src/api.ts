import { catalogRoutes } from './api-catalog.js';
import { orderRoutes } from './api-orders.js';
import { returnRoutes } from './api-returns.js';
import type { ApiRoute, RouteDeps } from './api-support.js';
import { webhookRoutes } from './api-webhooks.js';
import type { Views } from './views.js';
import type { SimWorld } from './world.js';

export { API_VERSIONS, type ApiRoute, type Caller } from './api-support.js';

/**
 * The ShipBob vendor API routes the simulator serves, for both dated versions (a route names the
 * versions that document it). Literal paths come before `{param}` ones that would also match.
 */
export function apiRoutes(world: SimWorld, views: Views, now: () => number): ApiRoute[] {
  const deps: RouteDeps = { world, views, now };
  return [
    ...catalogRoutes(deps),
    ...orderRoutes(deps),
    ...returnRoutes(deps),
    ...webhookRoutes(deps),
  ];
}
