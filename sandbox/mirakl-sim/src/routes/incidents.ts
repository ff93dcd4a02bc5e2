import { SimHttpError, simRouter } from '@msync/sim-kit';
import type { Router } from 'express';
import { param, shopOf, type MiraklRouteDeps } from './context.js';

/** OR64: the shop marks an incident resolved, with the reason the document requires. */
export function incidentRoutes({ world, gate }: MiraklRouteDeps): Router {
  const router = simRouter();
  router.put('/api/orders/:orderId/lines/:lineId/resolve_incident', gate('OR64'), (req, res) => {
    const reasonCode = (req.body as { reason_code?: unknown } | undefined)?.reason_code;
    if (typeof reasonCode !== 'string' || reasonCode === '') {
      throw new SimHttpError(
        400,
        'reason_code is required: send {"reason_code": "<an INCIDENT_CLOSE reason code from RE01>"}',
      );
    }
    world.closeIncident(shopOf(res), param(req, 'orderId'), param(req, 'lineId'), reasonCode);
    res.status(204).end();
  });
  return router;
}
