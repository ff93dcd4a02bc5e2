import { CredentialsError, RateLimitedError, RetriableError, retry } from '@msync/platform';
import { startShipBobSimulator, type RunningShipBobSimulator } from '@msync/shipbob-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { withContext, type RecordedExchange } from '@msync/test-support';
import {
  notJsonOnPurpose,
  shipBobProblems,
} from '../../../sandbox/shipbob-sim/src/test-support/openapi.js';
import { LIST_ALL_FROM } from './client.js';
import type { ApiVersion, ShipBobOrder } from './domain.js';
import { clientFor, newOrder, seedAccount, type TestAccount } from './test-support/harness.js';

// Statuses ShipBob's documents do not declare, which the suite provokes on purpose: 429 (the
// rate limit is documented in prose only), 5xx faults, the 422 a duplicate product SKU gets
// (the dated product endpoint declares only 201), and the 404 of deleting a webhook subscription
// that is already gone (the delete declares only 204).
const UNDECLARED_ALLOWED = [404, 422, 429, 500, 502, 503];

describe.each<ApiVersion>(['2025-07', '2026-01'])(
  'ShipBob client against the simulator (%s)',
  (version) => {
    let sim: RunningShipBobSimulator;
    let account: TestAccount;
    const exchanges: RecordedExchange[] = [];
    const make = (options: Parameters<typeof clientFor>[2] = {}) =>
      clientFor(sim, account, { version, exchanges, ...options });

    beforeAll(async () => {
      sim = await startShipBobSimulator({ port: 0 });
    });
    afterAll(async () => {
      await sim.close();
    });
    beforeEach(() => {
      sim.control.reset();
      account = seedAccount(sim, { withOtherChannel: true });
    });

    it('verifies the token and discovers the writable channel', async () => {
      const { client } = make();
      const verification = await client.verifyToken();
      expect(verification.channelId).toBe(account.channelId);
      expect(verification.channels.map((c) => c.id).sort()).toEqual(
        [account.channelId, account.otherChannelId].sort(),
      );
      expect(verification.channels.find((c) => c.id === account.otherChannelId)?.writable).toBe(
        false,
      );
    });

    it('follows channel pages', async () => {
      const { client } = make({ pageSize: 1 });
      expect((await client.verifyToken()).channelId).toBe(account.channelId);
    });

    it('rejects an unknown token as a credentials error that retry does not repeat', async () => {
      const { client } = clientFor(
        sim,
        { ...account, pat: 'not-a-valid-token' },
        { version, exchanges },
      );
      let attempts = 0;
      const error = await retry(
        () => {
          attempts += 1;
          return client.listFulfillmentCenters();
        },
        { retries: 3, initialDelayMs: 1 },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CredentialsError);
      expect(attempts).toBe(1);
    });

    it('lists fulfillment centers', async () => {
      const centers = await make().client.listFulfillmentCenters();
      expect(centers.map((c) => c.name)).toContain('Cicero (IL)');
      expect(centers.every((c) => Number.isInteger(c.id))).toBe(true);
    });

    it('creates a product per SKU once, and resolves SKUs already carried by a product', async () => {
      sim.control.world.seedProduct(account.merchantId, { sku: 'UI-SKU', stock: { 1: 3 } });
      sim.control.world.seedProduct(account.merchantId, {
        sku: 'SHOPIFY-1',
        sellerSkus: [{ channelId: account.otherChannelId!, sellerSku: 'MKP-ALIAS' }],
      });
      const { client } = make();

      const first = await client.ensureProduct({ sku: 'NEW-1', name: 'New one' });
      const again = await client.ensureProduct({ sku: 'NEW-1', name: 'New one' });
      const bySku = await client.ensureProduct({ sku: 'UI-SKU', name: 'Seeded' });
      const byAlias = await client.ensureProduct({ sku: 'MKP-ALIAS', name: 'Alias' });

      expect(first.created).toBe(true);
      expect(again).toMatchObject({ created: false, product: { id: first.product.id } });
      expect(bySku.created).toBe(false);
      expect(byAlias).toMatchObject({ created: false, variant: { sku: 'SHOPIFY-1' } });
      expect(first.variant.inventoryId).toEqual(expect.any(Number));
      expect(
        sim.control.world.products.filter((p) => p.variants.some((v) => v.sku === 'NEW-1')),
      ).toHaveLength(1);
    });

    it('creates one product when several callers ensure the same SKU at once (422 duplicate resolves)', async () => {
      const { client } = make();
      const results = await Promise.all(
        Array.from({ length: 5 }, () => client.ensureProduct({ sku: 'RACE-1', name: 'Race' })),
      );
      expect(new Set(results.map((r) => r.product.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(
        sim.control.world.products.filter((p) => p.variants.some((v) => v.sku === 'RACE-1')),
      ).toHaveLength(1);
    });

    it('ensures many SKUs with one lookup and a create per missing SKU', async () => {
      sim.control.world.seedProduct(account.merchantId, { sku: 'BULK-EXISTS' });
      const { client } = make();
      const before = sim.control.exchanges().length;
      const result = await client.ensureProducts([
        { sku: 'BULK-EXISTS', name: 'Exists' },
        { sku: 'BULK-NEW-1', name: 'New 1' },
        { sku: 'BULK-NEW-2', name: 'New 2' },
      ]);
      expect([...result.entries()].map(([sku, r]) => [sku, r.created])).toEqual([
        ['BULK-EXISTS', false],
        ['BULK-NEW-1', true],
        ['BULK-NEW-2', true],
      ]);
      expect(
        sim.control
          .exchanges()
          .slice(before)
          .map((e) => e.operation),
      ).toEqual(['GET /product', 'GET /product', 'POST /product', 'POST /product']);
    });

    it('finds many SKUs across product pages', async () => {
      for (let i = 0; i < 7; i++)
        sim.control.world.seedProduct(account.merchantId, { sku: `PAGE-${i}` });
      const found = await make({ pageSize: 2 }).client.findProductsBySku([
        ...Array.from({ length: 7 }, (_, i) => `PAGE-${i}`),
        'MISSING',
      ]);
      expect([...found.keys()].sort()).toEqual(Array.from({ length: 7 }, (_, i) => `PAGE-${i}`));
    });

    it('looks many SKUs up through the product list when that costs fewer calls, else by filter', async () => {
      // Given 600 products, one carrying a SKU only as another channel's seller SKU
      for (let i = 0; i < 599; i++)
        sim.control.world.seedProduct(account.merchantId, { sku: `LIST-${i}` });
      sim.control.world.seedProduct(account.merchantId, {
        sku: 'LEGACY',
        sellerSkus: [{ channelId: 999, sellerSku: 'LIST-MAPPED' }],
      });
      const wanted = [
        ...Array.from({ length: LIST_ALL_FROM }, (_, i) => `LIST-${i}`),
        'LIST-MAPPED',
        'LIST-MISSING',
      ];
      const productCalls = () =>
        sim.control.exchanges().filter((e) => e.operation === 'GET /product').length;

      // When they are looked up with 250 products a page: 3 pages instead of 22 filtered calls
      const before = productCalls();
      const found = await make().client.findProductsBySku(wanted);
      expect(productCalls() - before).toBe(3);
      expect(found.size).toBe(LIST_ALL_FROM + 1);
      expect(found.get('LIST-MAPPED')?.product.variants[0]?.sku).toBe('LEGACY');
      expect(found.has('LIST-MISSING')).toBe(false);

      // With 20 products a page the list is cut after the 20 calls the filters would cost (400
      // of 600 products): the SKUs not found in it are asked by filter, and all are found
      const start = productCalls();
      const again = await make({ pageSize: 20 }).client.findProductsBySku(wanted);
      expect(again.size).toBe(LIST_ALL_FROM + 1);
      expect(again.get('LIST-MAPPED')?.product.variants[0]?.sku).toBe('LEGACY');
      expect(again.get('LIST-499')?.variant.sku).toBe('LIST-499');
      withContext(`${productCalls() - start} calls`, () =>
        expect(productCalls() - start).toBeLessThanOrEqual(20 + 3 * (3 + 1)),
      );
    });

    it('reads inventory levels with per-center quantities, flags and exceptions', async () => {
      const a = sim.control.world.seedProduct(account.merchantId, {
        sku: 'INV-A',
        stock: { 1: 10, 2: 4 },
      });
      const digital = sim.control.world.seedProduct(account.merchantId, {
        sku: 'INV-D',
        isDigital: true,
      });
      const inactive = sim.control.world.seedProduct(account.merchantId, {
        sku: 'INV-I',
        isActive: false,
        stock: { 1: 2 },
      });
      const { client } = make({ pageSize: 2 });
      await client.createOrder(newOrder('ORD-INV', [{ sku: 'INV-A', quantity: 3 }]));
      await client.createOrder(newOrder('ORD-OOS', [{ sku: 'INV-A', quantity: 50 }]));

      const levels = await client.getInventoryLevels([
        a.variants[0]!.inventoryId,
        digital.variants[0]!.inventoryId,
        inactive.variants[0]!.inventoryId,
      ]);
      const level = levels.find((l) => l.sku === 'INV-A')!;
      expect(level).toMatchObject({
        onHand: 14,
        committed: 3,
        fulfillable: 11,
        exception: 50,
        sellable: -39,
        isActive: true,
        isDigital: false,
      });
      expect(level.byFulfillmentCenter.find((c) => c.fulfillmentCenterId === 1)).toMatchObject({
        onHand: 10,
        committed: 3,
        fulfillable: 7,
      });
      expect(level.byFulfillmentCenter.find((c) => c.fulfillmentCenterId === 2)).toMatchObject({
        onHand: 4,
        fulfillable: 4,
      });
      expect(levels.find((l) => l.sku === 'INV-D')).toMatchObject({ isDigital: true });
      expect(levels.find((l) => l.sku === 'INV-I')).toMatchObject({ isActive: false });
    });

    it('lists every inventory item of the account over all pages, with flags', async () => {
      const seeded = Array.from({ length: 5 }, (_, i) =>
        sim.control.world.seedProduct(account.merchantId, {
          sku: `ALL-${i}`,
          stock: { 1: i + 1 },
          isDigital: i === 3,
          isActive: i !== 4,
        }),
      );
      const levels = await make({ pageSize: 2 }).client.listInventoryLevels();
      const ours = levels.filter((l) => l.sku?.startsWith('ALL-'));
      expect(ours.map((l) => l.sku).sort()).toEqual(seeded.map((_, i) => `ALL-${i}`));
      expect(ours.find((l) => l.sku === 'ALL-1')).toMatchObject({
        fulfillable: 2,
        isActive: true,
        isDigital: false,
      });
      expect(ours.find((l) => l.sku === 'ALL-3')).toMatchObject({ isDigital: true });
      expect(ours.find((l) => l.sku === 'ALL-4')).toMatchObject({ isActive: false });
      expect(new Set(levels.map((l) => l.inventoryId)).size).toBe(levels.length);
    });

    it('reads the levels alone when every item’s flags are known, the catalog when one is not', async () => {
      const seeded = Array.from({ length: 5 }, (_, i) =>
        sim.control.world.seedProduct(account.merchantId, {
          sku: `KNOWN-${i}`,
          stock: { 1: i + 1 },
          isDigital: i === 3,
        }),
      );
      const calls = (operation: string) =>
        sim.control.exchanges().filter((e) => e.operation === operation).length;
      const { client } = make({ pageSize: 2 });
      const first = await client.readInventoryLevels();
      expect(first.catalogRead).toBe(true);
      const known = new Map(
        first.levels.map((l) => [l.inventoryId, { isActive: l.isActive, isDigital: l.isDigital }]),
      );

      const catalogBefore = calls('GET /inventory');
      const levelsBefore = calls('GET /inventory-level');
      const second = await client.readInventoryLevels({ knownFlags: known });
      expect(second.catalogRead).toBe(false);
      expect(calls('GET /inventory')).toBe(catalogBefore);
      expect(calls('GET /inventory-level')).toBeGreaterThan(levelsBefore);
      expect(second.levels).toEqual(first.levels);

      // A new item: its flags are not known, so the catalog is read and gives every item's.
      sim.control.world.seedProduct(account.merchantId, {
        sku: 'KNOWN-NEW',
        stock: { 1: 1 },
        isActive: false,
      });
      known.set(seeded[3]!.variants[0]!.inventoryId, { isActive: true, isDigital: false });
      const third = await client.readInventoryLevels({ knownFlags: known });
      expect(third.catalogRead).toBe(true);
      expect(calls('GET /inventory')).toBeGreaterThan(catalogBefore);
      expect(third.levels.find((l) => l.sku === 'KNOWN-NEW')).toMatchObject({ isActive: false });
      // Fresh flags for every item, not the ones given.
      expect(third.levels.find((l) => l.sku === 'KNOWN-3')).toMatchObject({ isDigital: true });
    });

    it('takes the flags from the catalog’s lists of inactive and digital items, not from its every page (ADR 0160)', async () => {
      const kinds = [
        { isActive: false, isDigital: false },
        { isActive: false, isDigital: false },
        { isActive: false, isDigital: false },
        { isActive: true, isDigital: true },
        { isActive: false, isDigital: true },
        ...Array.from({ length: 20 }, () => ({ isActive: true, isDigital: false })),
      ];
      kinds.forEach((kind, i) =>
        sim.control.world.seedProduct(account.merchantId, {
          sku: `FLAG-${i}`,
          stock: { 1: i + 1 },
          ...kind,
        }),
      );
      const before = sim.control.exchanges().length;
      const { levels, catalogRead } = await make({ pageSize: 2 }).client.readInventoryLevels();
      expect(catalogRead).toBe(true);
      for (const [i, kind] of kinds.entries())
        expect(levels.find((l) => l.sku === `FLAG-${i}`)).toMatchObject(kind);
      // Four inactive items (two pages of two) and two digital ones (one page), not the catalog's
      // 13 pages.
      const catalog = sim.control
        .exchanges()
        .slice(before)
        .filter((e) => e.operation === 'GET /inventory');
      expect(catalog.map((e) => [e.query['IsActive']?.[0], e.query['IsDigital']?.[0]])).toEqual([
        ['false', undefined],
        ['false', undefined],
        [undefined, 'true'],
      ]);
    });

    it('reads more inventory items than one batch holds', async () => {
      const ids = Array.from(
        { length: 160 },
        (_, i) =>
          sim.control.world.seedProduct(account.merchantId, { sku: `BULK-${i}`, stock: { 1: i } })
            .variants[0]!.inventoryId,
      );
      const levels = await make().client.getInventoryLevels(ids);
      expect(levels).toHaveLength(160);
      expect(levels.find((l) => l.sku === 'BULK-159')?.onHand).toBe(159);
    });

    it('creates an order once per reference id and returns the existing one on a duplicate', async () => {
      sim.control.world.seedProduct(account.merchantId, { sku: 'SKU-1', stock: { 1: 5 } });
      const { client } = make();
      const first = await client.createOrder(newOrder('MKP-1'));
      const second = await client.createOrder(newOrder('MKP-1'));
      expect(first.created).toBe(true);
      expect(second).toMatchObject({
        created: false,
        order: { id: first.order.id, referenceId: 'MKP-1' },
      });
      expect(first.order.shipments).toHaveLength(1);
      expect(sim.control.world.orders.filter((o) => o.referenceId === 'MKP-1')).toHaveLength(1);
      expect(await client.getOrder(first.order.id)).toMatchObject({ referenceId: 'MKP-1' });
      expect(await client.getOrder(999_999_999)).toBeNull();
    });

    it('reads orders updated since a cursor, across pages, with labeled shipments and cancellations', async () => {
      sim.control.world.seedProduct(account.merchantId, { sku: 'SKU-1', stock: { 1: 100 } });
      const { client } = make();
      const start = new Date(Date.now() - 1000);
      const created: ShipBobOrder[] = [];
      for (let i = 0; i < 5; i++)
        created.push((await client.createOrder(newOrder(`LIST-${i}`))).order);
      const shipment = (i: number) => created[i]!.shipments[0]!.id;
      sim.control.world.labelShipment(shipment(0), {
        carrier: 'USPS',
        trackingNumber: 'TRK-0',
        trackingUrl: 'https://tools.usps.com/go/TrackConfirmAction?tLabels=TRK-0',
      });
      sim.control.world.labelShipment(shipment(1), { as: 'Processing', trackingNumber: 'TRK-1' });
      sim.control.world.shipShipment(shipment(2));
      sim.control.world.cancelShipment(shipment(3));

      const { orders, nextCursor } = await client.listOrdersUpdatedSince(start, { pageSize: 2 });
      const byRef = new Map(orders.map((o) => [o.referenceId, o]));
      expect([...byRef.keys()].sort()).toEqual(['LIST-0', 'LIST-1', 'LIST-2', 'LIST-3', 'LIST-4']);
      expect(byRef.get('LIST-0')!.shipments[0]).toMatchObject({
        isLabeled: true,
        status: 'LabeledCreated',
        tracking: {
          carrier: 'USPS',
          trackingNumber: 'TRK-0',
          trackingUrl: expect.stringContaining('TRK-0') as unknown,
        },
      });
      expect(byRef.get('LIST-1')!.shipments[0]).toMatchObject({
        isLabeled: true,
        status: 'Processing',
        statusDetails: ['Labeled'],
      });
      expect(byRef.get('LIST-2')!.shipments[0]).toMatchObject({
        isLabeled: true,
        status: 'Completed',
      });
      expect(byRef.get('LIST-2')!.status).toBe('Fulfilled');
      expect(byRef.get('LIST-3')).toMatchObject({ isCanceled: true, status: 'Cancelled' });
      expect(byRef.get('LIST-4')!.shipments[0]).toMatchObject({ isLabeled: false, tracking: null });
      expect(nextCursor.getTime()).toBeGreaterThanOrEqual(
        Math.max(...orders.map((o) => o.updatedAt.getTime())),
      );

      await new Promise((resolve) => setTimeout(resolve, 5));
      sim.control.world.labelShipment(shipment(4));
      const later = await client.listOrdersUpdatedSince(new Date(nextCursor.getTime() + 1));
      expect(later.orders.map((o) => o.referenceId)).toEqual(['LIST-4']);
      expect(later.orders[0]!.shipments[0]!.isLabeled).toBe(true);
    });

    it("only lists the token's own channel orders", async () => {
      sim.control.world.seedProduct(account.merchantId, { sku: 'SKU-1', stock: { 1: 10 } });
      const { client } = make();
      await client.createOrder(newOrder('MINE'));
      sim.control.world.createOrder(
        sim.control.world.merchant(account.merchantId),
        account.otherChannelId!,
        {
          reference_id: 'THEIRS',
          shipping_method: 'Standard',
          recipient: { name: 'X', address: { address1: 'a', city: 'b', country: 'US' } },
          products: [{ reference_id: 'SKU-1', quantity: 1 }],
        },
      );
      const { orders } = await client.listOrdersUpdatedSince(new Date(0));
      expect(orders.map((o) => o.referenceId)).toEqual(['MINE']);
    });

    it('cancels an order that has not been labeled, and reports failure once it has', async () => {
      sim.control.world.seedProduct(account.merchantId, { sku: 'SKU-1', stock: { 1: 10 } });
      const { client } = make();
      const open = (await client.createOrder(newOrder('CAN-1'))).order;
      const labeled = (await client.createOrder(newOrder('CAN-2'))).order;
      sim.control.world.labelShipment(labeled.shipments[0]!.id);

      expect(await client.cancelOrder(open.id)).toMatchObject({
        status: 'Success',
        canceled: true,
        order: { isCanceled: true },
      });
      const refused = await client.cancelOrder(labeled.id);
      expect(refused).toMatchObject({
        status: 'Failure',
        canceled: false,
        order: { isCanceled: false },
      });
      expect(refused.shipments).toEqual([
        {
          shipmentId: labeled.shipments[0]!.id,
          canceled: false,
          reason: expect.stringContaining('can no longer be cancelled'),
        },
      ]);
      const level = (await client.getInventoryLevels([sim.control.world.inventory[0]!.id]))[0]!;
      expect(level.committed).toBe(1);
    });

    it('creates a return once per reference id and follows it to completion with the action taken', async () => {
      const product = sim.control.world.seedProduct(account.merchantId, {
        sku: 'RET-1',
        stock: { 1: 5 },
      });
      const inventoryId = product.variants[0]!.inventoryId;
      const { client } = make({ pageSize: 2 });
      const input = {
        referenceId: 'INC-1',
        fulfillmentCenterId: 2,
        items: [{ inventoryId, quantity: 2, requestedAction: 'Restock' as const }],
      };

      const first = await client.createReturn(input);
      const again = await client.createReturn(input);
      expect(first.created).toBe(true);
      expect(again).toMatchObject({ created: false, returnOrder: { id: first.returnOrder.id } });
      expect(first.returnOrder).toMatchObject({
        status: 'AwaitingArrival',
        fulfillmentCenter: { id: 2 },
      });

      for (let i = 2; i <= 4; i++) await client.createReturn({ ...input, referenceId: `INC-${i}` });
      sim.control.world.returns.advance(first.returnOrder.id);
      sim.control.world.returns.complete(first.returnOrder.id, [
        { inventoryId, action: 'Quarantine', reason: 'Damaged' },
      ]);

      const all = await client.listReturns();
      expect(all.map((r) => r.referenceId).sort()).toEqual(['INC-1', 'INC-2', 'INC-3', 'INC-4']);
      const completed = await client.listReturns({ statuses: ['Completed'] });
      expect(completed).toHaveLength(1);
      expect(completed[0]!.items[0]).toMatchObject({
        inventoryId,
        quantity: 2,
        actionRequested: 'Restock',
        actionTaken: [{ action: 'Quarantine', reason: 'Damaged', quantityProcessed: 2 }],
      });
      expect(completed[0]!.completedAt).toBeInstanceOf(Date);
      expect(completed[0]!.changedAt).toEqual(completed[0]!.completedAt);

      // 2025-07 may spell it "Awaiting Arrival": filtered and read as AwaitingArrival either way.
      sim.control.world.returns.awaitingArrivalSpelling = 'spaced';
      const waiting = await client.listReturns({
        statuses: ['AwaitingArrival', 'Awaiting Arrival'],
      });
      expect(waiting.map((r) => [r.referenceId, r.status]).sort()).toEqual([
        ['INC-2', 'AwaitingArrival'],
        ['INC-3', 'AwaitingArrival'],
        ['INC-4', 'AwaitingArrival'],
      ]);
    });

    it('creates, lists (every page) and deletes webhook subscriptions signed with our secret', async () => {
      const { client } = make({ pageSize: 1 });
      const secret = `whsec_${Buffer.alloc(24, 1).toString('base64')}`;
      const first = await client.createWebhookSubscription({
        url: 'https://hooks.example.com/a',
        topics: ['order.shipped', 'order.shipment.cancelled'],
        secret,
        description: 'sync',
      });
      const second = await client.createWebhookSubscription({
        url: 'https://hooks.example.com/b',
        topics: ['order.shipment.delivered'],
        secret,
      });
      expect(first).toMatchObject({
        url: 'https://hooks.example.com/a',
        topics: ['order.shipped', 'order.shipment.cancelled'],
        enabled: true,
        description: 'sync',
      });
      expect(sim.control.world.webhooks.all.map((w) => w.secret)).toEqual([secret, secret]);
      const listed = await client.listWebhookSubscriptions();
      expect(listed.map((w) => w.id).sort()).toEqual([first.id, second.id].sort());
      expect(await client.deleteWebhookSubscription(first.id)).toBe(true);
      expect(await client.deleteWebhookSubscription(first.id)).toBe(false);
      expect((await client.listWebhookSubscriptions()).map((w) => w.id)).toEqual([second.id]);
    });

    describe('faults', () => {
      it('maps 429 to a rate-limited error carrying x-retry-after, and succeeds on retry', async () => {
        sim.control.addFault({
          operation: 'GET /fulfillment-center',
          kind: 'status',
          status: 429,
          retryAfterSeconds: 0.05,
          times: 1,
        });
        const { client } = make();
        const error = await client.listFulfillmentCenters().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RateLimitedError);
        expect((error as RateLimitedError).retryAfterMs).toBe(50);
        sim.control.addFault({
          operation: 'GET /fulfillment-center',
          kind: 'status',
          status: 429,
          retryAfterSeconds: 0.05,
          times: 1,
        });
        const centers = await retry(() => client.listFulfillmentCenters(), {
          retries: 2,
          initialDelayMs: 1,
        });
        expect(centers.length).toBeGreaterThan(0);
      });

      it.each([500, 502, 503])('maps %i to a retriable error', async (status) => {
        sim.control.addFault({ operation: 'GET /order', kind: 'status', status, times: 1 });
        const { client } = make();
        await expect(client.listOrdersUpdatedSince(new Date(0))).rejects.toBeInstanceOf(
          RetriableError,
        );
        await expect(client.listOrdersUpdatedSince(new Date(0))).resolves.toMatchObject({
          orders: [],
        });
      });

      it('maps a timeout to a retriable error', async () => {
        sim.control.addFault({ operation: 'GET /product', kind: 'latency', ms: 400, times: 1 });
        const { client } = make({ timeoutMs: 100 });
        await expect(client.findProductsBySku(['X'])).rejects.toMatchObject({ reason: 'timeout' });
      });

      it('maps a dropped connection to a retriable error', async () => {
        sim.control.addFault({ operation: 'GET /inventory-level', kind: 'drop', times: 1 });
        const { client } = make();
        const error = await client.getInventoryLevels([1]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RetriableError);
        expect(error).toMatchObject({ reason: 'connection-error' });
      });

      it('maps a malformed body to a retriable error', async () => {
        sim.control.addFault({ operation: 'GET /return', kind: 'malformed', times: 1 });
        const { client } = make();
        await expect(client.listReturns()).rejects.toMatchObject({ reason: 'malformed-response' });
        await expect(client.listReturns()).resolves.toEqual([]);
      });

      it('rejects writes to a channel the token cannot write as (403, not retried)', async () => {
        sim.control.world.seedProduct(account.merchantId, { sku: 'SKU-1', stock: { 1: 1 } });
        const { client } = make({ channelId: account.otherChannelId! });
        await expect(client.createOrder(newOrder('RO-1'))).rejects.toBeInstanceOf(CredentialsError);
      });
    });

    it(`every request and response of this suite validates against shipbob-${version}.json`, () => {
      expect(exchanges.length).toBeGreaterThan(50);
      expect(
        shipBobProblems(exchanges, {
          undeclaredStatuses: UNDECLARED_ALLOWED,
          answerNotJudged: notJsonOnPurpose,
        }),
      ).toEqual([]);
    });
  },
);
