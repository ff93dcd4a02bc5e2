import { createLogger, type Logger } from '@msync/platform';
import {
  startMiraklSimulator,
  type MiraklSimulatorOptions,
  type RunningMiraklSimulator,
} from '@msync/mirakl-sim';
import { createMiraklClient, type MiraklClientOptions } from '../client.js';
import type { LimitedOperation } from '../limiter.js';
import type { MiraklStore } from '../domain.js';

/** No waiting between calls: the simulator runs cycles in milliseconds. */
export const NO_CALL_LIMITS: Record<LimitedOperation, number> = {
  OR11: 0,
  STO01: 0,
  OF01: 0,
  OF24: 0,
  OF52: 0,
  STO02: 0,
  STO03: 0,
  OF02: 0,
  OF03: 0,
  OF53: 0,
};

export async function startSimulator(
  options: MiraklSimulatorOptions = {},
): Promise<RunningMiraklSimulator> {
  return startMiraklSimulator({
    importDelayMs: 40,
    exportDelayMs: 40,
    paymentDelayMs: null,
    ...options,
  });
}

export interface CapturedLogger {
  logger: Logger;
  lines: string[];
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', write: (l) => lines.push(l) }), lines };
}

/** A client tuned for the simulator: short polls, short backoff, no call-frequency waits. */
export function fastClient(
  url: string,
  apiKey: string,
  overrides: Partial<MiraklClientOptions> = {},
): MiraklStore {
  return createMiraklClient({
    storeUrl: url,
    apiKey,
    timeoutMs: 2_000,
    retries: 3,
    retryInitialDelayMs: 10,
    retryMaxDelayMs: 50,
    importPollIntervalMs: 25,
    exportPollIntervalMs: 25,
    limiter: { minIntervalMs: NO_CALL_LIMITS },
    ...overrides,
  });
}
