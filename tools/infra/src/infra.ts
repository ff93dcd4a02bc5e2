import { mkdirSync, writeFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  components,
  componentsFor,
  readPid,
  runningMongoBackend,
  type Component,
  type Context,
} from './components.js';
import { cacheDir, mongoBackend, ports, stateDir } from './paths.js';

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
  return {
    cache: cacheDir(env),
    state: stateDir(env),
    ports: ports(env),
    log,
    mongoBackend: mongoBackend(env),
  };
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
  const wanted = componentsFor(ctx);
  const local = wanted.filter((c) => !env[c.envVar]);
  const started: Component['name'][] = [];

  if (local.length > 0) {
    mkdirSync(ctx.state, { recursive: true });
    await withLock(join(ctx.state, 'up.lock'), async () => {
      // Install everything first (downloads and builds in parallel), then start what is not up.
      await Promise.all(local.map((c) => c.install(ctx)));
      const toStart: Component[] = [];
      const answered = new Set<Component>();
      for (const c of local) if (!(await c.healthy(ctx))) toStart.push(c);
      for (const c of toStart) {
        const required = toStart.find((r) => r.name === c.requires);
        if (required && !answered.has(required)) {
          await waitHealthy(ctx, required, options.timeoutMs ?? 120_000);
          answered.add(required);
        }
        ctx.log(`starting ${c.name}…`);
        const pid = await c.start(ctx);
        writeFileSync(pidFile(ctx, c), String(pid));
        started.push(c.name);
      }
      await Promise.all(
        toStart
          .filter((c) => !answered.has(c))
          .map((c) => waitHealthy(ctx, c, options.timeoutMs ?? 120_000)),
      );
      if (local.some((c) => c.name === 'mongo') && !started.includes('mongo'))
        warnOnOtherBackend(ctx);
    });
  }

  const result = resolveEnv(ctx, env);
  return { env: result, started, mode: local.length === 0 ? 'env' : 'local' };
}

/** A FerretDB already running is kept, whatever its backend: says so when it is not the one asked. */
function warnOnOtherBackend(ctx: Context): void {
  const wanted = ctx.mongoBackend ?? 'sqlite';
  const running = runningMongoBackend(ctx);
  if (running && running !== wanted)
    ctx.log(
      `the running FerretDB uses ${running}, not ${wanted}: run \`npm run infra -- down\` first to switch`,
    );
}

/** The connection variables: those set in `env`, local defaults for the rest. Starts nothing. */
export function resolveEnv(ctx: Context, env: NodeJS.ProcessEnv = process.env): InfraEnv {
  const url = (name: Component['name']) => {
    const c = components.find((candidate) => candidate.name === name)!;
    return env[c.envVar] ?? c.url(ctx);
  };
  const result: InfraEnv = {
    KAFKA_BROKERS: url('kafka'),
    SCHEMA_REGISTRY_URL: url('registry'),
    MONGO_URL: url('mongo'),
    SMTP_URL: url('smtp'),
  };
  const mailpit =
    env['MAILPIT_URL'] ??
    (!env['SMTP_URL'] ? `http://127.0.0.1:${ctx.ports.mailpitHttp}` : undefined);
  if (mailpit) result.MAILPIT_URL = mailpit;
  return result;
}

/**
 * Waits until `c` answers: `timeoutMs`, or the component's own longer start time; says every
 * 30 s that it is still waiting, so a slow start is not mistaken for a hang.
 */
export async function waitHealthy(
  ctx: Context,
  c: Component,
  givenTimeoutMs: number,
): Promise<void> {
  const timeoutMs = Math.max(givenTimeoutMs, c.startTimeoutMs ?? 0);
  const started = Date.now();
  const deadline = started + timeoutMs;
  let nextNotice = started + 30_000;
  const pid = readPid(pidFile(ctx, c));
  while (Date.now() < deadline) {
    if (await c.healthy(ctx)) {
      ctx.log(`${c.name} is up`);
      return;
    }
    if (pid !== undefined && !alive(pid)) {
      throw new Error(`${c.name} exited during start; see ${c.logFile(ctx)}`);
    }
    if (Date.now() >= nextNotice) {
      ctx.log(
        `${c.name} is still starting after ${Math.round((Date.now() - started) / 1000)} s (waiting up to ${timeoutMs / 1000} s; log: ${c.logFile(ctx)})`,
      );
      nextNotice += 30_000;
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
  // Reverse order: FerretDB before its PostgreSQL, Kafka last.
  for (const c of [...components].reverse()) {
    if (options.only && !options.only.includes(c.name)) continue;
    const file = pidFile(ctx, c);
    const pid = readPid(file);
    if (pid === undefined) continue;
    if (await stopProcess(pid, c.stopSignal)) stopped.push(c.name);
    rmSync(file, { force: true });
  }
  return stopped;
}

/** Health of every component, for `status`. */
export async function status(
  ctx: Context = context(),
): Promise<{ name: string; url: string; healthy: boolean; pid?: number }[]> {
  return Promise.all(
    componentsFor(ctx).map(async (c) => {
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
export async function stopProcess(pid: number, stopSignal?: NodeJS.Signals): Promise<boolean> {
  if (!alive(pid)) return false;
  // A server with a signal of its own (PostgreSQL: SIGINT, a fast clean shutdown) gets it alone.
  if (stopSignal) signalProcess(pid, stopSignal);
  else signalGroup(pid, 'SIGTERM');
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

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
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
