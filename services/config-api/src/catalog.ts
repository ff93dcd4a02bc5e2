import type { Principal } from './domain/access.js';
import { Problem } from './domain/problem.js';
import type { ApplierPort, ServiceAnswer } from './domain/ports.js';
import type { StoreService } from './stores.js';

/**
 * The seller's catalog view of a store (ADR 0089): the tenant check here, the data in the
 * sync-applier. Without an applier configured (`APPLIER_URL` unset) every call is 503.
 */
export class CatalogService {
  constructor(
    private readonly deps: { stores: Pick<StoreService, 'get'>; applier: ApplierPort | null },
  ) {}

  async cycles(principal: Principal, storeId: string) {
    return unwrap(await (await this.applier(principal, storeId)).cycles(storeId));
  }

  async skus(
    principal: Principal,
    storeId: string,
    query: { q?: string; limit?: number; after?: string },
  ) {
    return unwrap(await (await this.applier(principal, storeId)).skus(storeId, query));
  }

  /** The applier, once the caller may see the store (404 otherwise, as every store endpoint). */
  private async applier(principal: Principal, storeId: string): Promise<ApplierPort> {
    await this.deps.stores.get(principal, storeId);
    if (!this.deps.applier)
      throw new Problem(
        503,
        'catalog-unavailable',
        'The catalog view is not available',
        'config-api has no APPLIER_URL',
      );
    return this.deps.applier;
  }
}

/** The applier's value; any refusal is 503 (config-api checked the query already). */
function unwrap<T>(answer: ServiceAnswer<T>): T {
  if (answer.ok) return answer.value;
  throw new Problem(
    503,
    'catalog-unavailable',
    'The catalog view is not available right now',
    answer.detail || undefined,
  );
}
