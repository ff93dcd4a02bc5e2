import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { checkResolvedAddresses, isPublicAddress } from './ssrf.js';

/** DNS as the address guard sees it: every address a host name resolves to. */
export interface HostResolver {
  resolve(host: string): Promise<string[]>;
}

/** The system resolver (`getaddrinfo`, so `/etc/hosts` applies), every IPv4 and IPv6 address. */
export const systemResolver: HostResolver = {
  async resolve(host) {
    const answers = await dnsLookup(host, { all: true, verbatim: true });
    return answers.map((a) => a.address);
  },
};

/** `code` of the socket error raised when the guard refuses a host's addresses. */
export const ADDRESS_REFUSED = 'ERR_MIRAKL_ADDRESS_REFUSED';

export interface AddressGuardOptions {
  /**
   * Host names or IP literals whose addresses may be loopback, private or link-local
   * (simulators, local runs). Empty in production.
   */
  trustedHosts: readonly string[];
  resolver: HostResolver;
}

/**
 * Why a connection to `host` at `addresses` must not be made, or `undefined` when it may.
 * Every address counts: one private answer among public ones is enough to refuse.
 */
export function addressRefusal(
  host: string,
  addresses: readonly string[],
  trustedHosts: readonly string[],
): string | undefined {
  if (isTrusted(host, trustedHosts)) return undefined;
  const verdict = checkResolvedAddresses(host, addresses);
  return verdict && !verdict.ok ? verdict.violation.message : undefined;
}

/** Why an IP-literal host must not be called (Node connects to literals without a lookup). */
export function literalAddressRefusal(
  host: string,
  trustedHosts: readonly string[],
): string | undefined {
  const address = bare(host);
  if (isIP(address) === 0 || isTrusted(host, trustedHosts) || isPublicAddress(address))
    return undefined;
  return `The address ${address} is loopback, private, link-local or reserved`;
}

/**
 * A socket `lookup` that resolves through `resolver` and hands the socket only addresses the
 * policy allows, so the address checked is the address connected to. Running it on every new
 * connection is what defeats DNS rebinding: an answer that changes after a first check is
 * checked again.
 */
export function guardedLookup(options: AddressGuardOptions): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    options.resolver.resolve(hostname).then(
      (addresses) => {
        const refusal = addressRefusal(hostname, addresses, options.trustedHosts);
        if (refusal !== undefined) {
          callback(Object.assign(new Error(refusal), { code: ADDRESS_REFUSED }), '');
          return;
        }
        const family =
          lookupOptions.family === 'IPv4'
            ? 4
            : lookupOptions.family === 'IPv6'
              ? 6
              : lookupOptions.family;
        const usable = addresses
          .map((address) => ({ address, family: isIP(address) }))
          .filter((a) => !family || a.family === family);
        const first = usable[0];
        if (!first) {
          callback(
            Object.assign(new Error(`${hostname} has no IPv${family} address`), {
              code: 'ENOTFOUND',
            }),
            '',
          );
          return;
        }
        if (lookupOptions.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: unknown) => {
        callback(error as NodeJS.ErrnoException, '');
      },
    );
  };
}

/** Keep-alive agents whose every new connection goes through {@link guardedLookup}. */
export function guardedAgents(options: AddressGuardOptions): {
  httpAgent: HttpAgent;
  httpsAgent: HttpsAgent;
} {
  const lookup = guardedLookup(options);
  return {
    httpAgent: new HttpAgent({ keepAlive: true, lookup }),
    httpsAgent: new HttpsAgent({ keepAlive: true, lookup }),
  };
}

function isTrusted(host: string, trustedHosts: readonly string[]): boolean {
  const name = bare(host).toLowerCase();
  return trustedHosts.some((t) => bare(t).toLowerCase() === name);
}

/** `[::1]` (a URL's IPv6 host) → `::1`. */
function bare(host: string): string {
  return host.replace(/^\[|\]$/g, '');
}
