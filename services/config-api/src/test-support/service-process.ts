import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';

const entryOf = (service: string) =>
  fileURLToPath(new URL(`../../../${service}/dist/main.js`, import.meta.url));

export interface ServiceProcess {
  /** The service's ops address: what config-api's REPORTER_URL or APPLIER_URL names. */
  url: string;
  output(): string;
  /** Stops the process (SIGTERM); the database stays until {@link close}. */
  stop(): Promise<void>;
  /** Stops it and drops its database when it has one of its own. */
  close(): Promise<void>;
}
export type ReporterProcess = ServiceProcess;

interface Infra {
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  MONGO_URL: string;
  SMTP_URL: string;
}

/**
 * The real reporter, started from its build as production runs it (environment only), on the
 * test's topic namespace and a database of its own (`<database>_reporter`); resolves once its ops
 * port answers ready.
 */
export function startReporterProcess(options: {
  /** The one variable taken from the test's environment (nothing else leaks in). */
  path: string;
  infra: Infra;
  namespace: string;
  database: string;
}): Promise<ServiceProcess> {
  return startServiceProcess('reporter', options, {
    database: `${options.database}_reporter`,
    ownDatabase: true,
    env: { SMTP_URL: options.infra.SMTP_URL },
  });
}

/**
 * The real sync-applier, started from its build, on the test's namespace and config-api's own
 * database (it reads the stores there) with config-api's key ring; resolves once ready.
 */
export function startApplierProcess(options: {
  path: string;
  infra: Infra;
  namespace: string;
  database: string;
  /** config-api's `ENCRYPTION_KEYS`. */
  encryptionKeys: string;
  /** More of its settings, e.g. the simulators' addresses (`SHIPBOB_BASE_URL`). */
  env?: Record<string, string>;
}): Promise<ServiceProcess> {
  return startServiceProcess('sync-applier', options, {
    database: options.database,
    ownDatabase: false,
    env: { ...options.env, ENCRYPTION_KEYS: options.encryptionKeys },
  });
}

async function startServiceProcess(
  service: string,
  options: { path: string; infra: Infra; namespace: string },
  own: { database: string; ownDatabase: boolean; env: Record<string, string> },
): Promise<ServiceProcess> {
  const entry = entryOf(service);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const { infra } = options;
  const child = spawn(process.execPath, [entry], {
    env: {
      PATH: options.path,
      KAFKA_BROKERS: infra.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: infra.SCHEMA_REGISTRY_URL,
      MONGO_URL: infra.MONGO_URL,
      MONGO_DB: own.database,
      TOPIC_NAMESPACE: options.namespace,
      ...own.env,
      OPS_PORT: '0',
      OPS_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '10000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const close = async () => {
    await stop();
    if (!own.ownDatabase) return;
    const mongo = new MongoClient(infra.MONGO_URL, { retryWrites: false });
    await mongo.connect();
    await mongo
      .db(own.database)
      .dropDatabase()
      .catch(() => undefined);
    await mongo.close();
  };

  const deadline = Date.now() + 90_000;
  let port: number | undefined;
  while (Date.now() < deadline && child.exitCode === null) {
    port ??= Number(/"msg":"ops endpoint listening"[^\n]*"port":(\d+)/.exec(out)?.[1]) || undefined;
    if (port !== undefined) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return { url: `http://127.0.0.1:${port}`, output: () => out, stop, close };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`the ${service} did not become ready:\n${out}`);
}
