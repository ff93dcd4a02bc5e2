import { SimHttpError, simRouter } from '@msync/sim-kit';
import type { Router } from 'express';
import { param, queryOf, shopOf, type MiraklRouteDeps } from './context.js';

/**
 * OF52 (start an asynchronous offer export, JSON only), OF53 (its status and file URLs) and
 * OF54 (one file). `last_request_date` gives a differential including deleted and inactive offers.
 */
export function exportRoutes({ world, gate, baseUrl }: MiraklRouteDeps): Router {
  const router = simRouter();

  router.post('/api/offers/export/async', gate('OF52'), (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const exportType = body['export_type'] ?? 'text/csv';
    if (exportType !== 'application/json') {
      throw new SimHttpError(400, 'This simulator only produces export_type application/json');
    }
    const raw = body['last_request_date'];
    const lastRequestDate = typeof raw === 'string' ? new Date(raw) : undefined;
    if (lastRequestDate && Number.isNaN(lastRequestDate.getTime()))
      throw new SimHttpError(400, 'Invalid last_request_date');
    const perChunk = typeof body['items_per_chunk'] === 'number' ? body['items_per_chunk'] : 10_000;
    const exp = world.createExport(shopOf(res), {
      lastRequestDate,
      includeInactive: body['include_inactive_offers'] === true,
      itemsPerChunk: Math.max(1, perChunk),
    });
    res.json({ tracking_id: exp.trackingId });
  });

  router.get('/api/offers/export/async/status/:trackingId', gate('OF53'), (req, res) => {
    const id = param(req, 'trackingId');
    const exp = shopOf(res).exports.get(id);
    if (!exp) throw new SimHttpError(404, `Export ${id} not found`);
    const out: Record<string, unknown> = {
      status: exp.status,
      last_updated: world.now().toISOString(),
    };
    if (exp.status === 'COMPLETED') {
      out['urls'] = (exp.chunks ?? []).map(
        (_chunk, i) => `${baseUrl()}/api/offers/export/async/file/${exp.trackingId}?file=${i}.json`,
      );
    }
    if (exp.error) out['error'] = exp.error;
    res.json(out);
  });

  router.get('/api/offers/export/async/file/:trackingId', gate('OF54'), (req, res) => {
    const exp = shopOf(res).exports.get(param(req, 'trackingId'));
    const index = Number((queryOf(req).get('file') ?? '').replace(/\.json$/, ''));
    const chunk = exp?.chunks?.[index];
    if (!chunk) throw new SimHttpError(404, 'Export file not found');
    res.json(chunk);
  });

  return router;
}
