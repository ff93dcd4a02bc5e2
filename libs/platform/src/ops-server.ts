import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response, type Router } from 'express';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from './logger.js';
import { errorMessage } from './errors.js';
import { requestLogContext, storeIdLogContext } from './log-context.js';

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
  /**
   * Adds a service's own operator routes (e.g. a job listing) beside the standard ones. The
   * router is mounted before the 404 fallback and may be given routes later, once the service
   * has started; the standard paths always win.
   */
  routes?: (router: Router) => void;
}

/**
 * The per-service operations endpoint: `/healthz` (process alive), `/readyz` (started and every
 * dependency answering; 503 with the failing checks otherwise) and Prometheus `/metrics`.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  let started = false;
  const checks = options.checks ?? [];
  const timeoutMs = options.checkTimeoutMs ?? 2_000;
  // One run of each check at a time: a probe that arrives while the previous run of a check is
  // still waiting on its dependency shares that run instead of sending another request. Without
  // this, probes every few hundred milliseconds against a slow broker queue up behind each other
  // on the one connection, and every later probe times out too, long after the broker recovered.
  const pending = new Map<string, Promise<void>>();
  const runOnce = (name: string, check: () => Promise<void>): Promise<void> => {
    let run = pending.get(name);
    if (!run) {
      run = check().finally(() => pending.delete(name));
      pending.set(name, run);
    }
    return run;
  };

  const readiness = async (): Promise<{ ok: boolean; checks: Record<string, string> }> => {
    const results: Record<string, string> = {};
    await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(runOnce(name, check), timeoutMs, name);
          results[name] = 'ok';
        } catch (error) {
          results[name] = errorMessage(error);
        }
      }),
    );
    const ok = started && Object.values(results).every((r) => r === 'ok');
    return { ok, checks: { started: started ? 'ok' : 'starting', ...results } };
  };

  // What /readyz would answer, for the "service not ready" alert (deploy/prometheus/alerts.yml).
  if (!options.registry.getSingleMetric('service_ready'))
    new Gauge({
      name: 'service_ready',
      help: '1 when the service is started and every dependency answers (as /readyz), else 0',
      registers: [options.registry],
      async collect() {
        this.set((await readiness()).ok ? 1 : 0);
      },
    });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((_req, res, next) => {
    res.set('cache-control', 'no-store');
    next();
  });
  // GET routes answer HEAD too; any other method on a known path is 405.
  const route = (path: string, handler: (res: Response) => Promise<void> | void) =>
    app
      .route(path)
      .get((_req: Request, res: Response) => handler(res))
      .all((_req: Request, res: Response) => {
        res.status(405).json({ error: 'method not allowed' });
      });

  route('/healthz', (res) => {
    res.json({ status: 'ok' });
  });
  route('/readyz', async (res) => {
    const r = await readiness();
    res.status(r.ok ? 200 : 503).json({ status: r.ok ? 'ready' : 'not-ready', checks: r.checks });
  });
  route('/metrics', async (res) => {
    try {
      const text = await options.registry.metrics();
      res.type(options.registry.contentType).send(text);
    } catch (error) {
      res.status(500).json({ error: errorMessage(error) });
    }
  });
  const serviceRoutes = express.Router();
  // A service's own routes (report preview, job listing) log under the request and its store.
  serviceRoutes.use(requestLogContext);
  serviceRoutes.param('storeId', storeIdLogContext);
  app.use(serviceRoutes);
  options.routes?.(serviceRoutes);
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found' });
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port, options.host ?? '0.0.0.0', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
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
