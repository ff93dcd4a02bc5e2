import type { RunningMiraklSimulator } from '@msync/mirakl-sim';
import { PermanentError } from '@msync/platform';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { HostResolver } from './address-guard.js';
import { checkResolvedAddresses } from './ssrf.js';
import { fastClient, startSimulator } from './test-support/harness.js';

let sim: RunningMiraklSimulator;
let apiKey = '';

beforeAll(async () => {
  sim = await startSimulator();
  apiKey = sim.control.addShop({ shopId: 7001, apiKey: 'test-only-guard-key-0001' }).apiKey;
});

afterAll(async () => {
  await sim.close();
});

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** The simulator's port on a host name whose DNS answer the test decides. */
function storeUrl(host: string): string {
  return `http://${host}:${new URL(sim.url).port}`;
}

describe('the Mirakl transport connects only to addresses the policy allows', () => {
  it('refuses a later call once the store name is rebound to loopback, though it was public at connect', async () => {
    const host = 'rebind.mirakl.net';
    const dns = { answer: ['52.1.2.3'] };
    const resolver: HostResolver = { resolve: () => Promise.resolve([...dns.answer]) };
    // What config-api checks when the store is connected: the name resolves to a public address.
    expect(checkResolvedAddresses(host, await resolver.resolve(host))).toBeNull();

    // Later the attacker's DNS answers with the loopback address, where an internal service
    // (here the simulator) listens.
    dns.answer = ['127.0.0.1'];
    const client = fastClient(storeUrl(host), apiKey, { resolver, trustedHosts: [], retries: 0 });
    const before = sim.control.exchanges().length;
    const error = await rejectionOf(client.verifyCredentials());

    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ reason: 'address-refused' });
    expect((error as Error).message).toMatch(/A01 GET \/api\/account: refused to connect/);
    expect(sim.control.exchanges().length).toBe(before);
  });

  it('reaches the same address when the host is trusted, so the refusal above is the policy', async () => {
    const resolver: HostResolver = { resolve: () => Promise.resolve(['127.0.0.1']) };
    const host = 'mirakl-sim.local';
    const client = fastClient(storeUrl(host), apiKey, { resolver, trustedHosts: [host] });
    await expect(client.verifyCredentials()).resolves.toMatchObject({ shopId: 7001 });
  });

  it('refuses a loopback IP literal that is not trusted, before any byte is sent', async () => {
    const client = fastClient(sim.url, apiKey, { trustedHosts: [], retries: 0 });
    const before = sim.control.exchanges().length;
    await expect(client.checkHealth()).rejects.toMatchObject({ reason: 'address-refused' });
    expect(sim.control.exchanges().length).toBe(before);
  });
});
