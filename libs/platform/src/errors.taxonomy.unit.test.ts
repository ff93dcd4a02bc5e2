import { describe, expect, it } from '@jest/globals';
import {
  AppError,
  CredentialsError,
  PermanentError,
  RateLimitedError,
  RetriableError,
  classifyError,
  errorMessage,
  errorReason,
  isErrorLike,
  parseRetryAfter,
} from './errors.js';

describe('error classes', () => {
  it('carry their kind, their own name and a reason', () => {
    const cause = new Error('socket hang up');
    const retriable = new RetriableError('ShipBob timed out', { cause, reason: 'timeout' });
    expect(retriable).toBeInstanceOf(AppError);
    expect(retriable).toMatchObject({
      name: 'RetriableError',
      kind: 'retriable',
      message: 'ShipBob timed out',
      reason: 'timeout',
      cause,
    });

    const limited = new RateLimitedError('slow down', 1_500);
    expect(limited).toMatchObject({
      name: 'RateLimitedError',
      kind: 'rate-limited',
      retryAfterMs: 1_500,
      reason: 'unspecified',
    });

    expect(new PermanentError('bad SKU', { reason: 'schema-mismatch' })).toMatchObject({
      name: 'PermanentError',
      kind: 'permanent',
      reason: 'schema-mismatch',
    });
  });

  it('have no cause unless one was given', () => {
    expect('cause' in new RetriableError('x')).toBe(false);
    expect('cause' in new RetriableError('x', { reason: 'r' })).toBe(false);
    expect(new RetriableError('x', { cause: 0 }).cause).toBe(0);
  });

  it('take refused credentials for a permanent failure with its own reason', () => {
    const refused = new CredentialsError('ShipBob refused the PAT');
    expect(refused).toBeInstanceOf(PermanentError);
    expect(refused).toMatchObject({
      name: 'CredentialsError',
      kind: 'permanent',
      reason: 'credentials-rejected',
    });
    expect(new CredentialsError('x', { reason: 'token-expired' }).reason).toBe('token-expired');
    expect(classifyError(refused)).toBe('permanent');
  });
});

describe('classification', () => {
  it('follows the kind of a classified error and retries anything else', () => {
    expect(classifyError(new RetriableError('x'))).toBe('retriable');
    expect(classifyError(new RateLimitedError('x', 1))).toBe('rate-limited');
    expect(classifyError(new PermanentError('x'))).toBe('permanent');
    expect(classifyError(new TypeError('x'))).toBe('retriable');
    expect(classifyError('boom')).toBe('retriable');
    expect(classifyError(undefined)).toBe('retriable');
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it.each([
    [null, 4_000],
    [undefined, 4_000],
    ['', 4_000],
    ['   ', 4_000],
    ['soon', 4_000],
    ['-1', 4_000],
    ['0', 0],
    ['2', 2_000],
    ['1.2', 1_200],
    ['0.0001', 1],
  ])('reads %j as %d ms', (header, expected) => {
    expect(parseRetryAfter(header, 4_000, now)).toBe(expected);
  });

  it('waits until an HTTP date, and not at all for a past one', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', 4_000, now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:59:00 GMT', 4_000, now)).toBe(0);
  });

  it('measures an HTTP date from the current time by default', () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const waited = parseRetryAfter(inAMinute, 4_000);
    expect(waited).toBeGreaterThan(55_000);
    expect(waited).toBeLessThanOrEqual(60_000);
  });
});

describe('describing any thrown value', () => {
  it('recognises errors from any realm and error-shaped objects', () => {
    expect(isErrorLike(new Error('x'))).toBe(true);
    expect(isErrorLike(new DOMException('aborted', 'AbortError'))).toBe(true);
    expect(isErrorLike({ name: 'FetchError', message: 'reset' })).toBe(true);
    expect(isErrorLike({ name: 'FetchError' })).toBe(false);
    expect(isErrorLike({ message: 'reset' })).toBe(false);
    expect(isErrorLike({ name: 1, message: 'reset' })).toBe(false);
    expect(isErrorLike(null)).toBe(false);
    // Every function has a string `name`; one with a `message` is still not an error.
    expect(isErrorLike(Object.assign(() => undefined, { message: 'reset' }))).toBe(false);
    expect(isErrorLike('Error: reset')).toBe(false);
  });

  it('gives a reason for DLQ headers and metrics', () => {
    expect(errorReason(new PermanentError('x', { reason: 'schema-mismatch' }))).toBe(
      'schema-mismatch',
    );
    expect(errorReason(new TypeError('x'))).toBe('TypeError');
    expect(errorReason({ name: 'FetchError', message: 'reset' })).toBe('FetchError');
    expect(errorReason('boom')).toBe('non-error-thrown');
    expect(errorReason(null)).toBe('non-error-thrown');
  });

  it('gives a message without a stack', () => {
    expect(errorMessage(new Error('disk full'))).toBe('disk full');
    expect(errorMessage({ name: 'FetchError', message: 'reset' })).toBe('reset');
    expect(errorMessage('plain words')).toBe('plain words');
    expect(errorMessage({ code: 42 })).toBe('{"code":42}');
    expect(errorMessage(7)).toBe('7');
  });
});
