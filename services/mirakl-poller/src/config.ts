import type { z } from 'zod';
import { eventBackboneEnv } from '@msync/events';

export const SERVICE = 'mirakl-poller';

/** Environment variables of mirakl-poller (besides LOG_LEVEL, OPS_PORT, OPS_HOST, SHUTDOWN_TIMEOUT_MS). */
export const configSchema = eventBackboneEnv.extend({});

export type Config = z.infer<typeof configSchema>;
