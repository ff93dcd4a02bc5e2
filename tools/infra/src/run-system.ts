/**
 * `npm start`: the whole system on this machine. Infrastructure up (cached), topics created and
 * schemas registered, the simulators and all six services started from the build and healthy,
 * then one table telling where to look. Ctrl-C stops the services and simulators; the
 * infrastructure keeps running for the next start (`npm run infra -- down` stops it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bootstrapTopics,
  createKafka,
  createPublisher,
  envelope,
  EventCodec,
  registerSchemas,
  RegistryClient,
  type Publisher,
} from '@msync/events';
import { createLogger, errorMessage } from '@msync/platform';
import { context, up } from './infra.js';
import { run } from './exec.js';
import { SERVICE_NAMES } from './services.js';
import { ensureDemoTenant, type DemoTenant } from './demo-tenant.js';
import { ensureDemoStore, type DemoStore } from './demo-store.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SERVICES = SERVICE_NAMES;
const OPS_BASE = Number(process.env['MSYNC_OPS_PORT_BASE'] ?? 9101);
const CONFIG_API_HTTP_PORT = 8081;
/** shipbob-poller's webhook receiver; the ShipBob simulator delivers to it (plain http locally). */
const WEBHOOK_PORT = Number(process.env['MSYNC_WEBHOOK_PORT'] ?? 8092);
// Demo credentials of the simulators (not secrets: they open nothing but the local simulators).
const DEMO = { miraklShopId: 2001, miraklApiKey: 'demo-mirakl-key-2001', shipbobPat: 'sim-pat' };
const MIRAKL_SIM_URL = 'http://127.0.0.1:18090';
/** The demo shop gets a new order this often; the ShipBob simulator labels and ships by itself. */
const NEW_ORDER_EVERY_MS = 20_000;
const SIMULATORS = [
  {
    name: 'mirakl-sim',
    dir: 'sandbox/mirakl-sim',
    port: 18090,
    env: {
      MIRAKL_SIM_PORT: '18090',
      MIRAKL_SIM_SHOPS: `${DEMO.miraklShopId}:${DEMO.miraklApiKey}`,
      MIRAKL_SIM_NEW_ORDER_EVERY_MS: String(NEW_ORDER_EVERY_MS),
      MIRAKL_SIM_NEW_ORDER_SKUS: 'DEMO-SKU-1',
      MIRAKL_SIM_PAYMENT_DELAY_MS: '3000',
    },
  },
  {
    name: 'shipbob-sim',
    dir: 'sandbox/shipbob-sim',
    port: 18091,
    env: {
      SHIPBOB_SIM_PORT: '18091',
      SHIPBOB_SIM_PAT: DEMO.shipbobPat,
      SHIPBOB_SIM_LABEL_AFTER_MS: '5000',
      SHIPBOB_SIM_SHIP_AFTER_MS: '10000',
    },
  },
] as const;

interface LocalSecrets {
  encryptionKeys: string;
  adminToken: string;
  /** The demo tenant's token, printed on every start (issued once, reused while it works). */
  demoTenantToken?: string;
}

const secretsFile = (stateDir: string) => join(stateDir, 'local-secrets.json');

/**
 * The local run's encryption key and admin token: made once and kept with the local data, so
 * secrets stored by an earlier run still decrypt.
 */
function localSecrets(stateDir: string): LocalSecrets {
  const file = secretsFile(stateDir);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  const secrets = {
    encryptionKeys: `local1:${randomBytes(32).toString('base64')}`,
    adminToken: randomBytes(24).toString('base64url'),
  };
  saveLocalSecrets(stateDir, secrets);
  return secrets;
}

function saveLocalSecrets(stateDir: string, secrets: LocalSecrets): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(secretsFile(stateDir), JSON.stringify(secrets), { mode: 0o600 });
}

