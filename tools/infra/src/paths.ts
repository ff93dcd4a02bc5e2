import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const VERSIONS = {
  kafka: '4.1.2',
  apicurio: '3.3.3',
  ferretdb: 'v1.24.2',
  mailpit: 'v1.33.1',
  slf4j: '1.7.36',
} as const;

/** Where downloads and builds are cached: outside the clone, shared by every checkout. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env['MSYNC_CACHE_DIR'] ??
    join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'mirakl-shipbob-sync')
  );
}

/** Where running servers keep their data, logs and pid files. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['MSYNC_STATE_DIR'] ?? join(cacheDir(env), 'state');
}

export interface Ports {
  kafka: number;
  kafkaController: number;
  registry: number;
  mongo: number;
  smtp: number;
  mailpitHttp: number;
  /** FerretDB's PostgreSQL, when FerretDB runs on its PostgreSQL backend. */
  postgresql: number;
}

/** FerretDB's storage: SQLite (the default, one file per database) or PostgreSQL. */
export type MongoBackend = 'sqlite' | 'postgresql';
export const MONGO_BACKENDS: readonly MongoBackend[] = ['sqlite', 'postgresql'];

/** `MSYNC_MONGO_BACKEND`, `sqlite` when unset; anything else is refused. */
export function mongoBackend(env: NodeJS.ProcessEnv = process.env): MongoBackend {
  const value = env['MSYNC_MONGO_BACKEND'] ?? 'sqlite';
  const backend = MONGO_BACKENDS.find((b) => b === value);
  if (!backend)
    throw new Error(
      `MSYNC_MONGO_BACKEND=${value} is not a FerretDB backend here; use ${MONGO_BACKENDS.join(' or ')}`,
    );
  return backend;
}

/** Fixed local ports (uncommon ones, so they do not collide with servers a developer runs). */
export function ports(env: NodeJS.ProcessEnv = process.env): Ports {
  const base = Number(env['MSYNC_PORT_BASE'] ?? 0);
  return {
    kafka: 19092 + base,
    kafkaController: 19093 + base,
    registry: 18081 + base,
    mongo: 27018 + base,
    smtp: 11025 + base,
    mailpitHttp: 18025 + base,
    postgresql: 15432 + base,
  };
}

/**
 * A local port nothing listens on right now (for a server of a test's or a bench's own, told its
 * port ahead). Picked below the kernel's ephemeral range (32768 and up): until the server binds
 * it, no outgoing connection and no server started on port 0 can take it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    // 20000–29999: under the ephemeral range, and clear of the shared infrastructure's ports but
    // MongoDB's (taken while it runs, so skipped).
    const port = await listenOnce(20_000 + Math.floor(Math.random() * 10_000));
    if (port !== undefined) return port;
  }
}

/** Listens on the port and closes again: the port, or undefined when it is taken. */
export function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}
