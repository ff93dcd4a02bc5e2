/**
 * The local run's demo store: the demo tenant's store on the Mirakl simulator's demo shop,
 * connected and configured through config-api's API on every start (the same store afterwards),
 * so orders, tracking, offers and stock flow without anyone filling in a form.
 */
import { apiCaller, expectStatus } from './demo-tenant.js';

export interface DemoStoreOptions {
  apiUrl: string;
  /** The demo tenant's token. */
  token: string;
  miraklUrl: string;
  miraklApiKey: string;
  shipbobPat: string;
  pollIntervalMinutes: number;
  /** Units of ShipBob's stock kept back from Mirakl. */
  inventoryBuffer: number;
}

export interface DemoStore {
  storeId: string;
  name: string;
  /** The store's configuration version once set up (its ETag): first polls wait for it. */
  configVersion: number | null;
}

/**
 * Connects (or reconnects) the demo shop and turns every flow the simulators show on: Order Sync,
 * Tracking, Sync Offers and Sync Inventory (with its buffer).
 */
export async function ensureDemoStore(options: DemoStoreOptions): Promise<DemoStore> {
  const call = apiCaller(options.apiUrl);
  const connected = await call('POST', '/v1/stores', options.token, {
    miraklUrl: options.miraklUrl,
    miraklApiKey: options.miraklApiKey,
  });
  let storeId: string;
  if (connected.status === 409 && typeof connected.body['existingStoreId'] === 'string') {
    // Connected by an earlier start: reconnect it if it was disconnected since.
    storeId = connected.body['existingStoreId'];
  } else {
    expectStatus(connected, 201, 'connect the demo store');
    storeId = String(connected.body['id']);
  }
  let current = await call('GET', `/v1/stores/${storeId}`, options.token);
  expectStatus(current, 200, 'read the demo store');
  if (current.body['status'] !== 'CONNECTED') {
    const again = await call('POST', `/v1/stores/${storeId}/connect`, options.token, {
      miraklApiKey: options.miraklApiKey,
    });
    expectStatus(again, 200, 'reconnect the demo store');
    current = await call('GET', `/v1/stores/${storeId}`, options.token);
  }
  // The PAT is given again on every start: the ShipBob simulator's merchant is new each time.
  const configured = await call(
    'PATCH',
    `/v1/stores/${storeId}`,
    options.token,
    {
      shipbobPat: options.shipbobPat,
      toggles: { orders: true, tracking: true, offers: true, inventory: true },
      inventoryBuffer: options.inventoryBuffer,
      pollIntervalMinutes: options.pollIntervalMinutes,
    },
    { 'if-match': current.etag ?? '' },
  );
  expectStatus(configured, 200, 'configure the demo store');
  const version = Number(configured.etag?.replaceAll('"', ''));
  return {
    storeId,
    name: String(configured.body['miraklShopName']),
    configVersion: Number.isInteger(version) ? version : null,
  };
}
