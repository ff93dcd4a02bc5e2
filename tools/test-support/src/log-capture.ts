import { createLogger, type Logger } from '@msync/platform';

/** A real logger whose lines are kept in memory, so tests can read what was logged. */
export function capturingLogger(level: 'debug' | 'info' | 'warn' | 'error' = 'debug'): {
  logger: Logger;
  lines: string[];
} {
  const lines: string[] = [];
  return { logger: createLogger({ level, write: (line) => lines.push(line) }), lines };
}
