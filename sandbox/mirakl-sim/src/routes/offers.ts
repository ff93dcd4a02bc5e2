import { hasFault, offsetPage, offsetPageRequest, SimHttpError, simRouter } from '@msync/sim-kit';
import type { Router } from 'express';
import { offerComparator } from '../offer-order.js';
import { renderOffer } from '../render.js';
import { digitsOnly, listParam, param, queryOf, shopOf, type MiraklRouteDeps } from './context.js';

/** OF21 (list, with filters, sort and offset paging) and OF22 (one offer by id). */
export function offerRoutes({ gate, maxPageSize }: MiraklRouteDeps): Router {
  const router = simRouter();

  router.get('/api/offers', gate('OF21'), (req, res) => {
    const shop = shopOf(res);
    const params = queryOf(req);
    const sku = params.get('sku');
    const states = listParam(params, 'offer_state_codes');
    const offers = [...shop.offers.values()]
      .filter(
        (o) =>
          !o.deleted && (!sku || o.shopSku === sku) && (!states || states.includes(o.stateCode)),
      )
      .sort(offerComparator(params.get('sort'), params.get('order')));
    const page = offsetPage(
      offers,
      offsetPageRequest(params, { defaultMax: 10, maxPageSize }),
      hasFault(res, 'page-drift'),
    );
    res.json({ offers: page.items.map((o) => renderOffer(shop, o)), total_count: page.total });
  });

  router.get('/api/offers/:offerId', digitsOnly('offerId'), gate('OF22'), (req, res) => {
    const id = Number(param(req, 'offerId'));
    const offer = [...shopOf(res).offers.values()].find((o) => o.offerId === id && !o.deleted);
    if (!offer) throw new SimHttpError(404, `Offer ${id} not found`);
    res.json(renderOffer(shopOf(res), offer));
  });

  return router;
}
