import { z } from 'zod';
import { eventBackboneEnv } from '@msync/events';
import { env, mongoEnv } from '@msync/platform';

export const SERVICE = 'reporter';

/** Environment variables of reporter (besides LOG_LEVEL, OPS_PORT, OPS_HOST, SHUTDOWN_TIMEOUT_MS). */
export const configSchema = eventBackboneEnv.extend(mongoEnv.shape).extend({
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL'),
  REPORT_FROM: z.email().default('returns-report@localhost'),
  /** Bound of each SMTP wait (connect, greeting, each reply). */
  SMTP_TIMEOUT_MS: env.durationMs(30_000),
  /**
   * A claim this old belongs to an attempt that died mid-send: resolved as an uncertain
   * failure, never sent again. Keep it well above a send's longest duration (a few SMTP_TIMEOUT_MS).
   */
  REPORT_CLAIM_STALE_MS: env.durationMs(10 * 60_000),
  /** A report this many days late is still sent (labelled with its date); later ones are skipped. */
  REPORT_MAX_LATE_DAYS: z.coerce.number().int().min(0).max(6).default(1),
  /** Pause between the retrier's passes over stores whose report waits. */
  RETRIER_INTERVAL_MS: env.durationMs(1_000),
  /** Longest wait between two tries of a report whose SMTP server is unavailable. */
  RETRIER_MAX_BACKOFF_MS: env.durationMs(15 * 60_000),
  /** Returns unchanged this long are pruned (completed ones only once reported). */
  RETURNS_RETENTION_DAYS: z.coerce.number().int().min(8).default(90),
  /** Report history (and claims) is kept this long; above the command topic's 7 days. */
  REPORTS_RETENTION_DAYS: z.coerce.number().int().min(8).default(400),
  /** A store gets one test report per slot of this length (the seller's "send a test report"). */
  REPORT_TEST_INTERVAL_MS: env.durationMs(60_000),
});

export type Config = z.infer<typeof configSchema>;
