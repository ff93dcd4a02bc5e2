import { createServer } from 'node:net';
import { inspect } from 'node:util';
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
    // The simulator listens on loopback, which the address guard refuses to anyone else.
    trustedHosts: [new URL(url).hostname],
    timeoutMs: 2_000,
    retries: 3,
    retryInitialDelayMs: 10,
    retryMaxDelayMs: 50,
    importFirstPollDelayMs: 25,
    importPollIntervalMs: 25,
    exportPollIntervalMs: 25,
    limiter: { minIntervalMs: NO_CALL_LIMITS },
    ...overrides,
  });
}

/** A loopback URL on a port nobody listens on (connections are refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Everything a thrown value could reveal: message, stack, cause chain, own and hidden fields. */
export function reveal(error: unknown): string {
  const parts = [String(error), inspect(error, { depth: Infinity, showHidden: true })];
  let current: unknown = error;
  for (let i = 0; typeof current === 'object' && current !== null && i < 10; i++) {
    parts.push(
      JSON.stringify(current),
      JSON.stringify(current, Object.getOwnPropertyNames(current)),
      (current as { stack?: string }).stack ?? '',
    );
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

/** Fields of an error or its causes that hold an HTTP client's request, config or response. */
export function requestCarryingFields(error: unknown): string[] {
  const found: string[] = [];
  let current: unknown = error;
  for (let i = 0; typeof current === 'object' && current !== null && i < 10; i++) {
    for (const field of ['config', 'request', 'response', 'headers'])
      if (field in current) found.push(`${String((current as Error).name)}.${field}`);
    current = (current as { cause?: unknown }).cause;
  }
  return found;
}
