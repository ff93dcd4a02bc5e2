import axios, { type AxiosInstance } from 'axios';
import {
  CredentialsError,
  PermanentError,
  RateLimitedError,
  RetriableError,
  linkSignals,
  networkErrorCode,
  parseRetryAfter as parseRetryAfterHeader,
  safeParseAsIs,
  scrubString,
  vendorRequests,
  withTextBody,
  type Logger,
} from '@msync/platform';
import type { z } from 'zod';
import {
  ADDRESS_REFUSED,
  guardedAgents,
  literalAddressRefusal,
  type HostResolver,
} from './address-guard.js';
import { MiraklWrongStateError } from './errors.js';

export interface TransportOptions {
  apiBase: string;
  apiKey: string;
  shopId?: number;
  /** Whole exchange, from connecting to the last byte of the body. */
  timeoutMs: number;
  logger?: Logger;
  /** Hosts allowed to resolve to loopback, private or link-local addresses. */
  trustedHosts: readonly string[];
  resolver: HostResolver;
}

export interface RequestSpec {
  /** Mirakl's operation code (OR11, STO01...), used in errors, logs and the limiter. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT';
  /** Path under the API root (`/orders`), or an absolute URL (export files). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  form?: FormData;
  /** Send an empty body with `Content-Length: 0` (PUT calls without a body). */
  emptyBody?: boolean;
  /** Statuses returned to the caller instead of thrown. */
  passStatuses?: readonly number[];
  /** For wrong-state errors on order workflow calls. */
  orderId?: string;
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  text: string;
  contentType: string;
  /** The answer's `Date` header: when Mirakl answered, by its clock (absent when not sent). */
  date?: string;
}

const WRONG_STATE_CODES = new Set(['ORDER_INVALID_STATE']);
const WRONG_STATE_MESSAGE =
  /current status is|not in (the )?(expected )?state|cannot be (canceled|cancelled|shipped|accepted)|invalid state/i;

/**
 * HTTP to one store: auth header, deadline, address guard, error taxonomy. The API key never
 * leaves it: errors are rebuilt from safe parts (operation, method, path, status, error code),
 * never wrapped, because an HTTP client error carries the request headers.
 */
export class Transport {
  private readonly http: AxiosInstance;

  constructor(private readonly options: TransportOptions) {
    this.http = axios.create({
      ...guardedAgents({ trustedHosts: options.trustedHosts, resolver: options.resolver }),
      // Statuses are classified below, redirects are answers (a verified host must not bounce
      // the key or the call elsewhere), environment proxies would bypass the address guard.
      validateStatus: () => true,
      maxRedirects: 0,
      proxy: false,
      // Bodies are read as they arrive (ADR 0185): an export file's pieces are not kept, each
      // with the socket's whole read buffer, until it ends.
      responseType: 'stream',
      transformResponse: [(data: unknown) => data],
    });
    this.http.interceptors.response.use(withTextBody);
  }

  private scrub(text: string): string {
    return scrubString(text, [this.options.apiKey]);
  }

