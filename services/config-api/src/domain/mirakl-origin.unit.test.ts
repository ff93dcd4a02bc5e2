import { describe, expect, it } from '@jest/globals';
import { miraklOrigin, shopClaimKey } from './mirakl-origin.js';

const origin = (raw: string) => miraklOrigin(new URL(raw));

describe('the Mirakl origin of a pasted URL', () => {
  it('keeps only scheme, host and a non-default port', () => {
    expect(origin('https://macysus-prod.mirakl.net/mmp/shop/order/list?x=1#y')).toBe(
      'https://macysus-prod.mirakl.net',
    );
    expect(origin('https://acme.mirakl.net/api')).toBe('https://acme.mirakl.net');
    expect(origin('https://acme.mirakl.net/api/api/')).toBe('https://acme.mirakl.net');
    expect(origin('http://127.0.0.1:18090/API')).toBe('http://127.0.0.1:18090');
  });

  it('spells one marketplace one way (case, default port, trailing dot)', () => {
    const spellings = [
      'https://ACME.mirakl.net',
      'https://acme.mirakl.net:443/',
      'https://acme.mirakl.net./mmp',
    ];
    expect(new Set(spellings.map(origin))).toEqual(new Set(['https://acme.mirakl.net']));
  });
});

describe('the one-live-store-per-shop key', () => {
  it('is the proven shop id on the origin, whatever the URL text was', () => {
    const a = shopClaimKey(origin('https://acme.mirakl.net/api/api'), '2001');
    const b = shopClaimKey(origin('https://acme.mirakl.net'), '2001');
    expect(a).toBe(b);
    expect(shopClaimKey(origin('https://acme.mirakl.net'), '2002')).not.toBe(b);
    expect(shopClaimKey(origin('https://other.mirakl.net'), '2001')).not.toBe(b);
  });
});
