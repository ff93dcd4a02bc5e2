import type { Logger } from '@msync/platform';
import { z } from 'zod';
import type { ReporterPort } from '../domain/ports.js';
import { opsCaller } from './ops-client.js';

const preview = z.object({
  subject: z.string(),
  html: z.string(),
  text: z.string(),
  reportDate: z.string(),
  timeZone: z.string(),
  returnCount: z.number(),
  to: z.string().nullable(),
});
const testSent = z.object({ to: z.string(), subject: z.string(), messageId: z.string() });
const history = z.object({
  reports: z.array(
    z.object({
      reportDate: z.string(),
      result: z.string(),
      reason: z.string().nullable(),
      returnCount: z.number(),
      detail: z.string().nullable(),
      to: z.string().nullable(),
      resolvedAt: z.string(),
    }),
  ),
});

/** The reporter's report routes on its ops port (ADR 0072). */
export function reporterClient(options: {
  baseUrl: string;
  logger: Logger;
  timeoutMs?: number;
}): ReporterPort {
  const call = opsCaller({ service: 'reporter', ...options });
  const store = (storeId: string) => `/reports/${encodeURIComponent(storeId)}`;
  return {
    preview: (storeId) => call('GET', `${store(storeId)}/preview`, preview),
    sendTest: (storeId) => call('POST', `${store(storeId)}/test`, testSent),
    history: async (storeId, limit) => {
      const answer = await call('GET', `${store(storeId)}/history?limit=${limit}`, history);
      return answer.ok ? { ok: true, value: answer.value.reports } : answer;
    },
  };
}
