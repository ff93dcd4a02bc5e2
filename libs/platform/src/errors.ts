import { types } from 'node:util';

/**
 * One error taxonomy for the whole product. Every failure is classified by what a caller can do
 * about it: retry later, wait for a server-given time, or give up (and dead-letter the input).
 */
export type ErrorKind = 'retriable' | 'rate-limited' | 'permanent';

interface ErrorOptions {
  cause?: unknown;
  /** Machine-readable reason, e.g. `schema-mismatch`, `credentials-rejected`. */
  reason?: string;
}

/** Base class of every classified error in the product. */
export abstract class AppError extends Error {
  abstract readonly kind: ErrorKind;
  readonly reason: string;

  protected constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.reason = options.reason ?? 'unspecified';
  }
}

/** A transient failure (timeout, connection reset, 5xx): the same call may succeed later. */
export class RetriableError extends AppError {
  readonly kind = 'retriable' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The server asked us to slow down; `retryAfterMs` is how long it wants us to wait. */
export class RateLimitedError extends AppError {
  readonly kind = 'rate-limited' as const;
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Milliseconds a `Retry-After` (or `x-retry-after`) header asks for: seconds or an HTTP date;
 * `fallbackMs` when the header is absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  fallbackMs: number,
  now = Date.now(),
): number {
  if (value === null || value === undefined || value.trim() === '') return fallbackMs;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : fallbackMs;
  const date = Date.parse(value);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - now);
}

/** Retrying cannot help (bad input, unparseable payload, rule violation): dead-letter or report. */
export class PermanentError extends AppError {
  readonly kind = 'permanent' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Credentials were refused (401/403). Permanent until a human fixes the configuration. */
export class CredentialsError extends PermanentError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, { reason: 'credentials-rejected', ...options });
  }
}

/**
 * Classifies any thrown value. Unknown errors count as retriable: an unexplained failure must
 * never cause an input to be acknowledged and dropped.
 */
export function classifyError(error: unknown): ErrorKind {
  if (error instanceof AppError) return error.kind;
  return 'retriable';
}

/**
 * True for any Error, whichever realm made it. `instanceof Error` is false for errors made by
 * Node itself (fetch, AbortSignal, sockets) when the code runs in another realm, as under jest.
 */
export function isErrorLike(value: unknown): value is Error {
  return (
    types.isNativeError(value) ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { name?: unknown }).name === 'string' &&
      typeof (value as { message?: unknown }).message === 'string')
  );
}

/** Reason string for an error, for DLQ headers, metrics labels and logs. */
export function errorReason(error: unknown): string {
  if (error instanceof AppError) return error.reason;
  if (isErrorLike(error)) return error.name;
  return 'non-error-thrown';
}

/** Renders any thrown value as a message, without its stack. */
export function errorMessage(error: unknown): string {
  if (isErrorLike(error)) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/**
 * The most specific error code in a network failure's cause chain (`ECONNREFUSED`,
 * `ECONNRESET`, `ERR_CANCELED`...), or its name. HTTP client errors carry the request (headers
 * included), so callers keep this code instead of the error. Read by name and code, never
 * `instanceof`: errors made in another realm (test runners) fail `instanceof` checks.
 */
export function networkErrorCode(error: unknown): string {
  let code: string | undefined;
  let name: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code: c, name: n } = current as { code?: unknown; name?: unknown };
    if (typeof c === 'string' && /^[A-Z][A-Z0-9_]*$/.test(c)) code = c;
    if (name === undefined && typeof n === 'string') name = n;
    current = (current as { cause?: unknown }).cause;
  }
  return code ?? name ?? 'UNKNOWN';
}
