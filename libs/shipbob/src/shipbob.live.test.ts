import { createLogger } from '@msync/platform';
import { describe, expect, it } from '@jest/globals';
import { liveVariables, type RecordedExchange } from '@msync/test-support';
import { SHIPBOB_SANDBOX_URL, createShipBobClient } from './client.js';
import { createRateLimiter } from './limiter.js';
import { shipBobProblems } from '../../../sandbox/shipbob-sim/src/test-support/openapi.js';
import { newOrder, recordExchanges } from './test-support/harness.js';

// The same operations against ShipBob itself (its sandbox by default). Records it creates use
// fixed reference ids, so repeated runs exercise the duplicate paths instead of piling up data.
// Runs only with `npm run test:live`: SHIPBOB_PAT (optionally SHIPBOB_BASE_URL, default the sandbox).
const { SHIPBOB_PAT: pat } = liveVariables(['SHIPBOB_PAT']);
const baseUrl = process.env['SHIPBOB_BASE_URL'] ?? SHIPBOB_SANDBOX_URL;

describe(`ShipBob client against ${baseUrl}`, () => {
  const exchanges: RecordedExchange[] = [];
  const client = createShipBobClient({
    pat,
    storeId: 'contract',
    logger: createLogger({ level: 'warn' }),
    limiter: createRateLimiter(),
    baseUrl,
    onExchange: recordExchanges(exchanges),
  });
  const sku = 'MSYNC-CONTRACT-SKU-1';

  it('verifies the token and lists fulfillment centers', async () => {
    expect((await client.verifyToken()).channelId).toEqual(expect.any(Number));
    expect((await client.listFulfillmentCenters()).length).toBeGreaterThan(0);
  });

  it('ensures a product once and reads its inventory', async () => {
    const first = await client.ensureProduct({ sku, name: 'msync contract product' });
    const again = await client.ensureProduct({ sku, name: 'msync contract product' });
    expect(again.product.id).toBe(first.product.id);
    if (first.variant.inventoryId !== null) {
      const levels = await client.getInventoryLevels([first.variant.inventoryId]);
      expect(levels[0]?.inventoryId).toBe(first.variant.inventoryId);
    }
  });

  it('creates an order idempotently and lists recent orders and returns', async () => {
    const first = await client.createOrder(
      newOrder('msync-contract-order-1', [{ sku, quantity: 1 }]),
    );
    const again = await client.createOrder(
      newOrder('msync-contract-order-1', [{ sku, quantity: 1 }]),
    );
    expect(again).toMatchObject({ created: false, order: { id: first.order.id } });
    const { orders } = await client.listOrdersUpdatedSince(
      new Date(Date.now() - 7 * 24 * 3600_000),
    );
    expect(Array.isArray(orders)).toBe(true);
    expect(
      Array.isArray(
        await client.listReturns({ createdSince: new Date(Date.now() - 7 * 24 * 3600_000) }),
      ),
    ).toBe(true);
  });

  it('ShipBob’s own responses validate against shipbob-2025-07.json', () => {
    expect(shipBobProblems(exchanges)).toEqual([]);
  });
});
