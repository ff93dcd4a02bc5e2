import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { capturingLogger, infra, uniqueName, uniqueNamespace } from '@msync/test-support';
import {
  ADMIN_TOKEN,
  KEY_A,
  client,
  configApiHarness,
  eventually,
  type Harness,
} from './test-support/harness.js';

// The real service process is killed (SIGKILL) after a change was saved and before it could be
// published; a new process publishes it.

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const MIRAKL_KEY = 'crash-mirakl-key-3b2a1908';
const { logger } = capturingLogger('warn');
const database = uniqueName('config-api-crash');
let h: Harness;
let registryGate: { server: Server; url: string; refuseWrites: boolean };
const children: ChildProcess[] = [];

/** A pass-through to the real registry that can refuse schema registration (so publishing fails). */
async function startRegistryGate(target: string) {
  const gate = { server: undefined as unknown as Server, url: '', refuseWrites: true };
  gate.server = createServer((req, res) => {
    if (gate.refuseWrites && req.method === 'POST') {
      res.writeHead(503).end();
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const init: RequestInit = {
        method: req.method ?? 'GET',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
      };
      if (chunks.length > 0) init.body = Buffer.concat(chunks);
      fetch(`${target.replace(/\/+$/, '')}${req.url ?? ''}`, init)
        .then(async (r) => {
          res.writeHead(r.status, {
            'content-type': r.headers.get('content-type') ?? 'application/json',
          });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => gate.server.listen(0, '127.0.0.1', resolve));
  gate.url = `http://127.0.0.1:${(gate.server.address() as AddressInfo).port}`;
  return gate;
}

function startProcess(registryUrl: string) {
  const env = infra();
  const child = spawn(process.execPath, ['--conditions', 'source', '--import', 'tsx', MAIN], {
    env: {
      PATH: process.env['PATH'] ?? '',
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: registryUrl,
      MONGO_URL: env.MONGO_URL,
      MONGO_DB: database,
      TOPIC_NAMESPACE: h.namespace,
      OPS_PORT: '0',
      OPS_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      ENCRYPTION_KEYS: `k1:${KEY_A}`,
      ADMIN_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      MIRAKL_TRUSTED_ORIGINS: new URL(h.mirakl.url).origin,
      SHIPBOB_BASE_URL: h.shipbob.url,
      RELAY_INTERVAL_MS: '300',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    child,
    exited,
    output: () => out,
    httpUrl: async () => {
      await eventually(() => /"msg":"http listening"/.test(out), 'the HTTP port', 60_000);
      const port = /"msg":"http listening"[^\n]*"port":(\d+)/.exec(out)![1];
      return `http://127.0.0.1:${port}`;
    },
  };
}

beforeAll(async () => {
  h = await configApiHarness({ infra: infra(), database, namespace: uniqueNamespace(), logger });
  h.mirakl.control.addShop({ shopId: 8001, apiKey: MIRAKL_KEY, name: 'Crash Shop' });
  registryGate = await startRegistryGate(infra().SCHEMA_REGISTRY_URL);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await new Promise<void>((resolve) => registryGate?.server.close(() => resolve()));
  await h?.close();
});

describe('config-api process killed between save and publish', () => {
  it('publishes the saved change and the first offers poll after a restart', async () => {
    const first = startProcess(registryGate.url);
    const url = await first.httpUrl();
    const admin = client(url, ADMIN_TOKEN);
    const tenant = await admin('POST', '/v1/tenants', { body: { name: 'Crash Co' } });
    const token = await admin('POST', '/v1/tokens', {
      body: { name: 'c', tenantId: tenant.body.id },
    });
    const api = client(url, token.body.token);
    const created = await api('POST', '/v1/stores', {
      body: { miraklUrl: h.mirakl.url, miraklApiKey: MIRAKL_KEY },
    });
    expect(created.status).toBe(201);
    const storeId = created.body.id;
    const changed = await api('PATCH', `/v1/stores/${storeId}`, {
      body: { pollIntervalMinutes: 3, reportEmail: 'crash@example.com' },
      headers: { 'if-match': created.headers.get('etag')! },
    });
    expect(changed.status).toBe(200);
    // Saved, and the publish was attempted and failed: now the process dies without a goodbye.
    await eventually(
      () => first.output().includes('publishing store changes failed'),
      'a failed publish',
      20_000,
    );
    // The failure is visible to monitoring before the crash.
    const opsPort = /"msg":"ops endpoint listening"[^\n]*"port":(\d+)/.exec(first.output())![1];
    await eventually(async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
      return (
        /config_api_unpublished_stores\{[^}]*\} 1\b/.test(metrics) &&
        /config_api_relay_failures_total\{[^}]*\} [1-9]/.test(metrics)
      );
    }, 'the relay failure in /metrics');
    first.child.kill('SIGKILL');
    await first.exited;
    // Everything on the topics has been read: the killed process published nothing.
    await h.events.caughtUp();
    expect(h.events.configs(storeId)).toEqual([]);
    expect(h.events.polls(storeId)).toEqual([]);

    const second = startProcess(infra().SCHEMA_REGISTRY_URL);
    await second.httpUrl();
    await eventually(
      () => h.events.latestConfig(storeId)?.version === 2,
      'the saved version after restart',
      60_000,
    );
    await eventually(
      () => h.events.polls(storeId).length === 1,
      'the first offers poll after restart',
    );
    expect(h.events.latestConfig(storeId)).toMatchObject({
      status: 'CONNECTED',
      pollIntervalMinutes: 3,
      reportEmail: 'crash@example.com',
      miraklShopId: '8001',
    });
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
