import { isIP } from 'node:net';

/** A broken rule, named the way config-api reports it (`field`, `rule`, `message`). */
export interface RuleViolation {
  field: string;
  rule: string;
  message: string;
}

/** Where a Mirakl store URL may point. */
export interface UrlPolicy {
  /** Host patterns: exact names or `*.domain` (any sub-domain of `domain`). */
  allowedHosts: readonly string[];
  /** Exact origins that skip the https and address rules (simulators, local runs). */
  trustedOrigins: readonly string[];
}

export type UrlCheck =
  { ok: true; url: URL; trusted: boolean } | { ok: false; violation: RuleViolation };

const FIELD = 'miraklUrl';
const refuse = (rule: string, message: string): UrlCheck => ({
  ok: false,
  violation: { field: FIELD, rule, message },
});

/** Static checks of a Mirakl URL (scheme, credentials, host allow-list), before any DNS lookup. */
export function checkUrlShape(raw: string, policy: UrlPolicy): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return refuse('url', 'Not a valid URL');
  }
  if (policy.trustedOrigins.includes(url.origin)) return { ok: true, url, trusted: true };
  if (url.protocol !== 'https:') return refuse('https-required', 'The Mirakl URL must use https');
  if (url.username || url.password) {
    return refuse('no-credentials-in-url', 'The Mirakl URL must not contain credentials');
  }
  // Stryker disable next-line ConditionalExpression,StringLiteral: the URL parser drops the default port, so an https URL never has port '443'
  if (url.port && url.port !== '443') {
    return refuse('standard-port', 'The Mirakl URL must use the standard https port');
  }
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  // Stryker disable next-line Regex: a host name has brackets only around an IPv6 address, one at each end
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) {
    return refuse('allowed-host', 'The Mirakl URL must name a host, not an IP address');
  }
  if (!policy.allowedHosts.some((pattern) => hostMatches(host, pattern))) {
    return refuse(
      'allowed-host',
      `The host ${host} is not an allowed Mirakl host (${policy.allowedHosts.join(', ')})`,
    );
  }
  return { ok: true, url, trusted: false };
}

export function hostMatches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase().trim();
  if (p.startsWith('*.')) {
    const domain = p.slice(2);
    return host.endsWith(`.${domain}`) && host.length > domain.length + 1;
  }
  return host === p;
}

/** Refuses a URL whose host resolves to any non-public address (checked on every address). */
export function checkResolvedAddresses(
  host: string,
  addresses: readonly string[],
): UrlCheck | null {
  if (addresses.length === 0) return refuse('resolvable-host', `The host ${host} does not resolve`);
  const bad = addresses.find((a) => !isPublicAddress(a));
  if (bad !== undefined) {
    return refuse(
      'public-address',
      `The host ${host} resolves to a loopback, private, link-local or reserved address`,
    );
  }
  return null;
}

/** True for globally routable unicast addresses only. */
export function isPublicAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 4) return isPublicV4(address);
  if (version === 6) return isPublicV6(address.toLowerCase());
  return false;
}

function isPublicV4(address: string): boolean {
  const [a = 0, b = 0, c = 0] = address.split('.').map(Number);
  if (a === 0 || a === 10 || a === 127) return false; // this network, private, loopback
  if (a === 100 && b >= 64 && b <= 127) return false; // carrier-grade NAT
  if (a === 169 && b === 254) return false; // link-local, cloud metadata
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF, TEST-NET-1
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if (a === 198 && b === 51 && c === 100) return false; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return false; // TEST-NET-3
  if (a >= 224) return false; // multicast, reserved, broadcast
  return true;
}

function isPublicV6(address: string): boolean {
  if (address === '::' || address === '::1') return false;
  // Stryker disable next-line Regex: isIP accepted the whole address, so nothing follows its dotted quad
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return isPublicV4(mapped[1]!);
  // Stryker disable next-line StringLiteral: parseInt('') is NaN, and NaN & mask is 0, as for '0'
  const first = parseInt(address.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return false; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return false; // link-local fe80::/10
  if ((first & 0xff00) === 0xff00) return false; // multicast
  if (address.startsWith('64:ff9b:') || address.startsWith('2001:db8:')) return false;
  return true;
}
