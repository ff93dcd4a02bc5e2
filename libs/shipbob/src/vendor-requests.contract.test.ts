import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMetricsRegistry, vendorRequests } from '@msync/platform';
import { startMiraklSimulator, type RunningMiraklSimulator } from '@msync/mirakl-sim';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { fastClient } from '../../mirakl/src/test-support/harness.js';
import { clientFor, newOrder, seedAccount } from './test-support/harness.js';
import { operationOf } from './transport.js';

// Both vendor clients count every request they send in `vendor_requests_total`, which every
// service's registry shows: the call rates against ShipBob's 150 a minute per token and Mirakl's
// frequency per shop and operation (the dashboard's vendor budget panels).

let shipbob: RunningShipBobSimulator;
let mirakl: RunningMiraklSimulator;
beforeAll(async () => {
  shipbob = await startShipBobSimulator({ port: 0 });
  mirakl = await startMiraklSimulator({ port: 0, paymentDelayMs: null });
});
afterAll(async () => {
  await shipbob.close();
  await mirakl.close();
});

/** The count of one label set, 0 when it has none yet. */
async function requests(labels: Record<string, string>): Promise<number> {
  const { values } = await vendorRequests.get();
  return values
    .filter((v) =>
      Object.entries(labels).every(
        ([k, want]) => (v.labels as Record<string, string | number | undefined>)[k] === want,
      ),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

describe('vendor_requests_total', () => {
  it('counts ShipBob requests by route, store and status, ids written as {id}', async () => {
    const account = seedAccount(shipbob);
    const { client } = clientFor(shipbob, account, { storeId: 'store-metrics' });
    const labels = { system: 'shipbob', account: 'store-metrics' };
    const before = await requests({ ...labels, operation: 'POST /2025-07/order', status: '201' });

    const created = await client.createOrder(newOrder('MKP-METRICS-1'));
    await client.getOrder(created.order.id);

    expect(await requests({ ...labels, operation: 'POST /2025-07/order', status: '201' })).toBe(
      before + 1,
    );
    expect(await requests({ ...labels, operation: 'GET /2025-07/order/{id}', status: '200' })).toBe(
      1,
    );
  });

  it('counts Mirakl requests by operation, shop and status, refusals included', async () => {
    const shop = mirakl.control.addShop({ shopId: 4321, apiKey: 'key-metrics' });
    const client = fastClient(mirakl.url, shop.apiKey, { shopId: 4321, retries: 0 });
    const account = `${new URL(mirakl.url).host}/4321`;

    await client.listOrdersUpdatedSince({ updatedSince: new Date(0) });
    await expect(
      fastClient(mirakl.url, 'wrong-key', { shopId: 4321, retries: 0 }).listOrdersUpdatedSince({
        updatedSince: new Date(0),
      }),
    ).rejects.toThrow();

    expect(await requests({ system: 'mirakl', operation: 'OR11', account, status: '200' })).toBe(1);
    expect(await requests({ system: 'mirakl', operation: 'OR11', account, status: '401' })).toBe(1);
  });

  it("is shown by every service's registry", async () => {
    const metrics = await createMetricsRegistry('some-service').metrics();
    expect(metrics).toContain('vendor_requests_total{system="shipbob"');
  });

  it('names routes without their ids or query', () => {
    expect(operationOf('/2025-07/order/123:cancel')).toBe('/2025-07/order/{id}:cancel');
    expect(operationOf('/2025-07/order/77/shipment/501?x=1')).toBe(
      '/2025-07/order/{id}/shipment/{id}',
    );
    expect(operationOf('/2025-07/product?SKU=A,B')).toBe('/2025-07/product');
  });
});
