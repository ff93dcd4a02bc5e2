import { describe, expect, it } from '@jest/globals';
import { checkResolvedAddresses, checkUrlShape, hostMatches, isPublicAddress } from './ssrf.js';

const policy = {
  allowedHosts: ['*.mirakl.net', 'marketplace.example.com'],
  trustedOrigins: ['http://127.0.0.1:18090'],
};

const refusal = (raw: string, withPolicy = policy) => {
  const check = checkUrlShape(raw, withPolicy);
  return check.ok ? null : check.violation;
};

describe('which URLs skip the address rules', () => {
  it('marks only a configured trusted origin as trusted', () => {
    expect(checkUrlShape('http://127.0.0.1:18090/api', policy)).toMatchObject({
      ok: true,
      trusted: true,
    });
    // An allowed host still has its resolved addresses checked (trusted: false).
    const allowed = checkUrlShape('https://acme.mirakl.net/api', policy);
    expect(allowed).toMatchObject({ ok: true, trusted: false });
    expect(allowed.ok && allowed.url.href).toBe('https://acme.mirakl.net/api');
  });

  it('accepts a URL pasted with a non-breaking space or byte-order mark around it', () => {
    // The URL parser strips ASCII blanks only; a copy from a web page or spreadsheet brings these.
    expect(checkUrlShape('\u00a0https://acme.mirakl.net\u00a0', policy)).toMatchObject({
      ok: true,
    });
    expect(checkUrlShape('\ufeffhttps://acme.mirakl.net', policy)).toMatchObject({ ok: true });
  });

  it('trims surrounding blanks before parsing', () => {
    expect(checkUrlShape('  https://acme.mirakl.net \n', policy)).toMatchObject({ ok: true });
    expect(checkUrlShape(' http://127.0.0.1:18090 ', policy)).toMatchObject({ trusted: true });
  });
});

describe('URL shape refusals', () => {
  it.each([
    ['https://user@acme.mirakl.net', 'a user name only'],
    ['https://:secret@acme.mirakl.net', 'a password only'],
    ['https://user:secret@acme.mirakl.net', 'both'],
  ])('refuses credentials in %s (%s)', (raw) => {
    expect(refusal(raw)).toMatchObject({
      field: 'miraklUrl',
      rule: 'no-credentials-in-url',
      message: 'The Mirakl URL must not contain credentials',
    });
  });

  it('accepts the explicit standard port and refuses any other', () => {
    expect(refusal('https://acme.mirakl.net:443/api')).toBeNull();
    expect(refusal('https://acme.mirakl.net:8443')).toMatchObject({
      field: 'miraklUrl',
      rule: 'standard-port',
      message: 'The Mirakl URL must use the standard https port',
    });
  });

  it('says what is wrong with the scheme and with an unparseable URL', () => {
    expect(refusal('http://acme.mirakl.net')).toEqual({
      field: 'miraklUrl',
      rule: 'https-required',
      message: 'The Mirakl URL must use https',
    });
    expect(refusal('not a url')).toEqual({
      field: 'miraklUrl',
      rule: 'url',
      message: 'Not a valid URL',
    });
  });

  it.each(['https://10.0.0.1', 'https://52.1.2.3', 'https://[2a05:d018::1]', 'https://[::1]'])(
    'refuses the IP literal %s even when the allow-list names it',
    (raw) => {
      const literal = new URL(raw).hostname;
      const permissive = {
        allowedHosts: [literal, literal.replace(/^\[|\]$/g, '')],
        trustedOrigins: [],
      };
      expect(refusal(raw, permissive)).toEqual({
        field: 'miraklUrl',
        rule: 'allowed-host',
        message: 'The Mirakl URL must name a host, not an IP address',
      });
    },
  );

  it('names the refused host and the allowed patterns', () => {
    expect(refusal('https://Evil.Example.org/x')).toEqual({
      field: 'miraklUrl',
      rule: 'allowed-host',
      message:
        'The host evil.example.org is not an allowed Mirakl host (*.mirakl.net, marketplace.example.com)',
    });
  });

  it('accepts a fully qualified host name with its trailing dot', () => {
    expect(refusal('https://acme.mirakl.net./api')).toBeNull();
    expect(refusal('https://marketplace.example.com.')).toBeNull();
  });
});

describe('host patterns', () => {
  it('compares patterns without regard to case or surrounding blanks', () => {
    expect(hostMatches('acme.mirakl.net', ' *.Mirakl.NET ')).toBe(true);
    expect(hostMatches('marketplace.example.com', ' Marketplace.Example.com ')).toBe(true);
  });

  it('needs a non-empty label before a wildcard domain', () => {
    expect(hostMatches('.mirakl.net', '*.mirakl.net')).toBe(false);
    expect(hostMatches('a.mirakl.net', '*.mirakl.net')).toBe(true);
    expect(hostMatches('a.b.mirakl.net', '*.mirakl.net')).toBe(true);
  });

  it('treats a pattern without a wildcard as one exact host', () => {
    expect(hostMatches('mirakl.net', 'mirakl.net')).toBe(true);
    expect(hostMatches('a.mirakl.net', 'mirakl.net')).toBe(false);
    expect(hostMatches('mirakl.net', '.mirakl.net')).toBe(false);
  });
});

