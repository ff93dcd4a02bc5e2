/** Which Mirakl marketplace a store belongs to, whatever URL text the seller pasted. */

/**
 * The operator's origin (`https://acme.mirakl.net`): scheme, host without a trailing dot, and a
 * non-default port. Sellers paste the address of whatever back-office page they have open
 * (`…/mmp/shop/order/list?x=1#y`); the seller API of every Mirakl marketplace lives at
 * `<origin>/api`, so the path, query and fragment carry nothing about the store.
 */
export function miraklOrigin(url: URL): string {
  const host = url.hostname.replace(/\.$/, '');
  const port = url.port ? `:${url.port}` : '';
  return `${url.protocol}//${host}${port}`;
}

/**
 * The key that makes one live store per Mirakl shop: the shop id that the key proved (A01) on
 * that operator's origin. Never derived from URL text, which has many spellings of one shop.
 */
export function shopClaimKey(origin: string, shopId: string): string {
  return `${origin}#${shopId}`;
}
