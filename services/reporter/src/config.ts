import { z } from 'zod';
import { eventBackboneEnv } from '@msync/events';
import { mongoEnv } from '@msync/platform';

export const SERVICE = 'reporter';

/** Environment variables of reporter (besides LOG_LEVEL, OPS_PORT, OPS_HOST, SHUTDOWN_TIMEOUT_MS). */
export const configSchema = eventBackboneEnv.extend(mongoEnv.shape).extend({
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL'),
  REPORT_FROM: z.email().default('returns-report@localhost'),
});

export type Config = z.infer<typeof configSchema>;
