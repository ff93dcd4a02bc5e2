import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { kafka, mongo, readPid, registry, type Component, type Context } from './components.js';
import { pidFile, stopProcess, waitHealthy, type InfraEnv } from './infra.js';
import { cacheDir, freePort, listenOnce, type Ports } from './paths.js';

// A second, private set of the servers the product needs (Kafka, Apicurio Registry, FerretDB) on
// their own ports and state folder, for tests that stop and restart a server while a flow runs:
// the shared servers other tests use are never touched. Data is kept across a component's
// stop/start (Kafka's KRaft log dir, the registry's H2 file, FerretDB's SQLite files), so a
// restarted broker still has its topics and committed offsets.

/** One server of a private set: stopped and started on its own. */
export interface ComponentHandle {
  readonly name: Component['name'];
  /** The connection string the services are given. */
  readonly url: string;
  /** Starts the server (when not running) and waits until it answers. */
  start(): Promise<void>;
  /** SIGTERM (SIGKILL after 20 s); resolves once the process is gone. Data is kept. */
  stop(): Promise<void>;
  healthy(): Promise<boolean>;
}

export interface PrivateInfra {
  env: Pick<InfraEnv, 'KAFKA_BROKERS' | 'SCHEMA_REGISTRY_URL' | 'MONGO_URL'>;
  ports: Pick<Ports, 'kafka' | 'kafkaController' | 'registry' | 'mongo'>;
  stateDir: string;
  kafka: ComponentHandle;
  registry: ComponentHandle;
  mongo: ComponentHandle;
  /** Stops every server; with `removeState`, deletes the state folder too. */
  close(options?: { removeState?: boolean }): Promise<void>;
}

export interface PrivateInfraOptions {
  /** Data, logs and pid files of this set; must not be the shared state folder. */
  stateDir: string;
  /** Fixed ports; those not given are picked free. */
  ports?: Partial<PrivateInfra['ports']>;
  /** Where the downloads and builds are cached (default: the shared cache). */
  cacheDir?: string;
  log?: (line: string) => void;
  /** How long a server may take to answer after a start. */
  timeoutMs?: number;
}

/**
 * Installs (cached) and starts a private Kafka (KRaft), Apicurio Registry and FerretDB; returns
 * their connection variables and a handle per server to stop and start it.
 */
export async function startPrivateInfra(options: PrivateInfraOptions): Promise<PrivateInfra> {
  const given = options.ports ?? {};
  const taken = new Set<number>(Object.values(given));
  const ports = {
    kafka: given.kafka ?? (await portNotTaken(taken)),
    kafkaController: given.kafkaController ?? (await portNotTaken(taken)),
    // Apicurio's management interface listens on the HTTP port + 1000.
    registry: given.registry ?? (await portNotTaken(taken, 1000)),
    mongo: given.mongo ?? (await portNotTaken(taken)),
  };
  const ctx: Context = {
    cache: options.cacheDir ?? cacheDir(),
    state: options.stateDir,
    // SMTP and PostgreSQL are not part of a private set (FerretDB runs on SQLite): never used.
    ports: { ...ports, smtp: 0, mailpitHttp: 0, postgresql: 0 },
    log: options.log ?? (() => undefined),
  };
  mkdirSync(ctx.state, { recursive: true });
  const timeoutMs = options.timeoutMs ?? 180_000;

  const handle = (c: Component): ComponentHandle => ({
    name: c.name,
    url: c.url(ctx),
    async start() {
      if (await c.healthy(ctx)) return;
      const pid = readPid(pidFile(ctx, c));
      if (pid !== undefined) await stopProcess(pid);
      ctx.log(`starting private ${c.name}…`);
      writeFileSync(pidFile(ctx, c), String(await c.start(ctx)));
      await waitHealthy(ctx, c, timeoutMs);
    },
    async stop() {
      const pid = readPid(pidFile(ctx, c));
      if (pid !== undefined) await stopProcess(pid);
      rmSync(pidFile(ctx, c), { force: true });
    },
    healthy: () => c.healthy(ctx),
  });
  const handles = { kafka: handle(kafka), registry: handle(registry), mongo: handle(mongo) };
  const all = [handles.kafka, handles.registry, handles.mongo];

  const close: PrivateInfra['close'] = async ({ removeState = false } = {}) => {
    for (const h of [...all].reverse()) await h.stop();
    if (removeState) rmSync(ctx.state, { recursive: true, force: true });
  };
  try {
    await Promise.all([kafka, registry, mongo].map((c) => c.install(ctx)));
    // Started together: the registry keeps its schemas in its own file, not in Kafka.
    await Promise.all(all.map((h) => h.start()));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    env: {
      KAFKA_BROKERS: handles.kafka.url,
      SCHEMA_REGISTRY_URL: handles.registry.url,
      MONGO_URL: handles.mongo.url,
    },
    ports,
    stateDir: ctx.state,
    ...handles,
    close,
  };
}

/**
 * A port nothing listens on (nor on port + `alsoFree`, when given), not in `taken`. Picked below
 * the kernel's ephemeral range ({@link freePort}): while a server is stopped, no outgoing
 * connection takes its port.
 */
async function portNotTaken(taken: Set<number>, alsoFree?: number): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (taken.has(port)) continue;
    if (alsoFree !== undefined) {
      if (taken.has(port + alsoFree)) continue;
      if ((await listenOnce(port + alsoFree)) === undefined) continue;
    }
    taken.add(port);
    if (alsoFree !== undefined) taken.add(port + alsoFree);
    return port;
  }
}
