import { describe, expect, it } from '@jest/globals';
import { PermanentError, RetriableError } from '@msync/platform';
import { Problem } from '../domain/problem.js';
import { classifyFailure, clientAborted } from './problems.js';

const statusOf = (error: unknown) => {
  const outcome = classifyFailure(error);
  return outcome.kind === 'answer' ? [outcome.problem.status, outcome.log] : [outcome.kind];
};

describe('what a failed request answers', () => {
  it('answers our own problems as they are, without an error log', () => {
    expect(statusOf(Problem.notFound())).toEqual([404, 'none']);
  });

  it('turns vendor failures into 503 (retry helps) or 502, logged as errors', () => {
    expect(statusOf(new RetriableError('down', { reason: 'timeout' }))).toEqual([503, 'error']);
    expect(statusOf(new PermanentError('odd', { reason: 'bad-request' }))).toEqual([502, 'error']);
  });

  it('maps body-reader errors to 413, 415 and 400', () => {
    expect(statusOf({ status: 413, type: 'entity.too.large' })).toEqual([413, 'none']);
    expect(statusOf({ status: 415, type: 'encoding.unsupported' })).toEqual([415, 'none']);
    expect(statusOf(Object.assign(new URIError('bad'), { status: 400 }))).toEqual([400, 'none']);
  });

  it('treats a client hanging up as a client abort, not a failure', () => {
    expect(statusOf(clientAborted())).toEqual(['client-abort']);
    expect(statusOf({ status: 400, type: 'request.aborted' })).toEqual(['client-abort']);
  });

  it('answers anything else with 500 and an error log', () => {
    expect(statusOf(new Error('bug'))).toEqual([500, 'error']);
  });
});
