import { currentLogContext } from './log-context.js';
import { redact, scrubString } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): Logger;
  /** Registers a secret value (a decrypted key, a PAT) so it is scrubbed wherever it appears. */
  addSecret(value: string): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  bindings?: Record<string, unknown>;
  /** Where lines go; defaults to stdout. Tests capture lines through it. */
  write?: (line: string) => void;
  now?: () => Date;
}

/**
 * JSON-lines logger that redacts secret-named fields and scrubs known secret values; each line
 * carries the current {@link withLogContext} fields (store id, correlation id).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = new Set<string>();
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const now = options.now ?? (() => new Date());
  const threshold = LEVELS[options.level ?? 'info'];

  const make = (bindings: Record<string, unknown>): Logger => {
    const log = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
      if (LEVELS[level] < threshold) return;
      // The work's context (store, correlation id) over the logger's bindings; a field given
      // for this line wins over both.
      const record = redact({ ...bindings, ...currentLogContext(), ...fields }, secrets) as Record<
        string,
        unknown
      >;
      const line = { level, time: now().toISOString(), msg: scrubString(msg, secrets), ...record };
      write(safeStringify(line));
    };
    return {
      debug: (msg, fields) => log('debug', msg, fields),
      info: (msg, fields) => log('info', msg, fields),
      warn: (msg, fields) => log('warn', msg, fields),
      error: (msg, fields) => log('error', msg, fields),
      child: (more) => make({ ...bindings, ...more }),
      addSecret: (value) => {
        if (value) secrets.add(value);
      },
    };
  };
  return make(options.bindings ?? {});
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return JSON.stringify({ level: 'error', msg: 'unserialisable log line' });
  }
}
