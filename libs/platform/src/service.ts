import type { z } from 'zod';
import type { Router } from 'express';
import { ConfigError, loadConfig, baseServiceEnv } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createLifecycle, type Lifecycle } from './lifecycle.js';
import { createMetricsRegistry, type Registry } from './metrics.js';
import { startOpsServer, type ReadinessCheck } from './ops-server.js';
import { errorMessage } from './errors.js';
import { setAllocationSitePretenuring } from './gc-tuning.js';

export interface ServiceContext<C> {
  config: C;
  logger: Logger;
  metrics: Registry;
  lifecycle: Lifecycle;
}

export interface ServiceDefinition<S extends z.ZodObject> {
  name: string;
  /** The service's env schema; merged with {@link baseServiceEnv}. */
  env: S;
  /**
   * Builds adapters and starts work; returns readiness checks for its dependencies and,
   * optionally, the service's own routes on the ops endpoint.
   */
  start(
    ctx: ServiceContext<z.infer<S> & z.infer<typeof baseServiceEnv>>,
  ): Promise<{ checks?: ReadinessCheck[]; opsRoutes?: (router: Router) => void }>;
}

/**
 * Runs a service: reads config once (every problem reported in one message, exit 1), starts the
 * ops endpoint, starts the service, and wires graceful shutdown on SIGTERM/SIGINT.
 */
export async function runService<S extends z.ZodObject>(
  definition: ServiceDefinition<S>,
): Promise<void> {
  let config: z.infer<S> & z.infer<typeof baseServiceEnv>;
  try {
    config = loadConfig(baseServiceEnv.extend(definition.env.shape)) as typeof config;
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : errorMessage(error);
    process.stderr.write(`${definition.name}: ${message}\n`);
    process.exit(1);
  }
  setAllocationSitePretenuring(config.GC_PRETENURING);

  const logger = createLogger({ level: config.LOG_LEVEL, bindings: { service: definition.name } });
  const metrics = createMetricsRegistry(definition.name);
  const lifecycle = createLifecycle({
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    exit: (code) => process.exit(code),
  });
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection', { error: reason });
    void lifecycle.shutdown('unhandled-rejection').then(() => process.exit(1));
  });

  const checks: ReadinessCheck[] = [];
  // The ops endpoint answers before the service has started; its own routes join once it has.
  let opsRouter: Router | undefined;
  const ops = await startOpsServer({
    port: config.OPS_PORT,
    host: config.OPS_HOST,
    registry: metrics,
    logger,
    checks,
    routes: (router) => {
      opsRouter = router;
    },
  });
  lifecycle.onShutdown('ops-server', () => ops.close());
  lifecycle.signal.addEventListener('abort', () => ops.setStarted(false));

  try {
    const started = await definition.start({ config, logger, metrics, lifecycle });
    checks.push(...(started.checks ?? []));
    if (opsRouter) started.opsRoutes?.(opsRouter);
    ops.setStarted(true);
    logger.info('started', { opsPort: ops.port });
  } catch (error) {
    logger.error('failed to start', { error });
    await lifecycle.shutdown('start-failed');
    process.exit(1);
  }
}
