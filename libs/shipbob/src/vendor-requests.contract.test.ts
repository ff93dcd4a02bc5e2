import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMetricsRegistry } from '@msync/platform';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { counted } from '@msync/test-support';
import { clientFor, newOrder, seedAccount } from './test-support/harness.js';
import { operationOf } from './transport.js';

// The ShipBob client counts every request it sends in `vendor_requests_total`, which every
// service's registry shows: the call rate against ShipBob's 150 a minute per token (the
// dashboard's vendor budget panels). The Mirakl client's count is tested beside it.

let shipbob: RunningShipBobSimulator;
beforeAll(async () => {
  shipbob = await startShipBobSimulator({ port: 0 });
});
afterAll(async () => {
  await shipbob.close();
});

const registry = createMetricsRegistry('shipbob_client_test');
/** The count of one label set, 0 when it has none yet. */
const requests = (labels: Record<string, string>) =>
  counted(registry, 'vendor_requests_total', labels);

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
