/**
 * `npm start`: the whole system on this machine. Infrastructure up (cached), topics created and
 * schemas registered, the simulators and all six services started from the build and healthy,
 * then one table telling where to look. Ctrl-C stops the services and simulators; the
 * infrastructure keeps running for the next start (`npm run infra -- down` stops it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafka, createPublisher, EventCodec, RegistryClient } from '@msync/events';
import { createLogger, errorMessage } from '@msync/platform';
import { context, up } from './infra.js';
import { run } from './exec.js';
import { SERVICE_NAMES, serviceProcessEnv } from './services.js';
import {
  demoRows,
  demoSimulatorEnv,
  LOCAL_PARTITIONS,
  MIRAKL_SIM_PORT,
  newLocalSecrets,
  prepareBackbone,
  setUpDemo,
  SHIPBOB_SIM_PORT,
  type DemoSetup,
  type LocalSecrets as Secrets,
} from './demo.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SERVICES = SERVICE_NAMES;
const OPS_BASE = Number(process.env['MSYNC_OPS_PORT_BASE'] ?? 9101);
const CONFIG_API_HTTP_PORT = 8081;
const MIRAKL_SIM_URL = `http://127.0.0.1:${MIRAKL_SIM_PORT}`;
const SHIPBOB_SIM_URL = `http://127.0.0.1:${SHIPBOB_SIM_PORT}`;
const simulatorEnv = demoSimulatorEnv('127.0.0.1');
/** shipbob-poller's webhook receiver; the ShipBob simulator delivers to it (plain http locally). */
const WEBHOOK_PORT = Number(process.env['MSYNC_WEBHOOK_PORT'] ?? 8092);
const SIMULATORS = [
  { name: 'mirakl-sim', dir: 'sandbox/mirakl-sim', port: MIRAKL_SIM_PORT },
  { name: 'shipbob-sim', dir: 'sandbox/shipbob-sim', port: SHIPBOB_SIM_PORT },
] as const;

interface LocalSecrets extends Secrets {
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
  const secrets = newLocalSecrets();
  saveLocalSecrets(stateDir, secrets);
  return secrets;
}

function saveLocalSecrets(stateDir: string, secrets: LocalSecrets): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(secretsFile(stateDir), JSON.stringify(secrets), { mode: 0o600 });
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
  const backbone = await prepareBackbone({
    kafka,
    schemaRegistryUrl: env.SCHEMA_REGISTRY_URL,
    logger,
    partitions: LOCAL_PARTITIONS,
  });
  say(`[bootstrap] ${backbone.topics} topics ready, ${backbone.schemas} schemas registered`);

  for (const sim of SIMULATORS) {
    const entry = `${root}${sim.dir}/dist/main.js`;
    if (existsSync(entry)) start(sim.name, entry, simulatorEnv[sim.name]);
  }
  const secrets = localSecrets(ctx.state);
  const perService: Partial<Record<(typeof SERVICES)[number], Record<string, string>>> = {
    'config-api': {
      HTTP_PORT: String(CONFIG_API_HTTP_PORT),
      HTTP_HOST: '127.0.0.1',
      ENCRYPTION_KEYS: secrets.encryptionKeys,
      ADMIN_BOOTSTRAP_TOKEN: secrets.adminToken,
      MIRAKL_TRUSTED_ORIGINS: MIRAKL_SIM_URL,
      SHIPBOB_BASE_URL: SHIPBOB_SIM_URL,
      // Stores with Sync Tracking get a webhook subscription pointing at shipbob-poller.
      PUBLIC_WEBHOOK_BASE_URL: `http://127.0.0.1:${WEBHOOK_PORT}`,
      // Report preview, test send and history are the reporter's ops routes (ADR 0072).
      REPORTER_URL: `http://127.0.0.1:${OPS_BASE + SERVICES.indexOf('reporter')}`,
      // The seller's catalog view is the applier's ops routes (ADR 0089).
      APPLIER_URL: `http://127.0.0.1:${OPS_BASE + SERVICES.indexOf('sync-applier')}`,
    },
    // The pollers open the stores' credentials with config-api's key ring and call the simulators.
    'mirakl-poller': {
      ENCRYPTION_KEYS: secrets.encryptionKeys,
      MIRAKL_TRUSTED_HOSTS: '127.0.0.1',
    },
    'shipbob-poller': {
      ENCRYPTION_KEYS: secrets.encryptionKeys,
      SHIPBOB_BASE_URL: SHIPBOB_SIM_URL,
      WEBHOOK_PORT: String(WEBHOOK_PORT),
      WEBHOOK_HOST: '127.0.0.1',
    },
    'sync-applier': {
      // The same key ring as config-api: the applier opens the stores' credentials (ADR 0041).
      ENCRYPTION_KEYS: secrets.encryptionKeys,
      MIRAKL_TRUSTED_ORIGINS: MIRAKL_SIM_URL,
      SHIPBOB_BASE_URL: SHIPBOB_SIM_URL,
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
      // The heap limits and malloc settings it is deployed with (ADR 0122, 0133); an operator's
      // own NODE_OPTIONS come after them and win.
      ...serviceProcessEnv(name, process.env['NODE_OPTIONS']),
      ...perService[name],
    }),
  );
  await Promise.all(SERVICES.map((name, i) => waitReady(name, OPS_BASE + i)));
  const demo = await demoSetup(ctx.state, secrets, kafka, env.SCHEMA_REGISTRY_URL, logger);

  const rows = [
    ['config-api UI', `http://127.0.0.1:${CONFIG_API_HTTP_PORT}/  (sign in with a token below)`],
    ...demoRows(demo, secrets.adminToken, MIRAKL_SIM_URL),
    ['  webhooks', `http://127.0.0.1:${WEBHOOK_PORT}/webhooks/shipbob/<storeId> (shipbob-poller)`],
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

/** The demo tenant and store (the tenant's token kept with the local secrets for the next start). */
async function demoSetup(
  stateDir: string,
  secrets: LocalSecrets,
  kafka: ReturnType<typeof createKafka>,
  schemaRegistryUrl: string,
  logger: ReturnType<typeof createLogger>,
): Promise<DemoSetup> {
  const publisher = createPublisher({
    kafka,
    codec: new EventCodec(new RegistryClient(schemaRegistryUrl)),
    logger,
  });
  await publisher.connect();
  try {
    const demo = await setUpDemo({
      apiUrl: `http://127.0.0.1:${CONFIG_API_HTTP_PORT}`,
      adminToken: secrets.adminToken,
      savedTenantToken: secrets.demoTenantToken,
      miraklUrl: MIRAKL_SIM_URL,
      publisher,
    });
    if (typeof demo.tenant !== 'string' && demo.tenant.token !== secrets.demoTenantToken) {
      saveLocalSecrets(stateDir, { ...secrets, demoTenantToken: demo.tenant.token });
    }
    return demo;
  } finally {
    await publisher.disconnect();
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
