import { z } from 'zod';
import { PermanentError } from './errors.js';

/** Thrown when the environment does not satisfy a service's config schema; lists every problem. */
export class ConfigError extends PermanentError {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`, { reason: 'invalid-config' });
  }
}

/**
 * Parses environment variables with a zod object schema whose keys are the variable names.
 * All problems are reported at once, each naming its variable; values are never echoed.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.') || '(root)';
    const received = env[name] === undefined ? ' (missing)' : '';
    return `${name}: ${issue.message}${received}`;
  });
  throw new ConfigError(problems);
}

/** Reusable zod pieces for env variables. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  csv: () =>
    z
      .string()
      .min(1)
      .transform((s) =>
        s
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      ),
  url: () => z.url(),
  mongoUrl: () => z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL'),
  durationMs: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  logLevel: () => z.enum(['debug', 'info', 'warn', 'error']).default('info'),
};

/** Variables every service reads. */
export const baseServiceEnv = z.object({
  LOG_LEVEL: env.logLevel(),
  OPS_PORT: env.port(8080),
  OPS_HOST: z.string().default('0.0.0.0'),
  SHUTDOWN_TIMEOUT_MS: env.durationMs(20_000),
  /** V8's allocation-site pretenuring (ADR 0148): off unless `on`. */
  GC_PRETENURING: z.enum(['on', 'off']).default('off'),
});

/** Variables of services that own MongoDB collections. */
export const mongoEnv = z.object({
  MONGO_URL: env.mongoUrl(),
  MONGO_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, dash and underscore')
    .default('msync'),
});
