import type { RuleViolation } from './store.js';

/** An RFC 9457 problem the API answers with; `errors` name the field and the rule. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors: RuleViolation[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'Problem';
  }

  static validation(errors: RuleViolation[]): Problem {
    return new Problem(
      422,
      'validation',
      'The request breaks a rule',
      errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      errors,
    );
  }

  static notFound(what = 'store'): Problem {
    return new Problem(404, 'not-found', `No such ${what}`);
  }

  static forbidden(detail: string): Problem {
    return new Problem(403, 'forbidden', 'Not allowed with this token', detail);
  }

  static stale(current: number): Problem {
    return new Problem(
      412,
      'stale-version',
      'The store changed since you read it',
      'Read the store again and re-apply your change',
      [],
      { currentVersion: current },
    );
  }
}
