import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import {
  CHROMIUM_ARGS,
  capturingLogger,
  chromiumPath,
  infra,
  uniqueName,
  uniqueNamespace,
} from '@msync/test-support';
import { envelope, type EventOf } from '@msync/events';
import {
  ADMIN_TOKEN,
  KEY_A,
  client,
  configApiHarness,
  eventually,
  type Harness,
  type Instance,
} from '../../services/config-api/src/test-support/harness.js';
import { orderJourney } from '../../services/config-api/src/test-support/order-events.js';
import {
  startApplierProcess,
  startReporterProcess,
  type ReporterProcess,
  type ServiceProcess,
} from '../../services/config-api/src/test-support/service-process.js';

// The administrator's and then the seller's journey in the management UI, in real headless
// Chromium, against config-api on real Kafka and MongoDB and the two vendor simulators.

const SHOTS = join(process.cwd(), 'test-output', 'config-api-ui');
const MIRAKL_KEY = 'ui-mirakl-key-4e3d2c1b';
const PAT = 'ui-shipbob-pat-9a8b7c6d';
const { logger, lines } = capturingLogger('info');

let h: Harness;
let instance: Instance;
let reporter: ReporterProcess | undefined;
let applier: ServiceProcess | undefined;
let database = '';
let browser: Browser;
let page: Page;
let tenantToken = '';
let shot = 0;

const screenshot = async (name: string) => {
  shot += 1;
  await page.screenshot({
    path: join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
};

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  database = uniqueName('config-api-ui');
  h = await configApiHarness({ infra: infra(), database, namespace: uniqueNamespace(), logger });
  h.mirakl.control.addShop({ shopId: 7001, apiKey: MIRAKL_KEY, name: 'Sunrise Goods' });
  h.shipbob.control.world.seedMerchant({ pats: [PAT], withOtherChannel: true });
  // The Reports tab asks the real reporter, through config-api (ADR 0072).
  reporter = await startReporterProcess({
    path: process.env['PATH'] ?? '',
    infra: infra(),
    namespace: h.namespace,
    database,
  });
  instance = await h.start({ activity: true, reporterUrl: reporter.url });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await reporter?.close();
  await applier?.close();
  await h?.close();
});

