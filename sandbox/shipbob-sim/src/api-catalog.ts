import {
  apiRoute,
  asObject,
  bool,
  cursorPage,
  filterValues,
  numericId,
  type ApiRoute,
  type Caller,
  type RouteDeps,
} from './api-support.js';
import { InvalidParameter, problem, SimHttpError } from './errors.js';
import { list, type Ctx } from './http.js';
import type { InventoryItem } from './model.js';

/** Channels, fulfillment centers, products and inventory. */
export function catalogRoutes({ world, views }: RouteDeps): ApiRoute[] {
  const inventoryItems = (ctx: Ctx, caller: Caller): InventoryItem[] => {
    const ids = list(ctx.url, 'InventoryIds')?.map(Number);
    if (ids && ids.length > 250)
      throw new InvalidParameter('InventoryIds', 'Too many InventoryIds');
    const active = bool(ctx, 'IsActive');
    const digital = bool(ctx, 'IsDigital');
    return world.inventory.filter(
      (i) =>
        i.merchantId === caller.merchant.id &&
        (!ids || ids.includes(i.id)) &&
        (active === undefined || i.isActive === active) &&
        (digital === undefined || i.isDigital === digital),
    );
  };
  const ownInventoryItem = (ctx: Ctx, caller: Caller): InventoryItem => {
    const id = numericId(ctx.params[0], 'inventoryId');
    const item = world.inventory.find((i) => i.id === id && i.merchantId === caller.merchant.id);
    if (!item) throw new SimHttpError(404, problem(404, `Inventory item ${id} not found`));
    return item;
  };
  const inventory = { errors: 'problem' } as const;

  return [
    apiRoute('GET', '/channel', (ctx, caller) => {
      const items = caller.merchant.channels.map((c) => ({
        id: c.id,
        name: c.name,
        application_name: c.applicationName,
        scopes: c.scopes,
      }));
      return { status: 200, body: cursorPage(ctx, items, 'RecordsPerPage', 50, false) };
    }),
    apiRoute('GET', '/fulfillment-center', () => ({
      status: 200,
      body: world.centers.map((c) => views.center(c)),
    })),

    apiRoute('GET', '/product', (ctx, caller) => {
      const found = world.findProducts(caller.merchant.id, {
        skus: filterValues(ctx, 'SKU'),
        sellerSkus: filterValues(ctx, 'SellerSKU'),
      });
      return {
        status: 200,
        body: cursorPage(
          ctx,
          found.map((p) => views.product(p)),
          'PageSize',
          50,
        ),
      };
    }),
    apiRoute('POST', '/product', (ctx, caller) => {
      const product = world.createProduct(caller.merchant, asObject(ctx.body));
      return { status: 201, body: views.product(product) };
    }),

    apiRoute(
      'GET',
      '/inventory-level',
      (ctx, caller) => ({
        status: 200,
        body: cursorPage(
          ctx,
          inventoryItems(ctx, caller).map((i) => views.inventoryLevel(i)),
          'PageSize',
          50,
        ),
      }),
      inventory,
    ),
    apiRoute(
      'GET',
      '/inventory-level/locations',
      (ctx, caller) => ({
        status: 200,
        body: cursorPage(
          ctx,
          inventoryItems(ctx, caller).map((i) => views.inventoryLocations(i)),
          'PageSize',
          50,
        ),
      }),
      inventory,
    ),
    apiRoute(
      'GET',
      '/inventory-level/{inventoryId}',
      (ctx, caller) => ({ status: 200, body: views.inventoryLevel(ownInventoryItem(ctx, caller)) }),
      inventory,
    ),
    apiRoute(
      'GET',
      '/inventory-level/{inventoryId}/locations',
      (ctx, caller) => ({
        status: 200,
        body: views.inventoryLocations(ownInventoryItem(ctx, caller)),
      }),
      inventory,
    ),
    apiRoute(
      'GET',
      '/inventory',
      (ctx, caller) => ({
        status: 200,
        body: cursorPage(
          ctx,
          inventoryItems(ctx, caller).map((i) => views.inventoryCatalog(i)),
          'PageSize',
          50,
        ),
      }),
      inventory,
    ),
  ];
}
