import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { PermanentError } from '@msync/platform';
import { infra, uniqueName } from '@msync/test-support';
import { checkEvolution } from './evolution.js';
import { RegistryClient } from './registry.js';
import { avroType } from './schemas.js';

const base = {
  type: 'record',
  name: 'OrderNoted',
  namespace: 'com.msync.test',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'quantity', type: 'int' },
  ],
};
const variant = (fields: unknown[]) => ({ ...base, fields });

describe('schema evolution against the real registry', () => {
  it('accepts an added field with a default and refuses incompatible changes', async () => {
    const registry = new RegistryClient(infra().SCHEMA_REGISTRY_URL);
    const subject = `${uniqueName('evolution')}-value`;
    const v1 = await registry.register(subject, base);

    // Adding a field with a default: compatible, registered as a new version.
    const withDefault = variant([
      ...base.fields,
      { name: 'note', type: ['null', 'string'], default: null },
    ]);
    const v2 = await registry.register(subject, withDefault);
    expect(v2).not.toBe(v1);

    // Renaming a field without a default: the registry (BACKWARD_TRANSITIVE) refuses it.
    const renamed = variant([base.fields[0], { name: 'qty', type: 'int' }, withDefault.fields[2]]);
    await expect(registry.register(subject, renamed)).rejects.toBeInstanceOf(PermanentError);
    await expect(registry.register(subject, renamed)).rejects.toThrow(/incompatible/);

    // Removing a field without a default: Avro-backward compatible, so the registry would take
    // it, but consumers still on the older schema could not read the new data. Our gate refuses.
    const removed = variant([base.fields[0], withDefault.fields[2]]);
    const history = [base, withDefault].map((s, i) => ({ label: `v${i + 1}`, type: avroType(s) }));
    expect(checkEvolution(history, avroType(removed)).map((p) => p.direction)).toContain('forward');
    expect(checkEvolution(history, avroType(renamed)).length).toBeGreaterThan(0);
    expect(
      checkEvolution(history, avroType(withDefault)).filter((p) => p.against === 'v1'),
    ).toEqual([]);
  });
});

/**
 * A stand-in registry that answers compatibility settings and hands each registration request to
 * `onRegistration` (its number, from 1); `close()` drops what is still waiting.
 */
async function stubRegistry(onRegistration: (res: ServerResponse, n: number) => void) {
  const registrations: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/config/'))
      res.end('{"compatibility":"BACKWARD_TRANSITIVE","compatibilityLevel":"BACKWARD_TRANSITIVE"}');
    else {
      registrations.push(res);
      onRegistration(res, registrations.length);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    registrations,
    stopListening: () => server.close(),
    close() {
      for (const res of registrations) res.destroy();
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('a registry that stops answering', () => {
  it('fails each call with a retriable error after the deadline instead of waiting forever', async () => {
    // Never answers a registration.
    const stub = await stubRegistry(() => undefined);
    try {
      const registry = new RegistryClient(stub.url, 200);
      await expect(registry.register('silent-value', base)).rejects.toMatchObject({
        kind: 'retriable',
        reason: 'registry-unavailable',
      });
      expect(stub.registrations.length).toBeGreaterThan(0);
      stub.stopListening();
      await expect(registry.ensureCompatibility('silent-value')).rejects.toMatchObject({
        kind: 'retriable',
        reason: 'registry-unavailable',
      });
    } finally {
      stub.close();
    }
  });
});

describe('a registry busy with other registrations', () => {
  it('registers again when the first attempt was not answered in time: the same id, no error', async () => {
    // Leaves the first registration waiting, answers the next.
    const stub = await stubRegistry((res, n) => {
      if (n > 1) res.end('{"id":7}');
    });
    try {
      const registry = new RegistryClient(stub.url, 200);
      await expect(registry.register('busy-value', base)).resolves.toBe(7);
      expect(stub.registrations).toHaveLength(2);
    } finally {
      stub.close();
    }
  });
});