describe('config-api UI', () => {
  let storeId = '';

  it('lets an administrator create a tenant and issue it a token, shown once', async () => {
    await page.goto(instance.url);
    await page.fill('#f-token', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await textBecomes(page.locator('#who'), 'Administrator');
    await page.locator('.empty', { hasText: 'Stores are connected by a tenant' }).waitFor();
    await screenshot('admin-no-store-yet');

    await page.click('#nav-tenants');
    await page.locator('.empty', { hasText: 'No tenant yet' }).waitFor();
    await page.click('#create-tenant');
    await expectFieldError('name', /at least 1|too small|>=1/i);
    await page.fill('#f-name', 'Sunrise');
    await page.click('#create-tenant');
    await page.locator('h1', { hasText: 'Sunrise' }).waitFor();
    await screenshot('tenant-created');

    await page.fill('#f-name', 'ui');
    await page.click('#issue-token');
    await page.locator('#issued', { hasText: 'Token “ui” issued' }).waitFor();
    tenantToken = await page.locator('#issued-token').inputValue();
    expect(tenantToken).toMatch(/^msync_[A-Za-z0-9_-]{43}$/);
    await expect(page.locator('#issued').textContent()).resolves.toContain('shown only once');
    await screenshot('token-issued');

    // A second token, revoked again (two clicks): it stops working at once.
    await page.fill('#f-name', 'spare');
    await page.click('#issue-token');
    await page.locator('#issued', { hasText: 'Token “spare” issued' }).waitFor();
    const spare = await page.locator('#issued-token').inputValue();
    expect(spare).not.toBe(tenantToken);
    const spareRow = page.locator('tr', { hasText: 'spare' });
    await spareRow.getByRole('button', { name: 'Revoke' }).click();
    await spareRow.getByRole('button', { name: 'Click again to revoke' }).click();
    await spareRow.waitFor({ state: 'detached' });
    await expect(page.locator('tbody tr').count()).resolves.toBe(1);
    expect((await client(instance.url, spare)('GET', '/v1/whoami')).status).toBe(401);
    expect((await client(instance.url, tenantToken)('GET', '/v1/whoami')).status).toBe(200);

    await page.click('#nav-tenants');
    const row = page.locator('tr', { hasText: 'Sunrise' });
    await row.waitFor();
    await textBecomes(row.locator('td').nth(2), '1');
    await screenshot('tenants');
    await page.click('#sign-out');
    await page.locator('#f-token').waitFor();
  });

  it('signs in as that tenant and connects its store with the URL from the address bar', async () => {
    await page.fill('#f-token', tenantToken);
    await page.click('button[type=submit]');
    await page.getByRole('link', { name: 'Integrate New Store' }).waitFor();
    // The header names the tenant, not its id.
    await textBecomes(page.locator('#who'), 'Sunrise');
    await expect(page.locator('#nav-tenants').count()).resolves.toBe(0);
    await screenshot('store-list-empty');
    await page.getByRole('link', { name: 'Integrate New Store' }).click();

    // What the browser shows while the seller is logged in to the Mirakl back office.
    await page.fill('#f-miraklUrl', `${h.mirakl.url}/mmp/shop/order/list?limit=20#top`);
    await page.fill('#f-miraklApiKey', 'a-wrong-key-0000');
    await page.click('button[type=submit]');
    await expectFieldError('miraklApiKey', /Mirakl refused this API key/);
    await screenshot('connect-wrong-key');

    await page.fill('#f-miraklApiKey', MIRAKL_KEY);
    await page.click('button[type=submit]');
    await page.locator('[data-status=CONNECTED]').waitFor();
    await textBecomes(page.locator('h1'), 'Sunrise Goods');
    await textBecomes(page.locator('h1 + .muted'), h.mirakl.url);
    storeId = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    expect(storeId).not.toBe('');
    await screenshot('store-connected');
  });

  it('enters a ShipBob PAT, turns toggles on, sets buffer and fulfillment center, and shows errors next to fields', async () => {
    await page.click('#tab-configuration');
    await page.locator('#f-shipbobPat').waitFor();
    await expect(page.locator('#f-returnFulfillmentCenterId').isDisabled()).resolves.toBe(true);

    // A toggle without a PAT is refused next to the toggle.
    await page.locator('label[for=t-inventory]').click();
    await page.click('#save');
    await expectFieldError('inventory', /needs a verified ShipBob personal access token/);
    await screenshot('toggle-without-pat');

    await page.fill('#f-shipbobPat', PAT);
    for (const name of ['offers', 'orders', 'tracking'])
      await page.locator(`label[for=t-${name}]`).click();
    await page.fill('#f-inventoryBuffer', '-2');
    await page.click('#save');
    await expectFieldError('inventoryBuffer', /too small|at least 0|>=0/i);
    await screenshot('negative-buffer');

    await page.fill('#f-inventoryBuffer', '3');
    await page.fill('#f-reportEmail', 'returns@sunrise.example');
    await page.fill('#f-pollIntervalMinutes', '10');
    await saveConfiguration();
    await expect(page.locator('#f-returnFulfillmentCenterId').isDisabled()).resolves.toBe(false);
    for (const name of ['offers', 'inventory', 'orders', 'tracking']) {
      await expect(page.locator(`#t-${name}`).isChecked()).resolves.toBe(true);
      await textBecomes(page.locator(`[data-toggle=${name}] .state`), 'On');
    }
    await textBecomes(page.locator('[data-toggle=returns] .state'), 'Off');

    await page.selectOption('#f-returnFulfillmentCenterId', '2');
    await saveConfiguration();
    await expect(page.locator('#f-returnFulfillmentCenterId').inputValue()).resolves.toBe('2');
    await screenshot('configured');
  });

  it('lets an administrator approve returns, after which Sync Returns can be turned on', async () => {
    const adminPage = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await adminPage.goto(instance.url);
    await adminPage.fill('#f-token', ADMIN_TOKEN);
    await adminPage.click('button[type=submit]');
    await adminPage.locator(`[data-store-id="${storeId}"] a`).click();
    await adminPage.getByRole('button', { name: 'Approve returns' }).click();
    await adminPage.getByRole('button', { name: 'Revoke returns approval' }).waitFor();
    await adminPage.screenshot({ path: join(SHOTS, 'admin-approved-returns.png'), fullPage: true });
    await adminPage.close();

    await page.reload();
    await page.locator('#t-returns').waitFor({ state: 'attached' });
    await page.locator('label[for=t-returns]').click();
    await saveConfiguration();
    await textBecomes(page.locator('[data-toggle=returns] .state'), 'On');
    await screenshot('returns-on');
  });

  it('maps Mirakl shipping types to ShipBob ship options, refusing an empty one next to its row', async () => {
    const rows = page.locator('[data-ship-option]');
    await expect(rows.count()).resolves.toBe(0);
    await expect(page.locator('#f-defaultShippingMethod').inputValue()).resolves.toBe('Standard');

    await page.click('#add-shipping-type');
    await rows.nth(0).locator('.shipping-type').fill('EXP-2D');
    await page.click('#save');
    const refused = rows.nth(0).locator('.error');
    await refused.filter({ hasText: 'A ShipBob ship option is empty' }).waitFor();
    await screenshot('empty-ship-option');

    await rows.nth(0).locator('.ship-option-name').fill('2-Day');
    await page.click('#add-shipping-type');
    await rows.nth(1).locator('.shipping-type').fill(' STD ');
    await rows.nth(1).locator('.ship-option-name').fill('Standard');
    await page.fill('#f-defaultShippingMethod', 'Ground');
    await saveConfiguration();
    // The page shows the saved store again: the rows come from the API's answer.
    await expect(rows.count()).resolves.toBe(2);
    const shown = [];
    for (const row of await rows.all()) {
      shown.push([
        await row.locator('.shipping-type').inputValue(),
        await row.locator('.ship-option-name').inputValue(),
      ]);
    }
    expect(shown).toEqual([
      ['EXP-2D', '2-Day'],
      ['STD', 'Standard'],
    ]);
    await screenshot('ship-options');

    // Removing a row and saving removes that shipping type from the mapping.
    await rows.nth(1).getByRole('button', { name: 'Remove' }).click();
    await saveConfiguration();
    await expect(rows.count()).resolves.toBe(1);
    await page.locator('nav.tabs a', { hasText: 'Overview' }).click();
    await textBecomes(page.locator('dd', { hasText: '→' }), 'EXP-2D → 2-Day; any other → Ground');
    await page.click('#tab-configuration');
    await page.locator('#f-shipbobPat').waitFor();
  });

  it('turns Sync Cancelations on, then its second switch, which waits for the first', async () => {
    const second = page.locator('#t-cancelShipBobOnMarketplaceCancel');
    await expect(second.isDisabled()).resolves.toBe(true);
    await page.locator('label[for=t-cancellations]').click();
    await expect(second.isDisabled()).resolves.toBe(false);
    await page.locator('label[for=t-cancelShipBobOnMarketplaceCancel]').click();
    await saveConfiguration();
    await textBecomes(page.locator('[data-toggle=cancellations] .state'), 'On');
    await textBecomes(page.locator('[data-toggle=cancelShipBobOnMarketplaceCancel] .state'), 'On');
    await screenshot('cancellations-both-ways');
  });

  it('sets which incident reasons become returns and the action asked of the warehouse', async () => {
    const rows = page.locator('[data-return-reason]');
    await expect(rows.count()).resolves.toBe(0);
    await expect(page.locator('#f-returnRequestedAction').inputValue()).resolves.toBe('Default');
    await page.click('#add-return-reason');
    await rows.nth(0).locator('.reason-code').fill('CHANGED_MIND');
    await page.click('#add-return-reason');
    await rows.nth(1).locator('.reason-code').fill('CHANGED_MIND');
    await page.click('#save');
    await rows
      .nth(0)
      .locator('.error')
      .filter({ hasText: 'CHANGED_MIND is listed twice' })
      .first()
      .waitFor();
    await rows.nth(1).getByRole('button', { name: 'Remove' }).click();
    await page.selectOption('#f-returnRequestedAction', 'Restock');
    await saveConfiguration();
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.nth(0).locator('.reason-decision').inputValue()).resolves.toBe('ignore');
    await screenshot('return-reasons');
    await page.locator('nav.tabs a', { hasText: 'Overview' }).click();
    await textBecomes(
      page.locator('dd', { hasText: 'creates a return' }),
      'every reason but CHANGED_MIND creates a return; action Restock',
    );
    await page.click('#tab-configuration');
    await page.locator('#f-shipbobPat').waitFor();
  });

  it('shows the report e-mail as it would be sent now and sends a test report', async () => {
    // The reporter reads the store's configuration from Kafka: until then the tab says so.
    await eventually(async () => {
      await page.click('#tab-reports');
      await page.locator('#report-to, #report-preview-error').first().waitFor();
      return (await page.locator('#report-to').textContent()) === 'returns@sunrise.example';
    }, 'the Reports tab with the store address');
    await expect(page.locator('#report-subject').textContent()).resolves.toContain('Sunrise Goods');
    await textBecomes(page.locator('#report-count'), '0');
    await page.locator('#report-history-empty').waitFor();
    await page.click('#report-test');
    await page
      .locator('#toast', { hasText: 'Test report sent to returns@sunrise.example.' })
      .waitFor();
    await screenshot('reports');
    await page.click('#report-test');
    await page.locator('#toast', { hasText: /a moment ago/ }).waitFor();
  });

  it('asks for a stock reconciliation from the store page', async () => {
    const before = h.events.polls(storeId).filter((p) => p.stream === 'reconcile').length;
    await page.click('#reconcile');
    await page.locator('#toast', { hasText: /reconciliation requested/ }).waitFor();
    await eventually(
      () => h.events.polls(storeId).filter((p) => p.stream === 'reconcile').length === before + 1,
      'the reconciliation request',
    );
  });

  it('disconnects and reconnects', async () => {
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.locator('[data-status=DISCONNECTED]').waitFor();
    await screenshot('disconnected');
    // The scheduler and applier see the store stop before it is reconnected.
    await eventually(
      () => h.events.latestConfig(storeId)?.status === 'DISCONNECTED',
      'the DISCONNECTED snapshot',
    );
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('[data-status=CONNECTED]').waitFor();
    await screenshot('reconnected');
  });

  it('shows the store’s activity and, for an order, its timeline in plain words', async () => {
    const order = orderJourney(storeId, 'MKP-7001-A');
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
    await h.publisher.publish('orderAwaitingAcceptance', [
      order.awaiting(minutesAgo(60), minutesAgo(62)),
    ]);
    await h.publisher.publish('syncOutcome', [
      order.outcome(minutesAgo(59), 'orders', 'accept', 'APPLIED', 'Accepted 1 line (OR21)'),
      order.outcome(
        minutesAgo(40),
        'orders',
        'create',
        'FAILED',
        'ShipBob does not know SKU MUG-1',
      ),
      order.outcome(minutesAgo(30), 'orders', 'create', 'APPLIED', 'ShipBob order 880011 created'),
    ]);
    await h.publisher.publish('orderReadyToShip', [order.readyToShip(minutesAgo(45))]);
    await h.publisher.publish('shipmentLabeled', [order.labeled(minutesAgo(10), '880011')]);
    await h.publisher.publish('syncOutcome', [
      order.outcome(minutesAgo(5), 'tracking', 'ship', 'FAILED', 'Mirakl refused the carrier code'),
      orderJourney(storeId, 'MUG-1').outcome(
        minutesAgo(1),
        'inventory',
        'quantity',
        'APPLIED',
        'Quantity 37 sent',
      ),
    ]);
    const seller = client(instance.url, tenantToken);
    await eventually(
      async () =>
        (await seller('GET', `/v1/stores/${storeId}/activity`)).body.items?.length === 5 &&
        (await seller('GET', `/v1/stores/${storeId}/orders/MKP-7001-A/timeline`)).body[
          'shipbobOrderId'
        ] === '880011',
      'the outcomes and facts projected',
    );

    await page.click('#tab-activity');
    const rows = page.locator('.activity-list tbody tr');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(5);
    await textBecomes(rows.first().locator('td').nth(1), 'inventory');
    // Five entries fit on one page: nothing more to load.
    await expect(page.locator('#load-more').isVisible()).resolves.toBe(false);
    await screenshot('activity');

    await page.selectOption('#f-outcome', 'FAILED');
    await page.click('#filter');
    await eventually(async () => (await rows.count()) === 2, 'only the two failures listed');
    await expect(page.locator('[data-outcome]').allTextContents()).resolves.toEqual([
      'FAILED',
      'FAILED',
    ]);

    await page.locator('.order-link', { hasText: 'MKP-7001-A' }).first().click();
    const timeline = page.locator('#timeline');
    await timeline.waitFor();
    await textBecomes(timeline.locator('h2'), 'Order MKP-7001-A');
    await expect(timeline.locator('li.done .label').allTextContents()).resolves.toEqual([
      'Received, awaiting acceptance',
      'Accepted on Mirakl',
      'Ready to ship',
      'Created in ShipBob',
      'Label printed',
    ]);
    await expect(timeline.locator('li.pending .label').allTextContents()).resolves.toEqual([
      'Tracking sent to Mirakl',
      'Shipped on Mirakl',
    ]);
    await expect(timeline.locator('dd', { hasText: '880011' }).count()).resolves.toBe(1);
    await expect(page.locator('#tracking').textContent()).resolves.toBe(
      'USPS 9400111899223197428490',
    );
    await expect(page.locator('#last-failure').textContent()).resolves.toMatch(
      /^Needs attention: Tracking sent to Mirakl \+ Shipped on Mirakl failed: Mirakl refused the carrier code/,
    );
    // The order's own activity, below its timeline: four entries, newest first.
    await expect(rows.count()).resolves.toBe(4);
    await screenshot('order-timeline');
  });

  it('shows the catalog: each flow’s last cycle and the SKU table, searchable', async () => {
    // The catalog is the applier's (ADR 0089): the real one, started now that the order steps
    // above were checked (it acts on their facts too), and a config-api instance asking it.
    applier = await startApplierProcess({
      path: process.env['PATH'] ?? '',
      infra: infra(),
      namespace: h.namespace,
      database,
      encryptionKeys: `k1:${KEY_A}`,
      env: {
        SHIPBOB_BASE_URL: h.shipbob.url,
        MIRAKL_TRUSTED_ORIGINS: new URL(h.mirakl.url).origin,
        MIRAKL_IMPORT_POLL_INTERVAL_MS: '200',
        MIRAKL_STOCK_IMPORT_MIN_INTERVAL_MS: '1',
        RETRIER_INTERVAL_MS: '500',
      },
    });
    const withApplier = await h.start({ applierUrl: applier.url, relay: false });
    // MUG-1 is an offer of the shop in Mirakl; BOWL-2 is not, so Mirakl refuses its line.
    h.mirakl.control.upsertOffers(7001, [{ sku: 'MUG-1', quantity: 0 }]);
    const at = (key: string) =>
      envelope({ storeId, idempotencyKey: key, source: 'test', occurredAt: Date.now() });
    const offers = ['BOWL-2', 'MUG-1'].map((sku): EventOf<'offerObserved'> => ({
      envelope: { ...at(`offer:${sku}`), correlationId: 'ui-offers-poll' },
      offerId: `o-${sku}`,
      shopSku: sku,
      productSku: null,
      productTitle: null,
      quantity: 0,
      active: true,
      deleted: false,
      lastUpdated: Date.now(),
      more: [],
    }));
    await h.publisher.publish('offerObserved', offers);
    const levels = [
      { sku: 'BOWL-2', fulfillable: 4 },
      { sku: 'MUG-1', fulfillable: 40 },
    ].map((level, i): EventOf<'inventoryObserved'> => ({
      envelope: at(`level:${level.sku}`),
      sku: level.sku,
      inventoryId: `inv-${level.sku}`,
      fulfillable: level.fulfillable,
      onHand: level.fulfillable,
      committed: 0,
      exception: 0,
      active: true,
      digital: false,
      cycleId: 'ui-c1',
      endOfCycle: i === 1,
      fullCycle: true,
      nothingChanged: false,
      more: [],
    }));
    const seller = client(withApplier.url, tenantToken);
    await eventually(
      async () =>
        ((await seller('GET', `/v1/stores/${storeId}/catalog`)).body['offers'] as { skus?: number })
          ?.skus === 2,
      'both offers in the offers cycle',
      60_000,
    );
    await h.publisher.publish('inventoryObserved', levels);
    await eventually(
      async () => (await seller('GET', `/v1/stores/${storeId}/catalog`)).body['inventory'] !== null,
      'the inventory cycle',
      60_000,
    );

    // Another origin: the page signs in again there.
    await page.goto(`${withApplier.url}/#/stores/${storeId}/catalog`);
    await page.fill('#f-token', tenantToken);
    await page.click('button[type=submit]');
    // Signed in once the store list shows (sign-in ends by opening it, which would otherwise
    // replace a page opened meanwhile).
    await page.getByRole('link', { name: 'Integrate New Store' }).waitFor();
    await page.goto(`${withApplier.url}/#/stores/${storeId}/catalog`);
    await page.locator('#cycle-offers', { hasText: '2 SKUs changed' }).waitFor();
    await page.locator('#cycle-inventory', { hasText: '2 SKUs sent' }).waitFor();
    // Buffer 3 (set above): 40 − 3 = 37.
    const mug = page.locator('tr[data-sku="MUG-1"] td');
    await textBecomes(mug.nth(2), '40');
    await textBecomes(mug.nth(4), '3');
    await textBecomes(mug.nth(5), '37');
    await textBecomes(mug.nth(6), '37');
    await mug.nth(7).locator('[data-outcome=APPLIED]').waitFor();
    await page.locator('tr[data-sku="BOWL-2"] [data-outcome=FAILED]').waitFor();
    await textBecomes(page.locator('#catalog-total'), '2 SKUs');
    await screenshot('catalog');
    await page.fill('#catalog-q', 'bowl');
    await textBecomes(page.locator('#catalog-total'), '1 SKU');
    await expect(page.locator('tr[data-sku]').count()).resolves.toBe(1);
    await page.locator('tr[data-sku="BOWL-2"]').waitFor();
  });

  it('stored the configuration (secrets encrypted) and published every change', async () => {
    const raw = await h.db.collection('stores').findOne({ _id: storeId as never });
    // Every sync on, the marketplace-cancel switch too: what the steps above saved.
    const toggles = {
      offers: true,
      inventory: true,
      orders: true,
      tracking: true,
      cancellations: true,
      returns: true,
    };
    expect(raw).toMatchObject({
      status: 'CONNECTED',
      settings: {
        inventoryBuffer: 3,
        pollIntervalMinutes: 10,
        reportEmail: 'returns@sunrise.example',
        returnFulfillmentCenterId: '2',
        shippingMethods: [{ miraklShippingType: 'EXP-2D', shipbobShipOption: '2-Day' }],
        defaultShippingMethod: 'Ground',
        toggles,
        cancelShipBobOnMarketplaceCancel: true,
      },
      returnsApproved: true,
    });
    expect(JSON.stringify(raw)).not.toContain(PAT);
    expect(JSON.stringify(raw)).not.toContain(MIRAKL_KEY);

    const version = (raw as unknown as { version: number }).version;
    await eventually(
      () => h.events.latestConfig(storeId)?.version === version,
      'the latest version on the topic',
    );
    expect(h.events.latestConfig(storeId)).toMatchObject({
      status: 'CONNECTED',
      miraklShopId: '7001',
      shipbobConfigured: true,
      inventoryBuffer: 3,
      pollIntervalMinutes: 10,
      returnFulfillmentCenterId: '2',
      shippingMethods: { 'EXP-2D': '2-Day' },
      defaultShippingMethod: 'Ground',
      toggles,
      cancelShipBobOnMarketplaceCancel: true,
      returnReasons: { CHANGED_MIND: 'ignore' },
      returnRequestedAction: 'Restock',
      returnsApproved: true,
    });
    const statuses = h.events.configs(storeId).map((e) => e.status);
    expect(statuses.indexOf('DISCONNECTED')).toBeGreaterThan(0);
    expect(statuses.lastIndexOf('CONNECTED')).toBeGreaterThan(statuses.indexOf('DISCONNECTED'));
    // config-api asked for the connection's first offers poll and the reconciliation; the
    // sync-applier may also have asked, by now, for the stock of the offers it wrote (ADR 0155).
    const polls = h.events.polls(storeId);
    const fromConfigApi = polls.filter((p) => p.envelope.source === 'config-api');
    expect(fromConfigApi).toEqual([
      expect.objectContaining({ system: 'MIRAKL', stream: 'offers', reason: 'store-connected' }),
      expect.objectContaining({ system: 'MIRAKL', stream: 'reconcile', reason: 'manual' }),
    ]);
    for (const other of polls.filter((p) => !fromConfigApi.includes(p)))
      expect(other).toMatchObject({
        envelope: { source: 'sync-applier' },
        system: 'SHIPBOB',
        stream: 'inventory',
        reason: 'offers-changed',
      });
    const everything = lines.join('\n');
    for (const secret of [PAT, MIRAKL_KEY, tenantToken]) expect(everything).not.toContain(secret);
  });
});

/**
 * Waits until the element says `expected` (pages fill in after their API calls answer), then
 * checks the whole text: reading it at once races the page.
 */
async function textBecomes(locator: Locator, expected: string): Promise<void> {
  await locator.filter({ hasText: expected }).first().waitFor();
  expect(await locator.textContent()).toBe(expected);
}

/** Saves the Configuration tab and waits for this save's confirmation, not an earlier one's. */
/**
 * Saves the form and waits for the saved store to be shown again. The earlier save's toast (shown
 * 4 s) is let go first: it would otherwise pass for this one while the page is still saving.
 */
async function saveConfiguration(): Promise<void> {
  await page.locator('#toast').waitFor({ state: 'hidden' });
  await page.click('#save');
  await page.locator('#toast', { hasText: 'Configuration saved.' }).waitFor();
}

async function expectFieldError(field: string, message: RegExp): Promise<void> {
  const slot = page.locator(`[data-error-for="${field}"]`);
  await slot.filter({ hasText: message }).waitFor({ timeout: 10_000 });
}
