import { errorMessage, type Logger } from '@msync/platform';
import { z } from 'zod';
import type { ServiceAnswer } from '../domain/ports.js';

const problem = z.object({ title: z.string().optional(), detail: z.string().optional() });

/**
 * Calls one of our services' routes on its ops port, server to server on the internal network:
 * every answer is read with zod; a network failure, a timeout or an unreadable answer is
 * `unreachable`. Our own service, not a vendor: plain `fetch`, no retries (the seller's click
 * is the retry).
 */
export function opsCaller(options: {
  /** The service, as log lines and `unreachable` details name it. */
  service: string;
  baseUrl: string;
  logger: Logger;
  timeoutMs?: number;
}) {
  const log = options.logger.child({ component: `${options.service}-client` });
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 15_000;

  return async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
  ): Promise<ServiceAnswer<T>> {
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
      log.warn(`${options.service} not reachable`, { path, error: errorMessage(error) });
      return {
        ok: false,
        status: 'unreachable',
        detail: `the ${options.service} could not be reached`,
      };
    }
    if (response.ok) {
      const parsed = schema.safeParse(body);
      if (parsed.success) return { ok: true, value: parsed.data };
      log.warn(`${options.service} answer unreadable`, {
        path,
        issues: parsed.error.issues.length,
      });
      return {
        ok: false,
        status: 'unreachable',
        detail: `the ${options.service} gave an unreadable answer`,
      };
    }
    const details = problem.safeParse(body);
    const retryAfter = Number(response.headers.get('retry-after'));
    return {
      ok: false,
      status: response.status,
      detail: (details.success ? (details.data.detail ?? details.data.title) : undefined) ?? '',
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
    };
  };
}
