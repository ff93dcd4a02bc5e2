import { renderCsv } from '@msync/platform';
import { SimHttpError, simRouter } from '@msync/sim-kit';
import type { Router } from 'express';
import { renderOfferImport, renderStockImport } from '../render.js';
import { csvUpload, digitsOnly, param, shopOf, type MiraklRouteDeps } from './context.js';

/**
 * OF01/OF02/OF03 (offer file imports) and STO01/STO02/STO03 (stock imports). Imports run
 * asynchronously on the simulator clock: WAITING, RUNNING, then COMPLETE or FAILED.
 */
export function importRoutes({ world, gate, baseUrl }: MiraklRouteDeps): Router {
  const router = simRouter();

  router.post('/api/offers/imports', gate('OF01'), (req, res) => {
    const { file, fields } = csvUpload(req);
    const mode = fields['import_mode'];
    if (mode !== 'NORMAL' && mode !== 'REPLACE') {
      throw new SimHttpError(400, 'import_mode is required and must be NORMAL or REPLACE');
    }
    const imp = world.createImport(shopOf(res), 'offer', mode, file);
    // The document's 201 carries a pre-calculated URL of the import status (OF02).
    res
      .status(201)
      .location(`${baseUrl()}/api/offers/imports/${imp.id}`)
      .json({ import_id: Number(imp.id) });
  });

  router.get('/api/offers/imports/:importId', digitsOnly('importId'), gate('OF02'), (req, res) => {
    const id = param(req, 'importId');
    const imp = shopOf(res).imports.get(id);
    if (imp?.kind !== 'offer') throw new SimHttpError(404, `Import ${id} not found`);
    res.json(renderOfferImport(imp));
  });

  router.get(
    '/api/offers/imports/:importId/error_report',
    digitsOnly('importId'),
    gate('OF03'),
    (req, res) => {
      const id = param(req, 'importId');
      const imp = shopOf(res).imports.get(id);
      if (imp?.kind !== 'offer' || imp.errors.length === 0)
        throw new SimHttpError(404, `No error report for import ${id}`);
      const rows = [
        [...imp.header, 'error-line', 'error-message'],
        ...imp.errors.map((e) => [...e.cells, e.line, e.message]),
      ];
      res.type('application/octet-stream').send(renderCsv(rows));
    },
  );

  router.post('/api/offers/stock/imports', gate('STO01'), (req, res) => {
    const shop = shopOf(res);
    if (!shop.stockImportsEnabled) throw new SimHttpError(404, 'Not Found');
    const { file } = csvUpload(req);
    const imp = world.createImport(shop, 'stock', 'STOCK', file);
    res
      .status(201)
      .location(`${baseUrl()}/api/offers/stock/imports/${imp.id}/status`)
      .json({ import_id: imp.id });
  });

  router.get('/api/offers/stock/imports/:importId/status', gate('STO02'), (req, res) => {
    const shop = shopOf(res);
    if (!shop.stockImportsEnabled) throw new SimHttpError(404, 'Not Found');
    const id = param(req, 'importId');
    const imp = shop.imports.get(id);
    if (imp?.kind !== 'stock') throw new SimHttpError(404, `Import ${id} not found`);
    res.json(renderStockImport(shop, imp));
  });

  router.get('/api/offers/stock/imports/:importId/error_report', gate('STO03'), (req, res) => {
    const id = param(req, 'importId');
    const imp = shopOf(res).imports.get(id);
    if (imp?.kind !== 'stock' || imp.errors.length === 0)
      throw new SimHttpError(404, `No error report for import ${id}`);
    const rows = [
      ['line', 'error-message', ...imp.header],
      ...imp.errors.map((e) => [e.line, e.message, ...e.cells]),
    ];
    res.type('text/csv').send(renderCsv(rows));
  });

  return router;
}
