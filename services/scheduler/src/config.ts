import { z } from 'zod';
import { eventBackboneEnv } from '@msync/events';
import { mongoEnv } from '@msync/platform';

export const SERVICE = 'scheduler';

/** Environment variables of scheduler (besides LOG_LEVEL, OPS_PORT, OPS_HOST, SHUTDOWN_TIMEOUT_MS). */
export const configSchema = eventBackboneEnv.extend(mongoEnv.shape).extend({
  /** How often due jobs are looked for; a new or changed job first runs within about this. */
  SCHEDULER_PROCESS_EVERY_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
});

export type Config = z.infer<typeof configSchema>;
