import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from '@jest/globals';
import {
  ADDRESS_REFUSED,
  addressRefusal,
  guardedLookup,
  literalAddressRefusal,
  type HostResolver,
} from './address-guard.js';

/** DNS whose answer the test changes between lookups, as a rebinding attacker would. */
function switchableDns(answer: string[]): HostResolver & { answer: string[]; asked: string[] } {
  const dns = {
    answer,
    asked: [] as string[],
    resolve: (host: string) => {
      dns.asked.push(host);
      return Promise.resolve([...dns.answer]);
    },
  };
  return dns;
}

interface LookupResult {
  error: (Error & { code?: string }) | null;
  address: string | LookupAddress[];
  family?: number;
}

function lookupOnce(
  lookup: ReturnType<typeof guardedLookup>,
  host: string,
  options: { all?: boolean; family?: number } = {},
): Promise<LookupResult> {
  return new Promise((resolve) => {
    lookup(host, options, (error, address, family) => resolve({ error, address, family }));
  });
}

describe('guarded lookup', () => {
  it('checks the answer on every connection, so a name rebound to loopback is refused later', async () => {
    const dns = switchableDns(['52.1.2.3']);
    const lookup = guardedLookup({ resolver: dns, trustedHosts: [] });

    const first = await lookupOnce(lookup, 'acme.mirakl.net');
    expect(first).toEqual({ error: null, address: '52.1.2.3', family: 4 });

    dns.answer = ['127.0.0.1'];
    const later = await lookupOnce(lookup, 'acme.mirakl.net');
    expect(later.error?.code).toBe(ADDRESS_REFUSED);
    expect(later.error?.message).toMatch(/acme\.mirakl\.net resolves to a loopback/);
    expect(dns.asked).toEqual(['acme.mirakl.net', 'acme.mirakl.net']);
  });

  it('refuses a name when any of its addresses is private, even beside public ones', async () => {
    const lookup = guardedLookup({
      resolver: switchableDns(['52.1.2.3', '169.254.169.254']),
      trustedHosts: [],
    });
    expect((await lookupOnce(lookup, 'acme.mirakl.net', { all: true })).error?.code).toBe(
      ADDRESS_REFUSED,
    );
  });

  it('answers every address when asked for all, and filters by family', async () => {
    const lookup = guardedLookup({
      resolver: switchableDns(['52.1.2.3', '2a05:d018::1']),
      trustedHosts: [],
    });
    expect(await lookupOnce(lookup, 'acme.mirakl.net', { all: true })).toEqual({
      error: null,
      address: [
        { address: '52.1.2.3', family: 4 },
        { address: '2a05:d018::1', family: 6 },
      ],
      family: undefined,
    });
    expect(await lookupOnce(lookup, 'acme.mirakl.net', { family: 6 })).toMatchObject({
      address: '2a05:d018::1',
      family: 6,
    });
  });

  it('lets trusted hosts resolve to loopback (simulators and local runs)', async () => {
    const lookup = guardedLookup({
      resolver: switchableDns(['127.0.0.1']),
      trustedHosts: ['mirakl-sim'],
    });
    expect(await lookupOnce(lookup, 'mirakl-sim')).toEqual({
      error: null,
      address: '127.0.0.1',
      family: 4,
    });
    expect((await lookupOnce(lookup, 'other-sim')).error?.code).toBe(ADDRESS_REFUSED);
  });

  it('passes DNS failures on with their own code', async () => {
    const failing: HostResolver = {
      resolve: () =>
        Promise.reject(Object.assign(new Error('no such host'), { code: 'ENOTFOUND' })),
    };
    const result = await lookupOnce(guardedLookup({ resolver: failing, trustedHosts: [] }), 'x');
    expect(result.error?.code).toBe('ENOTFOUND');
  });
});

describe('address policy decisions', () => {
  it('refuses IP literals that are not public unless trusted', () => {
    expect(literalAddressRefusal('127.0.0.1', [])).toMatch(/loopback/);
    expect(literalAddressRefusal('[::1]', [])).toMatch(/loopback/);
    expect(literalAddressRefusal('127.0.0.1', ['127.0.0.1'])).toBeUndefined();
    expect(literalAddressRefusal('52.1.2.3', [])).toBeUndefined();
    expect(literalAddressRefusal('acme.mirakl.net', [])).toBeUndefined();
  });

  it('refuses names that do not resolve, and trusts names case-insensitively', () => {
    expect(addressRefusal('acme.mirakl.net', [], [])).toMatch(/does not resolve/);
    expect(addressRefusal('Mirakl-Sim', ['10.0.0.5'], ['mirakl-sim'])).toBeUndefined();
  });
});
