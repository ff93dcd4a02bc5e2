import type { Principal } from './domain/access.js';
import { Problem } from './domain/problem.js';
import type { ReporterAnswer, ReporterPort } from './domain/ports.js';
import type { StoreService } from './stores.js';

/**
 * The report preview, test send and history of a store (ADR 0072): the tenant check here, the
 * data and the mail path in the reporter. Without a reporter configured (`REPORTER_URL` unset)
 * every call is 503.
 */
export class ReportsService {
  constructor(
    private readonly deps: { stores: Pick<StoreService, 'get'>; reporter: ReporterPort | null },
  ) {}

  async preview(principal: Principal, storeId: string) {
    return unwrap(await (await this.reporter(principal, storeId)).preview(storeId));
  }

  async sendTest(principal: Principal, storeId: string) {
    return unwrap(await (await this.reporter(principal, storeId)).sendTest(storeId));
  }

  async history(principal: Principal, storeId: string, limit: number) {
    return unwrap(await (await this.reporter(principal, storeId)).history(storeId, limit));
  }

  /** The reporter, once the caller may see the store (404 otherwise, as every store endpoint). */
  private async reporter(principal: Principal, storeId: string): Promise<ReporterPort> {
    await this.deps.stores.get(principal, storeId);
    if (!this.deps.reporter)
      throw new Problem(
        503,
        'reporter-unavailable',
        'Reports are not available',
        'config-api has no REPORTER_URL',
      );
    return this.deps.reporter;
  }
}

/** The reporter's value, or its problem as ours (ADR 0080). */
export function unwrap<T>(answer: ReporterAnswer<T>): T {
  if (answer.ok) return answer.value;
  switch (answer.status) {
    case 404:
      return fail(
        409,
        'report-not-ready',
        'The reporter has not read this store yet',
        'Try again in a moment',
      );
    case 409:
      throw new Problem(
        409,
        'no-report-address',
        'The store has no report e-mail address',
        'Set reportEmail in the store settings first',
        [{ field: 'reportEmail', rule: 'required', message: 'a report address is needed to send' }],
      );
    case 429:
      throw new Problem(
        429,
        'too-many-test-reports',
        'A test report was sent a moment ago',
        answer.detail,
        [],
        {
          retryAfterSeconds: answer.retryAfterSeconds ?? 60,
        },
      );
    case 502:
      return fail(
        502,
        'mail-refused',
        'The mail server refused or failed the report',
        answer.detail,
      );
    default:
      return fail(
        503,
        'reporter-unavailable',
        'Reports are not available right now',
        answer.detail,
      );
  }
}

function fail(status: number, type: string, title: string, detail: string): never {
  throw new Problem(status, type, title, detail || undefined);
}
