import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../../../reporter/dist/main.js', import.meta.url));

export interface ReporterProcess {
  /** The reporter's ops address: what config-api's REPORTER_URL names. */
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * The real reporter, started from its build as production runs it (environment only), on the
 * test's topic namespace and its own database; resolves once its ops port answers ready.
 */
export async function startReporterProcess(env: {
  /** The one variable taken from the test's environment (nothing else leaks in). */
  PATH: string;
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  MONGO_URL: string;
  MONGO_DB: string;
  TOPIC_NAMESPACE: string;
  SMTP_URL: string;
}): Promise<ReporterProcess> {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [ENTRY], {
    env: {
      ...env,
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

  const deadline = Date.now() + 90_000;
  let port: number | undefined;
  while (Date.now() < deadline && child.exitCode === null) {
    port ??= Number(/"msg":"ops endpoint listening"[^\n]*"port":(\d+)/.exec(out)?.[1]) || undefined;
    if (port !== undefined) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return { url: `http://127.0.0.1:${port}`, output: () => out, stop };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`the reporter did not become ready:\n${out}`);
}
