import { CredentialsError } from '@msync/platform';
import { expect, it } from '@jest/globals';
import type { MiraklStore } from '../domain.js';

export interface ContractTarget {
  /** A client for the store under test. */
  client: () => MiraklStore;
  /** A client for the same store with a key it refuses. */
  clientWithWrongKey: () => MiraklStore;
}

/**
 * The part of the contract that is safe against a real store: it reads, it never accepts,
 * ships, cancels or changes stock. Registered for the simulator and for a live instance.
 */
export function readOnlyContract(target: () => ContractTarget): void {
  it('answers the health check', async () => {
    await expect(target().client().checkHealth()).resolves.toBeUndefined();
  });

  it('reads the shop behind the key', async () => {
    const shop = await target().client().verifyCredentials();
    expect(shop.shopId).toBeGreaterThan(0);
    expect(shop.name).not.toBe('');
    expect(shop.currency).toMatch(/^[A-Z]{3}$/);
  });

  it('refuses a wrong key with a credentials error', async () => {
    await expect(target().clientWithWrongKey().verifyCredentials()).rejects.toBeInstanceOf(
      CredentialsError,
    );
  });

  it('lists offers with the fields the product needs', async () => {
    const offers = await target().client().listOffers();
    for (const offer of offers) {
      expect(offer.shopSku).not.toBe('');
      expect(Number.isInteger(offer.quantity)).toBe(true);
    }
  });

  it('lists orders updated in the last day, each once, with lines', async () => {
    const since = new Date(Date.now() - 24 * 3600_000);
    const orders = await target().client().listOrdersUpdatedSince({ updatedSince: since });
    expect(new Set(orders.map((o) => o.orderId)).size).toBe(orders.length);
    for (const order of orders) {
      expect(order.lines.length).toBeGreaterThan(0);
      expect(order.lastUpdatedAt.getTime()).toBeGreaterThan(0);
    }
  });

  it('lists the registered carriers', async () => {
    const carriers = await target().client().listCarriers();
    for (const c of carriers) expect(c.code).not.toBe('');
  });
}
