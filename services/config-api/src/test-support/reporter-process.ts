import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';

const ENTRY = fileURLToPath(new URL('../../../reporter/dist/main.js', import.meta.url));

export interface ReporterProcess {
  /** The reporter's ops address: what config-api's REPORTER_URL names. */
  url: string;
  output(): string;
  /** Stops the process (SIGTERM); the database stays until {@link close}. */
  stop(): Promise<void>;
  /** Stops it and drops its database. */
  close(): Promise<void>;
}

/**
 * The real reporter, started from its build as production runs it (environment only), on the
 * test's topic namespace and a database of its own (`<database>_reporter`); resolves once its ops
 * port answers ready.
 */
export async function startReporterProcess(options: {
  /** The one variable taken from the test's environment (nothing else leaks in). */
  path: string;
  infra: {
    KAFKA_BROKERS: string;
    SCHEMA_REGISTRY_URL: string;
    MONGO_URL: string;
    SMTP_URL: string;
  };
  namespace: string;
  database: string;
}): Promise<ReporterProcess> {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` first`);
  const { infra } = options;
  const child = spawn(process.execPath, [ENTRY], {
    env: {
      PATH: options.path,
      KAFKA_BROKERS: infra.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: infra.SCHEMA_REGISTRY_URL,
      MONGO_URL: infra.MONGO_URL,
      MONGO_DB: `${options.database}_reporter`,
      TOPIC_NAMESPACE: options.namespace,
      SMTP_URL: infra.SMTP_URL,
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
    const mongo = new MongoClient(infra.MONGO_URL, { retryWrites: false });
    await mongo.connect();
    await mongo
      .db(`${options.database}_reporter`)
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
  throw new Error(`the reporter did not become ready:\n${out}`);
}
