import { simRouter } from '@msync/sim-kit';
import type { Router } from 'express';
import { renderAccount } from '../render.js';
import { shopOf, type MiraklRouteDeps } from './context.js';

/** A01: the shop the key (and `shop_id`) points at. */
export function accountRoutes({ world, gate }: MiraklRouteDeps): Router {
  const router = simRouter();
  router.get('/api/account', gate('A01'), (_req, res) => {
    res.json(renderAccount(shopOf(res), world.now()));
  });
  return router;
}