  url(spec: Pick<RequestSpec, 'path' | 'query'>): URL {
    const url = /^https?:\/\//.test(spec.path)
      ? new URL(spec.path)
      : new URL(this.options.apiBase + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    if (this.options.shopId !== undefined && !url.searchParams.has('shop_id')) {
      url.searchParams.set('shop_id', String(this.options.shopId));
    }
    return url;
  }

  async send(spec: RequestSpec): Promise<RawResponse> {
    const url = this.url(spec);
    const label = `Mirakl ${spec.operation} ${spec.method} ${url.pathname}`;
    const literalRefusal = literalAddressRefusal(url.hostname, this.options.trustedHosts);
    if (literalRefusal !== undefined) throw addressRefused(label, literalRefusal);
    const headers: Record<string, string> = { Accept: 'application/json' };
    // Export files may be served from another host; the key only goes to the store itself.
    if (url.origin === new URL(this.options.apiBase).origin)
      headers['Authorization'] = this.options.apiKey;
    let data: string | FormData | undefined;
    if (spec.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      data = JSON.stringify(spec.json);
    } else if (spec.form) {
      data = spec.form;
    } else if (spec.emptyBody) {
      headers['Content-Length'] = '0';
      data = '';
    }
    // A total deadline: axios' own `timeout` is a socket idle timeout, which a slow trickle
    // of body bytes never trips.
    const call = linkSignals([spec.signal], this.options.timeoutMs);
    const started = Date.now();
    let status: number;
    let text: string;
    let contentType: string;
    let retryAfter: string | null;
    let date: string | undefined;
    try {
      const res = await this.http.request<string>({
        method: spec.method,
        url: url.toString(),
        headers,
        data,
        signal: call.signal,
      });
      status = res.status;
      contentType = headerValue(res.headers['content-type']) ?? '';
      retryAfter = headerValue(res.headers['retry-after']) ?? null;
      date = headerValue(res.headers['date']);
      text = typeof res.data === 'string' ? res.data : '';
    } catch (error) {
      if (spec.signal?.aborted) throw spec.signal.reason;
      this.count(spec, call.timedOut() ? 'timeout' : 'connection');
      if (call.timedOut()) {
        throw new RetriableError(`${label}: no answer within ${this.options.timeoutMs} ms`, {
          reason: 'timeout',
        });
      }
      const code = networkErrorCode(error);
      if (code === ADDRESS_REFUSED) {
        const { message } = error as { message?: unknown };
        const detail = typeof message === 'string' ? message : 'refused address';
        throw addressRefused(label, this.scrub(detail));
      }
      throw new RetriableError(this.scrub(`${label}: connection failed (${code})`), {
        reason: 'connection',
      });
    } finally {
      call.dispose();
    }
    this.count(spec, String(status));
    this.options.logger?.debug('mirakl call', {
      operation: spec.operation,
      status,
      ms: Date.now() - started,
    });
    if ((status >= 200 && status < 300) || spec.passStatuses?.includes(status))
      return { status, text, contentType, ...(date ? { date } : {}) };
    throw this.toError(spec, label, status, text, retryAfter);
  }

  /** Counts a request that left (ADR 0087); export files from another host count as OF52. */
  private count(spec: RequestSpec, status: string): void {
    const host = new URL(this.options.apiBase).host;
    vendorRequests.inc({
      system: 'mirakl',
      operation: spec.operation,
      account: `${host}/${this.options.shopId ?? '?'}`,
      status,
    });
  }

  private toError(
    spec: RequestSpec,
    label: string,
    status: number,
    text: string,
    retryAfter: string | null,
  ): Error {
    const body = parseErrorBody(text);
    const detail = this.scrub(body.message ?? (text.slice(0, 200) || 'no body'));
    const message = `${label}: HTTP ${status}: ${detail}`;
    if (status === 401 || status === 403) {
      return new CredentialsError(`${label}: HTTP ${status}: the API key was refused`);
    }
    if (status === 429)
      return new RateLimitedError(message, parseRetryAfter(retryAfter), { reason: 'rate-limited' });
    if (status >= 500 || status === 408)
      return new RetriableError(message, { reason: `http-${status}` });
    if (
      status === 400 &&
      spec.orderId !== undefined &&
      (WRONG_STATE_CODES.has(body.code ?? '') || WRONG_STATE_MESSAGE.test(body.message ?? ''))
    ) {
      const current = /current status is ([A-Z_]+)/i.exec(body.message ?? '')?.[1];
      return new MiraklWrongStateError(message, spec.operation, spec.orderId, current, body.code);
    }
    if (status === 404) return new PermanentError(message, { reason: 'not-found' });
    if (status >= 300 && status < 400) {
      return new PermanentError(
        `${label}: HTTP ${status}: redirects are not followed; configure the URL it points to`,
        { reason: 'redirect' },
      );
    }
    return new PermanentError(message, {
      reason: status === 400 ? 'bad-request' : `http-${status}`,
    });
  }

  /** Parses a JSON answer; a body that is not JSON is a permanent error. */
  json(operation: string, res: RawResponse): unknown {
    try {
      return JSON.parse(res.text) as unknown;
    } catch {
      throw new PermanentError(`Mirakl ${operation}: the answer is not valid JSON`, {
        reason: 'malformed-response',
      });
    }
  }
}

/** Validates a decoded answer; the error names every missing or mistyped field. */
export function parseDto<S extends z.ZodType>(
  operation: string,
  schema: S,
  value: unknown,
  /** A value the schema's guard passes is taken as it came, its unnamed keys kept (ADR 0175). */
  asIs = false,
): z.output<S> {
  const result = asIs ? safeParseAsIs(schema, value) : schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  throw new PermanentError(`Mirakl ${operation}: unexpected answer: ${problems}`, {
    reason: 'schema-mismatch',
  });
}

function parseErrorBody(text: string): { message?: string; code?: string } {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; code?: unknown };
    return {
      message: typeof parsed.message === 'string' ? parsed.message : undefined,
      code: typeof parsed.code === 'string' ? parsed.code : undefined,
    };
  } catch {
    return {};
  }
}

/** `Retry-After` of a Mirakl 429; 2 s when absent (what Mirakl clients use). */
export function parseRetryAfter(value: string | null, now = Date.now()): number {
  return parseRetryAfterHeader(value, 2_000, now);
}

function addressRefused(label: string, detail: string): PermanentError {
  return new PermanentError(
    `${label}: refused to connect: ${detail}. Only simulators and local runs may use such ` +
      'addresses, through the trustedHosts option',
    { reason: 'address-refused' },
  );
}

function headerValue(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.map(String).join(', ');
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
