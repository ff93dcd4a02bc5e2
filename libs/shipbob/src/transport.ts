import {
  isErrorLike,
  CredentialsError,
  PermanentError,
  RateLimitedError,
  RetriableError,
  parseRetryAfter,
  type Logger,
} from '@msync/platform';
import type { z } from 'zod';
import type { RateLimiter } from './limiter.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface TransportOptions {
  baseUrl: string;
  pat: string;
  storeId: string;
  logger: Logger;
  limiter: RateLimiter;
  timeoutMs: number;
  fetch: typeof fetch;
  /** Wait used when a 429 carries no `x-retry-after`. */
  defaultRetryAfterMs: number;
}

export interface CallOptions {
  query?: Query;
  body?: unknown;
  /** Adds `shipbob_channel_id`. */
  channelId?: number;
  /** Statuses returned to the caller instead of thrown (e.g. 404, 422). */
  expect?: number[];
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * ShipBob's comma lists are only parsed when `,` and `:` are not percent-encoded, so query
 * values are encoded by hand.
 */
export function encodeQuery(query: Query): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const encoded = encodeURIComponent(String(value)).replaceAll('%2C', ',').replaceAll('%3A', ':');
    parts.push(`${encodeURIComponent(key)}=${encoded}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** HTTP exchange with ShipBob: auth, budget, timeout, and the error taxonomy. Never logs the PAT. */
export class Transport {
  constructor(private readonly options: TransportOptions) {
    options.logger.addSecret(options.pat);
  }

  /**
   * Calls `pathAndQuery` (already versioned, e.g. `/2025-07/order?Page=2`). A link returned by
   * ShipBob is reduced to its path so the token is only ever sent to the configured base URL.
   */
  async call(method: string, path: string, options: CallOptions = {}): Promise<RawResponse> {
    const target = toPath(path) + (options.query ? encodeQuery(options.query) : '');
    const what = `${method} ${target.split('?')[0]}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.pat}`,
      accept: 'application/json',
    };
    if (options.channelId !== undefined) headers['shipbob_channel_id'] = String(options.channelId);
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    const release = await this.options.limiter.acquire(this.options.storeId, options.signal);
    const started = Date.now();
    let response: Response;
    let text: string;
    try {
      const timeout = AbortSignal.timeout(this.options.timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      response = await this.options.fetch(this.options.baseUrl + target, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
      text = await response.text();
    } catch (error) {
      const timedOut =
        isErrorLike(error) && (error.name === 'TimeoutError' || error.name === 'AbortError');
      this.options.logger.warn('shipbob request failed', {
        call: what,
        timedOut,
        ms: Date.now() - started,
      });
      throw new RetriableError(
        `ShipBob ${what} ${timedOut ? 'timed out' : 'failed: connection error'}`,
        {
          reason: timedOut ? 'timeout' : 'connection-error',
          cause: sanitizeCause(error),
        },
      );
    } finally {
      release();
    }

    const status = response.status;
    this.options.logger.debug('shipbob response', { call: what, status, ms: Date.now() - started });
    if (status === 401 || status === 403) {
      throw new CredentialsError(`ShipBob refused the token (${status}) on ${what}`, {
        reason: status === 401 ? 'credentials-rejected' : 'credentials-forbidden',
      });
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(
        response.headers.get('x-retry-after') ?? response.headers.get('retry-after'),
        this.options.defaultRetryAfterMs,
      );
      this.options.limiter.pause(retryAfterMs);
      this.options.logger.warn('shipbob rate limit hit', { call: what, retryAfterMs });
      throw new RateLimitedError(`ShipBob rate limit on ${what}`, retryAfterMs, {
        reason: 'rate-limited',
      });
    }
    if (status >= 500 || status === 408) {
      throw new RetriableError(`ShipBob ${what} answered ${status}`, { reason: `http-${status}` });
    }
    const body = parseBody(text, what, status);
    if (status >= 400 && !options.expect?.includes(status)) {
      throw new PermanentError(`ShipBob rejected ${what} (${status}): ${summarise(body)}`, {
        reason: `http-${status}`,
      });
    }
    return { status, headers: response.headers, body };
  }

  /** Calls and validates the body; a shape ShipBob should not send is a permanent error. */
  async json<T extends z.ZodType>(
    method: string,
    path: string,
    schema: T,
    options: CallOptions = {},
  ): Promise<{ data: z.infer<T>; headers: Headers; status: number }> {
    const response = await this.call(method, path, options);
    return {
      data: parse(schema, response.body, `${method} ${toPath(path).split('?')[0]}`),
      headers: response.headers,
      status: response.status,
    };
  }
}

export function parse<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new PermanentError(
      `ShipBob ${what} returned an unexpected shape at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
      {
        reason: 'schema-mismatch',
      },
    );
  }
  return result.data;
}

function toPath(pathOrUrl: string): string {
  if (/^https?:\/\//i.test(pathOrUrl)) {
    const url = new URL(pathOrUrl);
    return url.pathname + url.search;
  }
  return pathOrUrl;
}

function parseBody(text: string, what: string, status: number): unknown {
  if (text.trim().length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (status >= 400) return text.slice(0, 200);
    throw new RetriableError(`ShipBob ${what} returned a body that is not JSON`, {
      reason: 'malformed-response',
    });
  }
}

function summarise(body: unknown): string {
  if (body === undefined) return 'no body';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Keeps a network error's name, message and code, dropping anything that could carry request data. */
function sanitizeCause(error: unknown): Error | undefined {
  if (!isErrorLike(error)) return undefined;
  const inner = isErrorLike(error.cause) ? error.cause : undefined;
  const code =
    (inner as { code?: unknown } | undefined)?.code ?? (error as { code?: unknown }).code;
  const clean = new Error(inner ? `${error.message}: ${inner.message}` : error.message);
  clean.name = error.name;
  if (typeof code === 'string') Object.assign(clean, { code });
  return clean;
}
