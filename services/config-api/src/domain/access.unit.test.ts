import { describe, expect, it } from '@jest/globals';
import { canSee, type Principal } from './access.js';
import { defaultSettings, type Store } from './store.js';

const store = (over: Partial<Store> = {}): Store => ({
  id: 'store-1',
  tenantId: 'tenant-a',
  status: 'CONNECTED',
  miraklBaseUrl: 'https://acme.mirakl.net',
  miraklShopId: '2001',
  miraklShopName: null,
  miraklApiKey: null,
  shipbob: null,
  settings: defaultSettings(),
  returnsApproved: false,
  version: 1,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  updatedAt: new Date('2026-01-01T00:00:00Z'),
  ...over,
});

const admin: Principal = { role: 'admin', tokenId: 't-admin' };
const tenantA: Principal = { role: 'tenant', tokenId: 't-a', tenantId: 'tenant-a' };
const tenantB: Principal = { role: 'tenant', tokenId: 't-b', tenantId: 'tenant-b' };

describe('who sees a store', () => {
  it('lets an administrator see every tenant’s live stores', () => {
    expect(canSee(admin, store())).toBe(true);
    expect(canSee(admin, store({ tenantId: 'tenant-b', status: 'DISCONNECTED' }))).toBe(true);
  });

  it('lets a tenant see only its own stores', () => {
    expect(canSee(tenantA, store())).toBe(true);
    expect(canSee(tenantA, store({ status: 'DISCONNECTED' }))).toBe(true);
    expect(canSee(tenantB, store())).toBe(false);
  });

  it('hides a deleted store from everyone', () => {
    expect(canSee(admin, store({ status: 'DELETED' }))).toBe(false);
    expect(canSee(tenantA, store({ status: 'DELETED' }))).toBe(false);
  });
});
