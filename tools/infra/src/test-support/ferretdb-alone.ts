import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { Context } from '../components.js';
import { down, up, type UpResult } from '../infra.js';
import { cacheDir, freePort, ports, type MongoBackend } from '../paths.js';

export interface FerretdbAlone {
  /** Its state folder is `ctx.state`. */
  ctx: Context;
  /** What `up` started and the variables it gives. */
  result: UpResult;
  client: MongoClient;
  /** Stops what `up` started and removes the folder. */
  close(): Promise<void>;
}

/**
 * FerretDB on `backend` (with PostgreSQL under it for `postgresql`) in a temporary folder, on
 * free ports: the other servers are "given", so only FerretDB's start here.
 */
export async function startFerretdbAlone(backend: MongoBackend): Promise<FerretdbAlone> {
  const state = mkdtempSync(join(tmpdir(), `msync-ferretdb-${backend}-`));
  // As root, PostgreSQL runs as the postgres user, who must be able to reach the state folder.
  chmodSync(state, 0o755);
  const ctx: Context = {
    cache: cacheDir(),
    state,
    ports: { ...ports({}), mongo: await freePort(), postgresql: await freePort() },
    log: () => undefined,
    mongoBackend: backend,
  };
  const close = async () => {
    await down({ ctx });
    rmSync(state, { recursive: true, force: true });
  };
  try {
    const result = await up({
      ctx,
      env: {
        KAFKA_BROKERS: 'unused:1',
        SCHEMA_REGISTRY_URL: 'http://unused',
        SMTP_URL: 'smtp://unused',
      },
    });
    const client = new MongoClient(result.env.MONGO_URL, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    return {
      ctx,
      result,
      client,
      close: async () => {
        await client.close();
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}
