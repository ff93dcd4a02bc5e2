import type { Request } from 'express';
import { SimHttpError } from '@msync/sim-kit';
import type { SimShop } from './model.js';
import type { SimWorld } from './world.js';

/**
 * Mirakl's auth: the raw shop key in `Authorization` (no `Bearer`), 401 otherwise. The optional
 * `shop_id` every seller operation takes picks another shop of the key's user (403 when the
 * user has no access to it); without it the key's own shop is used.
 */
export function authenticateShop(world: SimWorld): (req: Request) => SimShop {
  return (req) => {
    const own = world.shopByKey(req.headers.authorization);
    if (!own) throw new SimHttpError(401, 'Unauthorized');
    const raw = new URL(req.originalUrl, 'http://simulator').searchParams.get('shop_id');
    if (raw === null || raw === '') return own;
    if (!/^\d+$/.test(raw)) {
      throw new SimHttpError(
        400,
        `Invalid value for parameter shop_id: ${raw} (a shop id, e.g. 2001)`,
      );
    }
    const shop = world.shopFor(own, Number(raw));
    if (!shop) throw new SimHttpError(403, `This API key has no access to shop ${raw}`);
    return shop;
  };
}
