import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';
import { errorMessage } from './errors.js';

/** A named readiness probe: resolves when the dependency answers, throws otherwise. */
export type ReadinessCheck = { name: string; check: () => Promise<void> };

export interface OpsServer {
  readonly port: number;
  /** Marks the service as started (readiness also requires every check to pass). */
  setStarted(started: boolean): void;
  close(): Promise<void>;
}

export interface OpsServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  logger: Logger;
  checks?: ReadinessCheck[];
  checkTimeoutMs?: number;
}

/**
 * The per-service operations endpoint: `/healthz` (process alive), `/readyz` (started and every
 * dependency answering; 503 with the failing checks otherwise) and Prometheus `/metrics`.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  let started = false;
  const checks = options.checks ?? [];
  const timeoutMs = options.checkTimeoutMs ?? 2_000;

  const readiness = async (): Promise<{ ok: boolean; checks: Record<string, string> }> => {
    const results: Record<string, string> = {};
    await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), timeoutMs, name);
          results[name] = 'ok';
        } catch (error) {
          results[name] = errorMessage(error);
        }
      }),
    );
    const ok = started && Object.values(results).every((r) => r === 'ok');
    return { ok, checks: { started: started ? 'ok' : 'starting', ...results } };
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'application/json'): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return reply(405, '{"error":"method not allowed"}');
    switch (path) {
      case '/healthz':
        return reply(200, '{"status":"ok"}');
      case '/readyz':
        void readiness().then((r) =>
          reply(
            r.ok ? 200 : 503,
            JSON.stringify({ status: r.ok ? 'ready' : 'not-ready', checks: r.checks }),
          ),
        );
        return;
      case '/metrics':
        void options.registry
          .metrics()
          .then((text) => reply(200, text, options.registry.contentType))
          .catch((error: unknown) => reply(500, JSON.stringify({ error: errorMessage(error) })));
        return;
      default:
        return reply(404, '{"error":"not found"}');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  options.logger.info('ops endpoint listening', {
    port,
    paths: ['/healthz', '/readyz', '/metrics'],
  });

  return {
    port,
    setStarted: (value) => {
      started = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} check timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
