import type { ErrorRequestHandler, Response } from 'express';
import { AppError, errorMessage, type Logger } from '@msync/platform';
import { Problem } from '../domain/problem.js';

/** How the API answers a failed request, and how loudly it is logged. */
export type FailureOutcome =
  | { kind: 'answer'; problem: Problem; log: 'none' | 'error' }
  /** The client hung up while sending its body: nobody is left to answer. */
  | { kind: 'client-abort' };

/** An error as express's body reader and router raise them (`http-errors`). */
interface HttpError {
  status?: unknown;
  type?: unknown;
}

/** Decides the answer to a failed request: our problems, vendor failures, body and routing errors. */
export function classifyFailure(error: unknown): FailureOutcome {
  if (error instanceof Problem) return { kind: 'answer', problem: error, log: 'none' };
  if (error instanceof AppError) {
    const problem = vendorProblem(error);
    return { kind: 'answer', problem, log: problem.status >= 500 ? 'error' : 'none' };
  }
  const { status, type } = (error ?? {}) as HttpError;
  if (type === 'request.aborted') return { kind: 'client-abort' };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { kind: 'answer', problem: requestProblem(status), log: 'none' };
  }
  return {
    kind: 'answer',
    problem: new Problem(500, 'internal', 'Unexpected failure'),
    log: 'error',
  };
}

function requestProblem(status: number): Problem {
  if (status === 413) return bodyTooLarge();
  if (status === 415) return unsupportedMediaType();
  return new Problem(400, 'bad-request', 'Malformed request', 'Check the URL and the body');
}

function vendorProblem(error: AppError): Problem {
  switch (error.kind) {
    case 'retriable':
    case 'rate-limited':
      return new Problem(
        503,
        'vendor-unavailable',
        'A vendor API could not be reached; try again',
        errorMessage(error),
      );
    case 'permanent':
      return new Problem(
        502,
        'vendor-error',
        'A vendor API answered unexpectedly',
        errorMessage(error),
      );
  }
}

export const BODY_LIMIT_BYTES = 16 * 1024;

/** The client hung up before its request was complete (as express's body reader reports it). */
export const clientAborted = (): Error =>
  Object.assign(new Error('request aborted'), { type: 'request.aborted' });

export const bodyTooLarge = (): Problem =>
  new Problem(413, 'body-too-large', `The body is larger than ${BODY_LIMIT_BYTES} bytes`);

export const unsupportedMediaType = (): Problem =>
  new Problem(
    415,
    'unsupported-media-type',
    'The body must be application/json',
    'Send Content-Type: application/json (uncompressed, UTF-8)',
  );

/** Writes an RFC 9457 problem. */
export function sendProblem(res: Response, problem: Problem): void {
  const body: Record<string, unknown> = {
    type: `https://msync.dev/problems/${problem.type}`,
    title: problem.title,
    status: problem.status,
    ...(problem.detail ? { detail: problem.detail } : {}),
    ...(problem.errors.length > 0 ? { errors: problem.errors } : {}),
    ...problem.extra,
  };
  const retryAfter = problem.extra['retryAfterSeconds'];
  if (typeof retryAfter === 'number') res.set('retry-after', String(retryAfter));
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(body));
}

/** The last middleware: every failure becomes a problem+json answer (or a log line). */
export function problemHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const outcome = classifyFailure(error);
    const where = { method: req.method, path: req.path };
    if (outcome.kind === 'client-abort') {
      log.info('client aborted the request', where);
      return;
    }
    if (outcome.log === 'error') {
      log.error('request failed', { ...where, error: errorMessage(error) });
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    sendProblem(res, outcome.problem);
  };
}