/** The demo tenant (created on the first start, the same one afterwards), or why not. */
async function demoTenant(stateDir: string, secrets: LocalSecrets): Promise<DemoTenant | string> {
  try {
    const demo = await ensureDemoTenant({
      apiUrl: `http://127.0.0.1:${CONFIG_API_HTTP_PORT}`,
      adminToken: secrets.adminToken,
      savedToken: secrets.demoTenantToken,
    });
    if (demo.token !== secrets.demoTenantToken) {
      saveLocalSecrets(stateDir, { ...secrets, demoTenantToken: demo.token });
    }
    return demo;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const children: { name: string; child: ChildProcess }[] = [];

async function main(): Promise<void> {
  const ctx = context((l) => say(`[infra] ${l}`));
  const started = Date.now();
  const { env } = await up({ ctx });

  say('[build] compiling…');
  await run('npx', ['tsc', '-b'], { cwd: root, label: 'build' });

  const logger = createLogger({ level: 'warn', bindings: { service: 'bootstrap' } });
  const kafka = createKafka({
    brokers: env.KAFKA_BROKERS.split(','),
    clientId: 'bootstrap',
    logger,
  });
  const topics = await bootstrapTopics({ kafka, logger, partitions: 3 });
  const ids = await registerSchemas(new EventCodec(new RegistryClient(env.SCHEMA_REGISTRY_URL)));
  say(
    `[bootstrap] ${topics.created.length + topics.existing.length} topics ready, ${Object.keys(ids).length} schemas registered`,
  );

  for (const sim of SIMULATORS) {
    const entry = `${root}${sim.dir}/dist/main.js`;
    if (existsSync(entry)) start(sim.name, entry, sim.env);
  }
  const secrets = localSecrets(ctx.state);
  const perService: Partial<Record<(typeof SERVICES)[number], Record<string, string>>> = {
    'config-api': {
      HTTP_PORT: String(CONFIG_API_HTTP_PORT),
      HTTP_HOST: '127.0.0.1',
      ENCRYPTION_KEYS: secrets.encryptionKeys,
      ADMIN_BOOTSTRAP_TOKEN: secrets.adminToken,
      MIRAKL_TRUSTED_ORIGINS: 'http://127.0.0.1:18090',
      SHIPBOB_BASE_URL: 'http://127.0.0.1:18091',
      // Stores with Sync Tracking get a webhook subscription pointing at shipbob-poller.
      PUBLIC_WEBHOOK_BASE_URL: `http://127.0.0.1:${WEBHOOK_PORT}`,
    },
    // The pollers open the stores' credentials with config-api's key ring and call the simulators.
    'mirakl-poller': {
      ENCRYPTION_KEYS: secrets.encryptionKeys,
      MIRAKL_TRUSTED_HOSTS: '127.0.0.1',
    },
    'shipbob-poller': {
      ENCRYPTION_KEYS: secrets.encryptionKeys,
      SHIPBOB_BASE_URL: 'http://127.0.0.1:18091',
      WEBHOOK_PORT: String(WEBHOOK_PORT),
      WEBHOOK_HOST: '127.0.0.1',
    },
    'sync-applier': {
      // The same key ring as config-api: the applier opens the stores' credentials (ADR 0041).
      ENCRYPTION_KEYS: secrets.encryptionKeys,
      MIRAKL_TRUSTED_ORIGINS: 'http://127.0.0.1:18090',
      SHIPBOB_BASE_URL: 'http://127.0.0.1:18091',
    },
  };
  SERVICES.forEach((name, i) =>
    start(name, `${root}services/${name}/dist/main.js`, {
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL,
      MONGO_URL: env.MONGO_URL,
      SMTP_URL: env.SMTP_URL,
      OPS_PORT: String(OPS_BASE + i),
      OPS_HOST: '127.0.0.1',
      ...perService[name],
    }),
  );
  await Promise.all(SERVICES.map((name, i) => waitReady(name, OPS_BASE + i)));
  const demo = await demoTenant(ctx.state, secrets);
  const store = typeof demo === 'string' ? demo : await demoStore(demo);
  if (typeof store !== 'string') {
    const codec = new EventCodec(new RegistryClient(env.SCHEMA_REGISTRY_URL));
    const publisher = createPublisher({ kafka, codec, logger });
    await publisher.connect();
    await requestFirstPolls(publisher, store.storeId);
    await publisher.disconnect();
  }

  const rows = [
    ['config-api UI', `http://127.0.0.1:${CONFIG_API_HTTP_PORT}/  (sign in with a token below)`],
    ['  admin token', `${secrets.adminToken}  (tenants, tokens, every store)`],
    [
      '  tenant token',
      typeof demo === 'string'
        ? `none: ${demo}`
        : `${demo.token}  (tenant "${demo.tenantName}": Integrate New Store)`,
    ],
    [
      '  demo store',
      typeof store === 'string'
        ? `none: ${store}`
        : `${store.name} (${store.storeId}): Order Sync and Tracking on, polled every minute, ` +
          'labels pushed by webhook',
    ],
    ['  webhooks', `http://127.0.0.1:${WEBHOOK_PORT}/webhooks/shipbob/<storeId> (shipbob-poller)`],
    ['  demo Mirakl shop', `URL ${MIRAKL_SIM_URL}, API key ${DEMO.miraklApiKey}`],
    ['  demo ShipBob PAT', DEMO.shipbobPat],
    [
      '  orders',
      `a new one every ${NEW_ORDER_EVERY_MS / 1000} s in the Mirakl simulator; ` +
        `${MIRAKL_SIM_URL}/_sim/shops/${DEMO.miraklShopId} shows their states`,
    ],
    ['  outcomes', '`npm run -s stream -- tail syncOutcome` (accepted, created, shipped)'],
    ...SERVICES.map((name, i) => [
      name,
      `http://127.0.0.1:${OPS_BASE + i}/readyz  (/metrics, /healthz)`,
    ]),
    ...SIMULATORS.filter((s) => children.some((c) => c.name === s.name)).map((s) => [
      s.name,
      `http://127.0.0.1:${s.port}`,
    ]),
    ['kafka', env.KAFKA_BROKERS],
    ['schema registry', env.SCHEMA_REGISTRY_URL],
    ['mongodb', env.MONGO_URL],
    ['mail (Mailpit UI)', env.MAILPIT_URL ?? env.SMTP_URL],
    ['logs', `this terminal (services) and ${ctx.state}/logs (infrastructure)`],
  ];
  say(`\nThe system is up in ${((Date.now() - started) / 1000).toFixed(0)} s. Where to look:`);
  for (const [name, where] of rows) say(`  ${name!.padEnd(19)} ${where}`);
  say('\nCtrl-C stops the services; `npm run infra -- down` stops the infrastructure.');
}

/** The demo store, connected and configured through config-api's API, or why not. */
async function demoStore(tenant: DemoTenant): Promise<DemoStore | string> {
  try {
    return await ensureDemoStore({
      apiUrl: `http://127.0.0.1:${CONFIG_API_HTTP_PORT}`,
      token: tenant.token,
      miraklUrl: MIRAKL_SIM_URL,
      miraklApiKey: DEMO.miraklApiKey,
      shipbobPat: DEMO.shipbobPat,
      pollIntervalMinutes: 1,
    });
  } catch (error) {
    return errorMessage(error);
  }
}

/**
 * One poll of the demo store's orders and shipments now: a restarted run shows progress at once
 * instead of when the scheduler's minute comes round (a newly connected store is polled at once
 * anyway).
 */
async function requestFirstPolls(publisher: Publisher, storeId: string): Promise<void> {
  for (const [system, stream] of [
    ['MIRAKL', 'orders'],
    ['SHIPBOB', 'shipments'],
  ] as const) {
    const now = new Date();
    await publisher.publish('pollRequested', {
      envelope: envelope({
        storeId,
        idempotencyKey: `npm-start:${storeId}:${stream}:${now.toISOString()}`,
        source: 'npm-start',
        occurredAt: now,
        observedAt: now,
        correlationId: randomUUID(),
      }),
      system,
      stream,
      reason: 'manual',
      since: null,
    });
  }
}

function start(name: string, entry: string, env: Record<string, string>): void {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}] `;
  const forward = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) stream.write(`${prefix}${line}\n`);
  };
  child.stdout.on('data', forward(process.stdout));
  child.stderr.on('data', forward(process.stderr));
  child.on('exit', (code, signal) => {
    if (!stopping) say(`${prefix}exited (${code ?? signal}); stopping everything`);
    if (!stopping) void stop(1);
  });
  children.push({ name, child });
}

async function waitReady(name: string, port: number): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${name} did not become ready on port ${port}`);
}

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const { child } of children) child.kill('SIGTERM');
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r))),
    ),
  );
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
main().catch((error: unknown) => {
  say(`could not start the system: ${errorMessage(error)}`);
  void stop(1);
});
