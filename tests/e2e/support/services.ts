import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serviceProcessEnv, type ServiceName } from '@msync/infra';

// The services as they run in production: each one a process started from its build, configured
// by environment variables only, found through the ports it announces in its log.

const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** The port of a `"msg":"<message>"` log line's `port` field (e.g. `ops endpoint listening`). */
  announcedPort(message: string): Promise<number>;
  /** The sum of a metric's samples on the ops port that carry these labels (0 when none). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** {@link ServiceProcess.metric} of each query, from one scrape of the ops port. */
  metrics(queries: readonly MetricQuery[]): Promise<number[]>;
  /** Each sample of a metric on the ops port: its labels and its value. */
  samples(name: string): Promise<MetricSample[]>;
  /** SIGTERM, then SIGKILL after 15 s: the graceful shutdown a deployment asks for. */
  stop(): Promise<void>;
  /** SIGKILL, no warning: a crash. Resolves once the process is gone. */
  kill(): Promise<void>;
}

export interface MetricQuery {
  name: string;
  labels?: Record<string, string>;
}

export interface MetricSample {
  labels: Record<string, string>;
  value: number;
}

/** A metric's samples in a Prometheus text exposition. */
export function samplesOf(text: string, metricName: string): MetricSample[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${metricName}{`) || l.startsWith(`${metricName} `))
    .map((l) => {
      const open = l.indexOf('{');
      const close = l.lastIndexOf('}');
      const labels = Object.fromEntries(
        open === metricName.length && close > open
          ? [...l.slice(open + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
              m[1]!,
              m[2]!,
            ])
          : [],
      );
      return { labels, value: Number(l.slice(l.lastIndexOf(' ') + 1)) };
    });
}

/** The sum of a metric's samples in an exposition that carry these labels (0 when none). */
export function sumOf(text: string, query: MetricQuery): number {
  const wanted = Object.entries(query.labels ?? {});
  return samplesOf(text, query.name)
    .filter((sample) => wanted.every(([k, v]) => sample.labels[k] === v))
    .reduce((sum, sample) => sum + sample.value, 0);
}

export async function startService(
  name: ServiceName,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const entry = `${root}services/${name}/dist/main.js`;
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [entry], {
    // Only what the caller gives (PATH included): nothing leaks in from the test's environment.
    // The heap limits and malloc settings it is deployed with (ADR 0122, 0133): a service runs
    // here as it is deployed.
    env: { OPS_PORT: '0', OPS_HOST: '127.0.0.1', ...serviceProcessEnv(name), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const gone = () => child.exitCode !== null || child.signalCode !== null;

  const announcedPort = async (message: string): Promise<number> => {
    const pattern = new RegExp(`"msg":"${message}"[^\\n]*"port":(\\d+)`);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const match = pattern.exec(out);
      if (match) return Number(match[1]);
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${name} did not announce "${message}":\n${out}`);
  };
  const opsPort = await announcedPort('ops endpoint listening');
  await waitReady(name, opsPort, () => out);
  const scrape = () => fetch(`http://127.0.0.1:${opsPort}/metrics`).then((r) => r.text());
  const samples = async (metricName: string) => samplesOf(await scrape(), metricName);

  return {
    name,
    child,
    output: () => out,
    exited,
    announcedPort,
    metric: async (metricName, labels = {}) => sumOf(await scrape(), { name: metricName, labels }),
    metrics: async (queries) => {
      const text = await scrape();
      return queries.map((query) => sumOf(text, query));
    },
    samples,
    stop: async () => {
      if (gone()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (gone()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function waitReady(name: string, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${name} did not become ready on port ${port} (last /readyz: ${last}):\n${output()}`,
  );
}
