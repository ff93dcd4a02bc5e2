import { SimHttpError } from '@msync/sim-kit';
import type { SimOffer } from './model.js';

/** OF21's sort fields, as the operation documents them. */
export const OFFER_SORT_FIELDS = ['totalPrice', 'price', 'productTitle'] as const;
export type OfferSortField = (typeof OFFER_SORT_FIELDS)[number];

/**
 * OF21's order: `sort` = `totalPrice` (default), `price` ("by price, total price") or
 * `productTitle` ("by product title, total price"); `order` = `asc` (default) or `desc`. The
 * offer id breaks the remaining ties so pages stay stable. Unknown values are a 400.
 */
export function offerComparator(
  sort: string | null,
  order: string | null,
): (a: SimOffer, b: SimOffer) => number {
  const field = (sort || 'totalPrice') as OfferSortField;
  if (!OFFER_SORT_FIELDS.includes(field)) {
    throw new SimHttpError(
      400,
      `Invalid sort "${sort}" for OF21; use one of ${OFFER_SORT_FIELDS.join(', ')}`,
    );
  }
  if (order !== null && order !== '' && order !== 'asc' && order !== 'desc') {
    throw new SimHttpError(400, `Invalid order "${order}"; use asc or desc`);
  }
  const direction = order === 'desc' ? -1 : 1;
  const primary = (a: SimOffer, b: SimOffer): number => {
    switch (field) {
      case 'productTitle':
        return a.productTitle.localeCompare(b.productTitle);
      case 'price':
      case 'totalPrice':
        return 0;
    }
  };
  return (a, b) =>
    direction * (primary(a, b) || totalPrice(a) - totalPrice(b) || a.offerId - b.offerId);
}

/** The price with the cheapest shipping; the simulator's offers ship for free. */
function totalPrice(offer: SimOffer): number {
  return offer.price;
}
