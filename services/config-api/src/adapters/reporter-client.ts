import { errorMessage, type Logger } from '@msync/platform';
import { z } from 'zod';
import type { ReporterPort, ReporterAnswer } from '../domain/ports.js';

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
const problem = z.object({ title: z.string().optional(), detail: z.string().optional() });

/**
 * The reporter's report routes on its ops port (ADR 0072), server to server on the internal
 * network: every answer is read with zod; a network failure, a timeout or an unreadable answer
 * is `unreachable`. Our own service, not a vendor: plain `fetch`, no retries (the seller's click
 * is the retry).
 */
export function reporterClient(options: {
  baseUrl: string;
  logger: Logger;
  timeoutMs?: number;
}): ReporterPort {
  const log = options.logger.child({ component: 'reporter-client' });
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
  ): Promise<ReporterAnswer<T>> {
    let response: Response;
    let body: unknown;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/json' },
      });
      body = await response.json().catch(() => undefined);
    } catch (error) {
      log.warn('reporter not reachable', { path, error: errorMessage(error) });
      return { ok: false, status: 'unreachable', detail: 'the reporter could not be reached' };
    }
    if (response.ok) {
      const parsed = schema.safeParse(body);
      if (parsed.success) return { ok: true, value: parsed.data };
      log.warn('reporter answer unreadable', { path, issues: parsed.error.issues.length });
      return { ok: false, status: 'unreachable', detail: 'the reporter gave an unreadable answer' };
    }
    const details = problem.safeParse(body);
    const retryAfter = Number(response.headers.get('retry-after'));
    return {
      ok: false,
      status: response.status,
      detail: (details.success ? (details.data.detail ?? details.data.title) : undefined) ?? '',
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
    };
  }

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