describe('address ranges', () => {
  // Each non-public range with its first and last address, and the public neighbours around it.
  it.each([
    ['0.0.0.0', false],
    ['0.255.255.255', false],
    ['1.0.0.0', true],
    ['9.255.255.255', true],
    ['10.0.0.0', false],
    ['10.255.255.255', false],
    ['11.0.0.0', true],
    ['100.63.255.255', true],
    ['100.64.0.0', false],
    ['100.127.255.255', false],
    ['100.128.0.0', true],
    ['126.255.255.255', true],
    ['127.0.0.1', false],
    ['127.255.255.255', false],
    ['128.0.0.0', true],
    ['169.253.255.255', true],
    ['169.254.0.0', false],
    ['169.254.255.255', false],
    ['169.255.0.0', true],
    ['172.15.255.255', true],
    ['172.16.0.0', false],
    ['172.31.255.255', false],
    ['172.32.0.0', true],
    ['192.167.255.255', true],
    ['192.168.0.0', false],
    ['192.168.255.255', false],
    ['192.169.0.0', true],
    ['192.0.0.8', false],
    ['192.0.1.1', true],
    ['192.0.2.1', false],
    ['192.0.3.1', true],
    ['192.1.0.1', true],
    ['193.0.2.1', true],
    ['198.17.255.255', true],
    ['198.18.0.0', false],
    ['198.19.255.255', false],
    ['198.20.0.0', true],
    ['198.51.99.1', true],
    ['198.51.100.1', false],
    ['198.51.101.1', true],
    ['198.50.100.1', true],
    ['199.51.100.1', true],
    ['203.0.112.1', true],
    ['203.0.113.1', false],
    ['203.0.114.1', true],
    ['203.1.113.1', true],
    ['202.0.113.1', true],
    ['223.255.255.255', true],
    ['224.0.0.0', false],
    ['239.255.255.250', false],
    ['240.0.0.1', false],
    ['255.255.255.255', false],
  ])('IPv4 %s public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  // A range is picked by its first octet as well: the same second octet elsewhere is public.
  it.each([
    '52.95.1.1',
    '52.254.1.1',
    '52.16.0.1',
    '52.168.1.1',
    '52.18.1.1',
    '52.19.1.1',
    '52.0.2.1',
  ])('IPv4 %s, which shares only the second octet with a private range, is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    ['::', false],
    ['::ffff:192.168.100.200', false],
    ['::ffff:172.16.10.20', false],
    // Only the ::ffff:0:0/96 prefix maps IPv4; a dotted tail elsewhere is part of an IPv6 address.
    ['2001:4860::ffff:10.0.0.1', true],
    ['::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:192.168.1.1', false],
    ['::FFFF:10.0.0.1', false],
    ['::ffff:52.1.2.3', true],
    ['fbff::1', true],
    ['fc00::1', false],
    ['fdff:ffff::1', false],
    ['FD12:3456::1', false],
    ['fe7f::1', true],
    ['fe80::1', false],
    ['FE80::1', false],
    ['febf::1', false],
    ['fec0::1', true],
    ['ff02::1', false],
    ['FF05::2', false],
    ['64:ff9b::a00:1', false],
    ['64:ff9b::52.1.2.3', false],
    ['64:ff9c::1', true],
    ['2001:db8::1', false],
    ['2001:DB8:1::1', false],
    ['2001:db9::1', true],
    ['2001:4860:4860::8888', true],
    ['2a05:d018::1', true],
  ])('IPv6 %s public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it.each(['', 'localhost', 'acme.mirakl.net', '1.2.3', '999.1.1.1'])(
    'takes %j, which is not an IP address, for a non-public one',
    (address) => {
      expect(isPublicAddress(address)).toBe(false);
    },
  );
});

describe('resolved addresses', () => {
  it('refuses when the first, or only a later, address is not public, naming the host', () => {
    const refusedFor = (addresses: string[]) =>
      checkResolvedAddresses('acme.mirakl.net', addresses);
    const expected = {
      ok: false,
      violation: {
        field: 'miraklUrl',
        rule: 'public-address',
        message:
          'The host acme.mirakl.net resolves to a loopback, private, link-local or reserved address',
      },
    };
    expect(refusedFor(['169.254.169.254'])).toEqual(expected);
    expect(refusedFor(['52.1.2.3', '2a05:d018::1', 'fd00::1'])).toEqual(expected);
    expect(refusedFor(['52.1.2.3', '2a05:d018::1'])).toBeNull();
  });

  it('refuses a host that resolves to nothing, naming it', () => {
    expect(checkResolvedAddresses('gone.mirakl.net', [])).toEqual({
      ok: false,
      violation: {
        field: 'miraklUrl',
        rule: 'resolvable-host',
        message: 'The host gone.mirakl.net does not resolve',
      },
    });
  });
});
