import { errorMessage, withoutLogContext, type Logger } from '@msync/platform';

const STOP_WAIT_MS = 5_000;

export interface BackgroundLoop {
  /** Runs now (also what the timer does); a call while a run is going on asks for one more. */
  runOnce(): Promise<void>;
  /** Asks for a run as soon as possible (after a save). */
  kick(): void;
  /** How many runs have completed, successful or not (tests wait on it instead of sleeping). */
  passes(): number;
  start(): void;
  stop(): Promise<void>;
}

/**
 * A job run every `intervalMs` and on demand, never twice at once. A run that throws is logged
 * and counted; the next one comes as usual. Stopping waits a few seconds for a run in flight,
 * then lets it go: whatever it had not finished is left for the next process.
 */
export function backgroundLoop(options: {
  run: () => Promise<void>;
  intervalMs: number;
  logger: Logger;
  /** Told after every run, successful or not. */
  onPass?: () => void;
  /** The log line of a run that failed. */
  failure: string;
}): BackgroundLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  let passes = 0;

  const runOnce = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    // Woken by a request, a run still works for every store: it logs under none of its ids.
    running = withoutLogContext(async () => {
      try {
        do {
          again = false;
          try {
            await options.run();
          } finally {
            passes++;
            options.onPass?.();
          }
        } while (again);
      } catch (error) {
        options.logger.warn(options.failure, { error: errorMessage(error) });
      } finally {
        running = undefined;
      }
    });
    return running;
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce().finally(schedule);
    }, options.intervalMs);
  };

  return {
    runOnce,
    passes: () => passes,
    kick: () => {
      if (!stopped) void runOnce();
    },
    start: () => {
      if (!stopped) return;
      stopped = false;
      void runOnce();
      schedule();
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([
        running,
        new Promise<void>((resolve) => (wait = setTimeout(resolve, STOP_WAIT_MS))),
      ]);
      clearTimeout(wait);
    },
  };
}
