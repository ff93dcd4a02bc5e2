import { SimHttpError, simRouter } from '@msync/sim-kit';
import type { Request, Router } from 'express';
import { callFrequencyFromJson } from '../call-frequency.js';
import type { Control } from '../control.js';
import type { OfferSeed, OrderSeed, ShopSeed } from '../world.js';
import { param } from './context.js';

/**
 * Mirakl's own control routes, relative to the control prefix (the kit adds health, reset,
 * faults and exchanges): seed shops, offers and orders, drive the operator's side, read back
 * what the product did, switch call-frequency limits.
 */
export function miraklControlRoutes(control: Control): Router {
  const router = simRouter();
  const shopId = (req: Request): number => {
    const raw = param(req, 'shopId');
    if (!/^\d+$/.test(raw)) throw new SimHttpError(400, `Shop id must be a number, got ${raw}`);
    return Number(raw);
  };
  const body = (req: Request): Record<string, unknown> =>
    (req.body ?? {}) as Record<string, unknown>;

  router.post('/shops', (req, res) => {
    res.json(control.addShop(body(req) as unknown as ShopSeed));
  });
  router.get('/shops/:shopId', (req, res) => {
    res.json(control.snapshot(shopId(req)));
  });
  router.post('/shops/:shopId/offers', (req, res) => {
    const offers: unknown = Array.isArray(req.body) ? req.body : body(req)['offers'];
    control.upsertOffers(shopId(req), offers as OfferSeed[]);
    res.status(204).end();
  });
  router.delete('/shops/:shopId/offers/:sku', (req, res) => {
    control.deleteOffer(shopId(req), param(req, 'sku'));
    res.status(204).end();
  });
  router.post('/shops/:shopId/stock-imports-enabled', (req, res) => {
    control.setStockImportsEnabled(shopId(req), body(req)['enabled'] === true);
    res.status(204).end();
  });
  router.post('/shops/:shopId/imports-held', (req, res) => {
    control.holdImports(shopId(req), body(req)['held'] === true);
    res.status(204).end();
  });
  router.post('/shops/:shopId/exports-held', (req, res) => {
    control.holdExports(shopId(req), body(req)['held'] === true);
    res.status(204).end();
  });
  router.post('/shops/:shopId/access', (req, res) => {
    const apiKey = body(req)['apiKey'];
    if (typeof apiKey !== 'string' || apiKey === '')
      throw new SimHttpError(400, 'Send {"apiKey": "<the key of the user to let in>"}');
    control.grantShopAccess(shopId(req), apiKey);
    res.status(204).end();
  });
  router.post('/shops/:shopId/orders', (req, res) => {
    res.json(control.createOrder(shopId(req), body(req) as unknown as OrderSeed));
  });
  router.post('/shops/:shopId/orders/:orderId/confirm-payment', (req, res) => {
    control.confirmPayment(shopId(req), param(req, 'orderId'));
    res.status(204).end();
  });
  router.post('/shops/:shopId/orders/:orderId/expire-acceptance', (req, res) => {
    control.expireAcceptance(shopId(req), param(req, 'orderId'));
    res.status(204).end();
  });
  router.post('/shops/:shopId/orders/:orderId/cancel', (req, res) => {
    control.cancelByOperator(shopId(req), param(req, 'orderId'));
    res.status(204).end();
  });
  router.post('/shops/:shopId/orders/:orderId/debit-customer', (req, res) => {
    control.debitCustomer(shopId(req), param(req, 'orderId'));
    res.status(204).end();
  });
  router.post('/shops/:shopId/orders/:orderId/incidents', (req, res) => {
    control.openIncident(shopId(req), param(req, 'orderId'), body(req));
    res.status(204).end();
  });
  router.post('/shops/:shopId/orders/:orderId/lines/:lineId/close-incident', (req, res) => {
    control.closeIncident(shopId(req), param(req, 'orderId'), param(req, 'lineId'));
    res.status(204).end();
  });

  router.get('/call-frequency', (_req, res) => {
    res.json(control.callFrequency());
  });
  router.put('/call-frequency', (req, res) => {
    control.setCallFrequency(callFrequencyFromJson(req.body));
    res.json(control.callFrequency());
  });
  router.delete('/call-frequency', (_req, res) => {
    control.clearCallFrequency();
    res.status(204).end();
  });
  return router;
}
