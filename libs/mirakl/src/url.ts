import { PermanentError } from '@msync/platform';

/** Normalises a store URL to the API root, with or without a trailing `/api` or slash. */
export function normaliseApiBase(storeUrl: string): string {
  let url: URL;
  try {
    url = new URL(storeUrl.trim());
  } catch {
    throw new PermanentError('The Mirakl store URL is not a valid URL', {
      reason: 'invalid-config',
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PermanentError('The Mirakl store URL must use http or https', {
      reason: 'invalid-config',
    });
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api$/, '');
  return `${url.origin}${path}/api`;
}
