import { mkdirSync, writeFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { components, readPid, type Component, type Context } from './components.js';
import { cacheDir, ports, stateDir } from './paths.js';

/** Connection variables of the four servers the product needs. */
export interface InfraEnv {
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  MONGO_URL: string;
  SMTP_URL: string;
  /** Mailpit's HTTP API, when the local SMTP server is Mailpit (mail inspection in tests). */
  MAILPIT_URL?: string;
}

export interface UpResult {
  env: InfraEnv;
  /** Components this call started (the rest were given by env or already running). */
  started: Component['name'][];
  mode: 'env' | 'local' | 'docker';
}

export function context(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  env = process.env,
): Context {
  return { cache: cacheDir(env), state: stateDir(env), ports: ports(env), log };
}

export const pidFile = (ctx: Context, c: Component) => join(ctx.state, `${c.name}.pid`);

/** True when a Docker engine answers (not merely a docker client on PATH). */
export function dockerEngineAnswers(): boolean {
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    encoding: 'utf8',
    timeout: 5_000,
  });
  return !result.error && result.status === 0 && result.stdout.trim().length > 0;
}

/**
 * Makes the four servers available: variables already set in the environment are used as they
 * are; the rest are installed (cached) and started locally, unless already running.
 */
export async function up(
  options: { ctx?: Context; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<UpResult> {
  const ctx = options.ctx ?? context();
  const env = options.env ?? process.env;
  const given = components.filter((c) => env[c.envVar]);
  const local = components.filter((c) => !env[c.envVar]);
  const started: Component['name'][] = [];

  if (local.length > 0) {
    mkdirSync(ctx.state, { recursive: true });
    await withLock(join(ctx.state, 'up.lock'), async () => {
      // Install everything first (downloads and builds in parallel), then start what is not up.
      await Promise.all(local.map((c) => c.install(ctx)));
      const toStart: Component[] = [];
      for (const c of local) if (!(await c.healthy(ctx))) toStart.push(c);
      for (const c of toStart) {
        ctx.log(`starting ${c.name}…`);
        const pid = await c.start(ctx);
        writeFileSync(pidFile(ctx, c), String(pid));
        started.push(c.name);
      }
      await Promise.all(toStart.map((c) => waitHealthy(ctx, c, options.timeoutMs ?? 120_000)));
    });
  }

  const result = resolveEnv(ctx, env);
  return { env: result, started, mode: given.length === components.length ? 'env' : 'local' };
}

/** The connection variables: those set in `env`, local defaults for the rest. Starts nothing. */
export function resolveEnv(ctx: Context, env: NodeJS.ProcessEnv = process.env): InfraEnv {
  const resolved = (c: Component) => env[c.envVar] ?? c.url(ctx);
  const [k, r, m, s] = components;
  const result: InfraEnv = {
    KAFKA_BROKERS: resolved(k!),
    SCHEMA_REGISTRY_URL: resolved(r!),
    MONGO_URL: resolved(m!),
    SMTP_URL: resolved(s!),
  };
  const mailpit =
    env['MAILPIT_URL'] ??
    (!env['SMTP_URL'] ? `http://127.0.0.1:${ctx.ports.mailpitHttp}` : undefined);
  if (mailpit) result.MAILPIT_URL = mailpit;
  return result;
}

export async function waitHealthy(ctx: Context, c: Component, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pid = readPid(pidFile(ctx, c));
  while (Date.now() < deadline) {
    if (await c.healthy(ctx)) {
      ctx.log(`${c.name} is up`);
      return;
    }
    if (pid !== undefined && !alive(pid)) {
      throw new Error(`${c.name} exited during start; see ${c.logFile(ctx)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `${c.name} did not become healthy within ${timeoutMs} ms; see the logs under ${join(ctx.state, 'logs')}`,
  );
}

/** Stops the servers started by `up` (those with pid files); data is kept. */
export async function down(
  options: { ctx?: Context; only?: Component['name'][] } = {},
): Promise<Component['name'][]> {
  const ctx = options.ctx ?? context();
  const stopped: Component['name'][] = [];
  // Reverse order: clients of Kafka (none among these) first, Kafka last.
  for (const c of [...components].reverse()) {
    if (options.only && !options.only.includes(c.name)) continue;
    const file = pidFile(ctx, c);
    const pid = readPid(file);
    if (pid === undefined) continue;
    if (await stopProcess(pid)) stopped.push(c.name);
    rmSync(file, { force: true });
  }
  return stopped;
}

/** Health of every component, for `status`. */
export async function status(
  ctx: Context = context(),
): Promise<{ name: string; url: string; healthy: boolean; pid?: number }[]> {
  return Promise.all(
    components.map(async (c) => {
      const pid = readPid(pidFile(ctx, c));
      return {
        name: c.name,
        url: c.url(ctx),
        healthy: await c.healthy(ctx),
        ...(pid !== undefined ? { pid } : {}),
      };
    }),
  );
}

/** SIGTERM to the process group, SIGKILL after 20 s; true when the process was running. */
export async function stopProcess(pid: number): Promise<boolean> {
  if (!alive(pid)) return false;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (alive(pid)) signalGroup(pid, 'SIGKILL');
  const killed = Date.now() + 5_000;
  while (alive(pid) && Date.now() < killed) await new Promise((r) => setTimeout(r, 100));
  return true;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * A cross-process lock (mkdir is atomic). A lock whose holder is gone (killed mid-start) or that
 * is older than 15 minutes is broken.
 */
async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 15 * 60_000;
  const owner = join(path, 'pid');
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(owner, String(process.pid));
      break;
    } catch {
      const holder = readPid(owner);
      const stale = existsSync(path) && Date.now() - statSync(path).mtimeMs > 15 * 60_000;
      if (stale || (holder !== undefined && !alive(holder)))
        rmSync(path, { recursive: true, force: true });
      else if (
        holder === undefined &&
        existsSync(path) &&
        Date.now() - statSync(path).mtimeMs > 5_000
      )
        rmSync(path, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`could not take the lock ${path}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

/** Renders variables as `export NAME=value` lines for `eval "$(npm run -s infra env)"`. */
export function renderEnv(env: InfraEnv): string {
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${String(v)}`)
    .join('\n');
}
