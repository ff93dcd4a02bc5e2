import type { Logger } from './logger.js';
import { errorMessage } from './errors.js';

type Closer = () => Promise<void> | void;

export interface Lifecycle {
  /** Registers a step run at shutdown; steps run in reverse order of registration. */
  onShutdown(name: string, close: Closer): void;
  /** Aborted as soon as shutdown begins: loops and consumers stop taking new work. */
  readonly signal: AbortSignal;
  /** Starts shutdown (idempotent); resolves with the exit code once every step ran. */
  shutdown(reason: string): Promise<number>;
  /** True once shutdown has begun. */
  readonly stopping: boolean;
}

export interface LifecycleOptions {
  logger: Logger;
  /** Hard limit for the whole shutdown; keep it below the pod's termination grace period. */
  timeoutMs: number;
  /** Called with the exit code when shutdown ends (process.exit in services). */
  exit?: (code: number) => void;
  /** Install SIGTERM/SIGINT handlers (on by default). */
  handleSignals?: boolean;
}

/**
 * Graceful shutdown written once: abort the work signal, run the registered steps in reverse
 * (stop intake, finish in-flight work, flush producers, close Mongo), exit 0; exit 1 when a step
 * fails or the hard timeout passes.
 */
export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { logger } = options;
  const steps: { name: string; close: Closer }[] = [];
  const controller = new AbortController();
  let done: Promise<number> | undefined;

  const run = async (reason: string): Promise<number> => {
    logger.info('shutting down', { reason });
    controller.abort(new Error(`shutdown: ${reason}`));
    let code = 0;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        logger.error('shutdown timed out; exiting hard', { timeoutMs: options.timeoutMs });
        resolve(1);
      }, options.timeoutMs);
      timer.unref();
    });
    const sequence = (async () => {
      for (const step of [...steps].reverse()) {
        try {
          await step.close();
          logger.debug('shutdown step done', { step: step.name });
        } catch (error) {
          code = 1;
          logger.error('shutdown step failed', { step: step.name, error: errorMessage(error) });
        }
      }
      return code;
    })();
    const result = await Promise.race([sequence, timeout]);
    clearTimeout(timer);
    logger.info('stopped', { exitCode: result });
    options.exit?.(result);
    return result;
  };

  const lifecycle: Lifecycle = {
    onShutdown: (name, close) => steps.push({ name, close }),
    signal: controller.signal,
    get stopping() {
      return done !== undefined;
    },
    shutdown: (reason) => (done ??= run(reason)),
  };

  if (options.handleSignals ?? true) {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.on(sig, () => void lifecycle.shutdown(sig));
    }
  }
  return lifecycle;
}
