import { describe, expect, it } from '@jest/globals';
import { checkResolvedAddresses, checkUrlShape, hostMatches, isPublicAddress } from './ssrf.js';

const policy = {
  allowedHosts: ['*.mirakl.net', 'marketplace.example.com'],
  trustedOrigins: ['http://127.0.0.1:18090'],
};
const ruleOf = (raw: string) => {
  const r = checkUrlShape(raw, policy);
  return r.ok ? 'ok' : r.violation.rule;
};

describe('Mirakl URL shape', () => {
  it.each([
    ['https://macysus-prod.mirakl.net', 'ok'],
    ['https://macysus-prod.mirakl.net/api', 'ok'],
    ['https://marketplace.example.com', 'ok'],
    ['http://127.0.0.1:18090', 'ok'],
    ['http://127.0.0.1:18091', 'https-required'],
    ['http://acme.mirakl.net', 'https-required'],
    ['ftp://acme.mirakl.net', 'https-required'],
    ['https://mirakl.net', 'allowed-host'],
    ['https://acme.mirakl.net.evil.com', 'allowed-host'],
    ['https://evilmirakl.net', 'allowed-host'],
    ['https://10.0.0.1', 'allowed-host'],
    ['https://169.254.169.254', 'allowed-host'],
    ['https://[fd00::1]', 'allowed-host'],
    ['https://2130706433', 'allowed-host'],
    ['https://a:b@acme.mirakl.net', 'no-credentials-in-url'],
    ['https://acme.mirakl.net:444', 'standard-port'],
    ['acme.mirakl.net', 'url'],
  ])('%s → %s', (raw, rule) => {
    expect(ruleOf(raw)).toBe(rule);
  });

  it('matches sub-domains only for wildcard patterns', () => {
    expect(hostMatches('a.mirakl.net', '*.mirakl.net')).toBe(true);
    expect(hostMatches('mirakl.net', '*.mirakl.net')).toBe(false);
    expect(hostMatches('x.marketplace.example.com', 'marketplace.example.com')).toBe(false);
  });
});

describe('resolved addresses', () => {
  it.each([
    ['127.0.0.1', false],
    ['10.2.3.4', false],
    ['172.16.0.1', false],
    ['172.32.0.1', true],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['::1', false],
    ['fe80::1', false],
    ['fd12:3456::1', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['52.1.2.3', true],
    ['2a05:d018::1', true],
  ])('%s public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('refuses a host when any of its addresses is private, or when it does not resolve', () => {
    expect(checkResolvedAddresses('a.mirakl.net', ['52.1.2.3'])).toBeNull();
    expect(checkResolvedAddresses('a.mirakl.net', ['52.1.2.3', '10.0.0.1'])).toMatchObject({
      ok: false,
      violation: { rule: 'public-address' },
    });
    expect(checkResolvedAddresses('a.mirakl.net', [])).toMatchObject({
      violation: { rule: 'resolvable-host' },
    });
  });
});
