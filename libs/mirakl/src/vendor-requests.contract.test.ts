import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMetricsRegistry } from '@msync/platform';
import { startMiraklSimulator, type RunningMiraklSimulator } from '@msync/mirakl-sim';
import { counted } from '@msync/test-support';
import { fastClient } from './test-support/harness.js';

// The Mirakl client counts every request it sends in `vendor_requests_total`, which every
// service's registry shows: the call rates against Mirakl's frequency per shop and operation
// (the dashboard's vendor budget panels).

let mirakl: RunningMiraklSimulator;
beforeAll(async () => {
  mirakl = await startMiraklSimulator({ port: 0, paymentDelayMs: null });
});
afterAll(async () => {
  await mirakl.close();
});

const registry = createMetricsRegistry('mirakl_client_test');
/** The count of one label set, 0 when it has none yet. */
const requests = (labels: Record<string, string>) =>
  counted(registry, 'vendor_requests_total', labels);

describe('vendor_requests_total', () => {
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
});
