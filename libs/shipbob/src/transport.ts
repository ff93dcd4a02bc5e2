import axios, {
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import {
  CredentialsError,
  PermanentError,
  RateLimitedError,
  RetriableError,
  REDACTED,
  networkErrorCode,
  parseRetryAfter,
  vendorRequests,
  linkSignals,
  withDeadline,
  safeParseAsIs,
  type Logger,
} from '@msync/platform';
import type { z } from 'zod';
import type { RateLimiter } from './limiter.js';

export type Query = Record<string, string | number | boolean | undefined>;

/** One HTTP exchange as the client saw it (contract checks); the token is redacted. */
export interface HttpExchange {
  method: string;
  url: string;
  /** Lower-case names; `authorization` is present but redacted. */
  requestHeaders: Record<string, string>;
  /** Text bodies only. */
  requestBody?: string;
  /** Absent when no answer came (connection refused or dropped, deadline passed). */
  status?: number;
  responseBody?: string;
}

export interface TransportOptions {
  baseUrl: string;
  pat: string;
  storeId: string;
  logger: Logger;
  limiter: RateLimiter;
  /** Whole exchange, from connecting to the last byte of the body. */
  timeoutMs: number;
  /** Wait used when a 429 carries no `x-retry-after`. */
  defaultRetryAfterMs: number;
  /** Told about every exchange, answered or not (contract checks against ShipBob's documents). */
  onExchange?: (exchange: HttpExchange) => void;
}

export interface CallOptions {
  query?: Query;
  body?: unknown;
  /** Adds `shipbob_channel_id`. */
  channelId?: number;
  /** Statuses returned to the caller instead of thrown (e.g. 404, 422). */
  expect?: number[];
  signal?: AbortSignal;
  /** The calls the caller's work still makes, this one included, if it knows (see `acquire`). */
  expectedCalls?: number;
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

/**
 * HTTP exchange with ShipBob: auth, budget, deadline, and the error taxonomy. Never logs the
 * PAT; errors are rebuilt from safe parts (method, path, status, error code), never wrapped,
 * because an HTTP client error carries the request headers.
 */
export class Transport {
  private readonly http: AxiosInstance;

  constructor(private readonly options: TransportOptions) {
    options.logger.addSecret(options.pat);
    this.http = axios.create({
      // Statuses are classified below; a redirect is an answer (the token goes nowhere else);
      // environment proxies are ignored, as Node's fetch did.
      validateStatus: () => true,
      maxRedirects: 0,
      proxy: false,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
    });
    const report = options.onExchange;
    if (report) {
      this.http.interceptors.response.use(
        (response) => {
          report(exchangeOf(response.config, response));
          return response;
        },
        (error: unknown) => {
          const { config } = error as { config?: InternalAxiosRequestConfig };
          if (config) report(exchangeOf(config));
          throw error;
        },
      );
    }
  }

  /**
   * Calls `pathAndQuery` (already versioned, e.g. `/2025-07/order?Page=2`). A link returned by
   * ShipBob is reduced to its path so the token is only ever sent to the configured base URL.
   */
  /** Counts a request that left, under its route (ids as `{id}`; ADR 0087). */
  private count(method: string, target: string, status: string): void {
    vendorRequests.inc({
      system: 'shipbob',
      operation: `${method} ${operationOf(target)}`,
      account: this.options.storeId,
      status,
    });
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<RawResponse> {
    const target = toPath(path) + (options.query ? encodeQuery(options.query) : '');
    const what = `${method} ${target.split('?')[0]}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.pat}`,
      accept: 'application/json',
    };
    if (options.channelId !== undefined) headers['shipbob_channel_id'] = String(options.channelId);
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    let started = Date.now();
    // The caller's signal and the deadline of the work this call is part of (runWithDeadline),
    // and a total deadline of the request's own: axios' `timeout` is a socket idle timeout, which
    // a slow trickle of body bytes never trips.
    const response = await withDeadline(options.signal, async (signal) => {
      const release = await this.options.limiter.acquire(
        this.options.storeId,
        signal,
        options.expectedCalls,
      );
      started = Date.now();
      const call = linkSignals([signal], this.options.timeoutMs);
      try {
        return await this.http.request<unknown>({
          method,
          url: this.options.baseUrl + target,
          headers,
          data: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: call.signal,
        });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const timedOut = call.timedOut();
        this.count(method, target, timedOut ? 'timeout' : 'connection');
        const code = timedOut ? 'deadline' : networkErrorCode(error);
        this.options.logger.warn('shipbob request failed', {
          call: what,
          timedOut,
          code,
          ms: Date.now() - started,
        });
        throw new RetriableError(
          timedOut
            ? `ShipBob ${what} timed out after ${this.options.timeoutMs} ms`
            : `ShipBob ${what} failed: connection error (${code})`,
          { reason: timedOut ? 'timeout' : 'connection-error' },
        );
      } finally {
        call.dispose();
        release();
      }
    });

    const text = typeof response.data === 'string' ? response.data : '';
    const responseHeaders = toHeaders(response.headers);
    const status = response.status;
    this.count(method, target, String(status));
    this.options.logger.debug('shipbob response', { call: what, status, ms: Date.now() - started });
    if (status === 401 || status === 403) {
      throw new CredentialsError(`ShipBob refused the token (${status}) on ${what}`, {
        reason: status === 401 ? 'credentials-rejected' : 'credentials-forbidden',
      });
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(
        responseHeaders.get('x-retry-after') ?? responseHeaders.get('retry-after'),
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
    if (status >= 300 && status < 400) {
      throw new PermanentError(
        `ShipBob ${what} answered ${status} (a redirect, not followed): check the base URL`,
        { reason: 'redirect' },
      );
    }
    const body = parseBody(text, what, status);
    if (status >= 400 && !options.expect?.includes(status)) {
      throw new PermanentError(`ShipBob rejected ${what} (${status}): ${summarise(body)}`, {
        reason: `http-${status}`,
      });
    }
    return { status, headers: responseHeaders, body };
  }

  /** Calls and validates the body; a shape ShipBob should not send is a permanent error. */
  async json<T extends z.ZodType>(
    method: string,
    path: string,
    schema: T,
    options: CallOptions & {
      /**
       * A body the schema's guard passes is taken as it came, its unnamed keys kept (ADR 0175):
       * for list pages whose items are mapped field by field.
       */
      asIs?: boolean;
    } = {},
  ): Promise<{ data: z.infer<T>; headers: Headers; status: number }> {
    const response = await this.call(method, path, options);
    return {
      data: parse(schema, response.body, `${method} ${toPath(path).split('?')[0]}`, options.asIs),
      headers: response.headers,
      status: response.status,
    };
  }
}

export function parse<T extends z.ZodType>(
  schema: T,
  body: unknown,
  what: string,
  asIs = false,
): z.infer<T> {
  const result = asIs ? safeParseAsIs(schema, body) : schema.safeParse(body);
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

/** Response headers as a fetch `Headers` (case-insensitive `get`). */
function toHeaders(raw: unknown): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number') headers.set(name, String(value));
    else if (Array.isArray(value)) for (const v of value) headers.append(name, String(v));
  }
  return headers;
}

function exchangeOf(config: InternalAxiosRequestConfig, response?: AxiosResponse): HttpExchange {
  const requestHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers.toJSON())) {
    if (value === undefined || value === null) continue;
    const key = name.toLowerCase();
    requestHeaders[key] = key === 'authorization' ? REDACTED : String(value);
  }
  return {
    method: (config.method ?? 'get').toUpperCase(),
    url: config.url ?? '',
    requestHeaders,
    requestBody: typeof config.data === 'string' ? config.data : undefined,
    status: response?.status,
    responseBody: typeof response?.data === 'string' ? response.data : undefined,
  };
}

/** A request's route for metrics: no query, numeric path segments as `{id}` (`/order/{id}:cancel`). */
export function operationOf(target: string): string {
  return (target.split('?')[0] ?? '').replace(/\/\d+(?=\/|:|$)/g, '/{id}');
}
