import { describe, expect, it } from '@jest/globals';
import { Problem } from './problem.js';

describe('API problems', () => {
  it('reports broken rules as 422 with each field and rule, and a readable detail', () => {
    const errors = [
      { field: 'inventoryBuffer', rule: 'non-negative-integer', message: 'at least 0' },
      { field: 'toggles.returns', rule: 'returns-approval-required', message: 'needs approval' },
    ];
    const problem = Problem.validation(errors);
    expect(problem).toBeInstanceOf(Error);
    expect(problem).toMatchObject({
      name: 'Problem',
      status: 422,
      type: 'validation',
      title: 'The request breaks a rule',
      detail: 'inventoryBuffer: at least 0; toggles.returns: needs approval',
      message: 'inventoryBuffer: at least 0; toggles.returns: needs approval',
      errors,
      extra: {},
    });
  });

  it('answers 404 for what is missing, a store unless told otherwise', () => {
    expect(Problem.notFound()).toMatchObject({
      status: 404,
      type: 'not-found',
      title: 'No such store',
      detail: undefined,
      message: 'No such store',
      errors: [],
    });
    expect(Problem.notFound('token').title).toBe('No such token');
  });

  it('answers 403 with the reason', () => {
    expect(Problem.forbidden('Only an administrator approves returns')).toMatchObject({
      status: 403,
      type: 'forbidden',
      title: 'Not allowed with this token',
      detail: 'Only an administrator approves returns',
    });
  });

  it('answers 412 with the current version and what to do', () => {
    expect(Problem.stale(7)).toMatchObject({
      status: 412,
      type: 'stale-version',
      title: 'The store changed since you read it',
      detail: 'Read the store again and re-apply your change',
      errors: [],
      extra: { currentVersion: 7 },
    });
  });
});
