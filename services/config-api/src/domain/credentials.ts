/** Rules for the vendor credentials a seller pastes (Mirakl API keys, ShipBob PATs). */

/**
 * Characters an HTTP header value may carry (tab, printable ASCII, Latin-1). A key with a line
 * break, NUL or a character beyond Latin-1 cannot be sent at all: it is refused up front instead
 * of failing inside the HTTP client, where it looks like an unreachable vendor.
 */
export const HEADER_VALUE_PATTERN = /^[\t\x20-\x7e\x80-\xff]*$/;

export const HEADER_SAFE_MESSAGE =
  'Contains a line break, control character or a character that cannot be sent in an HTTP header; paste the key again';

export const isHeaderSafe = (value: string): boolean => HEADER_VALUE_PATTERN.test(value);

/** Longest tail of a secret ever shown. */
const MAX_VISIBLE = 4;

/**
 * The end of a secret that may be shown next to the mask: at most a quarter of it and never
 * more than four characters, so a short secret is not given away (`sim-pat` → `t`).
 */
export function visibleTail(secret: string): string {
  const visible = Math.min(MAX_VISIBLE, Math.floor(secret.length / 4));
  return visible === 0 ? '' : secret.slice(-visible);
}

/** A secret as the API shows it: a fixed mask and the visible tail. */
export function maskSecret(tail: string): string {
  return `••••${tail}`;
}
