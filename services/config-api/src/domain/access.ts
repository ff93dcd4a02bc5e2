import type { Store } from './store.js';

export type Role = 'admin' | 'tenant';

/** Who is calling, as established from the bearer token. */
export type Principal =
  { role: 'admin'; tokenId: string } | { role: 'tenant'; tokenId: string; tenantId: string };

/** A tenant sees only its own stores; another tenant's store is indistinguishable from none. */
export function canSee(principal: Principal, store: Store): boolean {
  if (store.status === 'DELETED') return false;
  switch (principal.role) {
    case 'admin':
      return true;
    case 'tenant':
      return store.tenantId === principal.tenantId;
  }
}
