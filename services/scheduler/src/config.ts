import type { z } from 'zod';
import { eventBackboneEnv } from '@msync/events';
import { mongoEnv } from '@msync/platform';

export const SERVICE = 'scheduler';

/** Environment variables of scheduler (besides LOG_LEVEL, OPS_PORT, OPS_HOST, SHUTDOWN_TIMEOUT_MS). */
export const configSchema = eventBackboneEnv.extend(mongoEnv.shape).extend({});

export type Config = z.infer<typeof configSchema>;
