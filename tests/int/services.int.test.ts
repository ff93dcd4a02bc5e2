import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { bootstrapTopics, createKafka } from '@msync/events';
import { deleteNamespaceTopics } from '@msync/events/test-support';
import { createLogger } from '@msync/platform';
import { infra, uniqueNamespace } from '@msync/test-support';
import { SERVICE_NAMES } from '../../tools/infra/src/index.js';

const SERVICES = SERVICE_NAMES;
/** Services that consume at start: their topics must exist (the system's bootstrap makes them). */
const CONSUMERS: readonly string[] = ['config-api', 'mirakl-poller', 'shipbob-poller'];
/**
 * The consumer group each long-running consumer joins, without its namespace: environments
 * sharing a cluster must not share a group (ADR 0054).
 */
const GROUPS: Readonly<Record<string, string>> = {
  'config-api': 'config-api-activity',
  scheduler: 'scheduler',
  'mirakl-poller': 'mirakl-poller',
  'shipbob-poller': 'shipbob-poller',
  'sync-applier': 'sync-applier',
};

const logger = createLogger({ level: 'warn', write: () => undefined });
const kafka = () =>
  createKafka({ brokers: infra().KAFKA_BROKERS.split(','), clientId: 'frame-test', logger });

async function createTopics(namespace: string): Promise<void> {
  await bootstrapTopics({
    kafka: kafka(),
    logger,
    namespace,
    partitions: 1,
    only: [
      'pollRequested',
      'storeConfigChanged',
      // config-api's activity projection
      'syncOutcome',
      'orderAwaitingAcceptance',
      'orderReadyToShip',
      'shipmentLabeled',
      'orderCanceledOnMarketplace',
      'returnUpdated',
    ],
  });
}

const deleteTopics = (namespace: string) => deleteNamespaceTopics(kafka(), namespace);

async function groupIds(): Promise<string[]> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return (await admin.listGroups()).groups.map((g) => g.groupId);
  } finally {
    await admin.disconnect();
  }
}

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startService(name: string, env: Record<string, string>): Running {
  const entry = `${root}services/${name}/dist/main.js`;
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

function logTail(running: Running, lines = 40): string {
  return `${running.stdout()}${running.stderr()}`.trim().split('\n').slice(-lines).join('\n');
}

async function opsPort(running: Running): Promise<number> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const match = /"msg":"ops endpoint listening"[^\n]*"port":(\d+)/.exec(running.stdout());
    if (match) return Number(match[1]);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ops port announced:\n${running.stdout()}\n${running.stderr()}`);
}

async function waitReady(port: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 60_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      last = await response.json();
      if (response.status === 200) return last as Record<string, unknown>;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready: ${JSON.stringify(last)}`);
}

describe('every service frame', () => {
  it.each(SERVICES)(
    '%s starts from the build, is healthy and ready, serves metrics, and exits 0 on SIGTERM',
    async (name) => {
      const env = infra();
      const namespace = uniqueNamespace();
      if (CONSUMERS.includes(name)) await createTopics(namespace);
      const running = startService(name, {
        KAFKA_BROKERS: env.KAFKA_BROKERS,
        SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL,
        MONGO_URL: env.MONGO_URL,
        MONGO_DB: 'services_frame_test',
        SMTP_URL: env.SMTP_URL,
        TOPIC_NAMESPACE: namespace,
        OPS_PORT: '0',
        OPS_HOST: '127.0.0.1',
        SHUTDOWN_TIMEOUT_MS: '10000',
        // config-api: its API on a free port, a throwaway encryption key and admin token; the
        // pollers and sync-applier open store credentials with the same key ring.
        HTTP_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
        ADMIN_BOOTSTRAP_TOKEN: 'frame-test-admin-token-0123456789abcdef',
      });
      try {
        const port = await opsPort(running);
        const health = await fetch(`http://127.0.0.1:${port}/healthz`);
        expect(health.status).toBe(200);
        const ready = await waitReady(port);
        expect(ready['status']).toBe('ready');
        const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
        expect(metrics).toContain(`process_cpu_user_seconds_total{service="${name}"}`);
        const group = GROUPS[name];
        if (group) expect(await groupIds()).toContain(`${namespace}${group}`);

        const stopAsked = Date.now();
        running.child.kill('SIGTERM');
        const code = await running.exited;
        // The log's tail says which shutdown step failed or what the stop waited on.
        expect({ code, log: code === 0 ? '' : logTail(running) }).toEqual({ code: 0, log: '' });
        expect(Date.now() - stopAsked).toBeLessThan(10_000);
        expect(running.stdout()).toContain('"msg":"stopped"');
      } finally {
        running.child.kill('SIGKILL');
        if (CONSUMERS.includes(name)) await deleteTopics(namespace);
      }
    },
  );

  it.each(SERVICES)(
    '%s refuses invalid config with one message naming every bad variable',
    async (name) => {
      const running = startService(name, {
        KAFKA_BROKERS: '',
        SCHEMA_REGISTRY_URL: 'not-a-url',
        MONGO_URL: 'postgres://somewhere',
        SMTP_URL: 'mail.example.com',
        OPS_PORT: 'eighty',
      });
      const code = await running.exited;
      expect(code).not.toBe(0);
      const lines = running.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      const message = lines[0]!;
      for (const variable of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'OPS_PORT'])
        expect(message).toContain(variable);
      expect(message).toContain('MONGO_URL');
      if (name === 'reporter') expect(message).toContain('SMTP_URL');
      if (['config-api', 'mirakl-poller', 'shipbob-poller', 'sync-applier'].includes(name))
        expect(message).toContain('ENCRYPTION_KEYS');
      if (name === 'config-api') expect(message).toContain('ADMIN_BOOTSTRAP_TOKEN');
      expect(message).not.toContain('postgres://somewhere');
    },
  );
});
