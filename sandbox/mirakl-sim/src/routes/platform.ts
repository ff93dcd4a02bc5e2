import { simRouter } from '@msync/sim-kit';
import type { Router } from 'express';
import type { MiraklRouteDeps } from './context.js';

/** V01 (platform version) and SH21 (carriers, sorted by label). */
export function platformRoutes({ gate, carriers }: MiraklRouteDeps): Router {
  const router = simRouter();
  router.get('/api/version', gate('V01'), (_req, res) => {
    res.json({ version: '3.0.0-simulator' });
  });
  router.get('/api/shipping/carriers', gate('SH21'), (_req, res) => {
    res.json({ carriers: [...carriers].sort((a, b) => a.label.localeCompare(b.label)) });
  });
  return router;
}
