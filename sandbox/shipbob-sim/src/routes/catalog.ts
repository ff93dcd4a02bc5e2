import { simRouter } from '@msync/sim-kit';
import type { Request, Router } from 'express';
import { InvalidParameter, problem, vendorError } from '../errors.js';
import type { InventoryItem } from '../model.js';
import { param, serve, urlOf, type Caller, type RouteDeps } from './context.js';
import { asObject, bool, cursorPage, filterValues, list, numericId } from './query.js';

/** Channels, fulfillment centers, products and inventory. */
export function catalogRoutes({ world, views, gate }: RouteDeps): Router {
  const router = simRouter();
  const inventoryItems = (req: Request, caller: Caller): readonly InventoryItem[] => {
    const url = urlOf(req);
    const ids = list(url, 'InventoryIds')?.map(Number);
    if (ids && ids.length > 250)
      throw new InvalidParameter('InventoryIds', 'Too many InventoryIds');
    const active = bool(url, 'IsActive');
    const digital = bool(url, 'IsDigital');
    const all = world.inventoryOf(caller.merchant.id);
    // Every page of an unfiltered list (the usual read) pages the merchant's list itself.
    if (!ids && active === undefined && digital === undefined) return all;
    return all.filter(
      (i) =>
        (!ids || ids.includes(i.id)) &&
        (active === undefined || i.isActive === active) &&
        (digital === undefined || i.isDigital === digital),
    );
  };
  const ownInventoryItem = (req: Request, caller: Caller): InventoryItem => {
    const id = numericId(param(req, 'inventoryId'), 'inventoryId');
    const item = world.findInventoryItem(id);
    if (!item || item.merchantId !== caller.merchant.id)
      throw vendorError(404, problem(404, `Inventory item ${id} not found`));
    return item;
  };
  const inventory = { errors: 'problem' } as const;

  serve(router, gate, 'GET /channel', {}, (req, res, caller) => {
    const items = caller.merchant.channels.map((c) => ({
      id: c.id,
      name: c.name,
      application_name: c.applicationName,
      scopes: c.scopes,
    }));
    res.json(cursorPage(urlOf(req), items, 'RecordsPerPage', 50, false));
  });
  serve(router, gate, 'GET /fulfillment-center', {}, (_req, res) => {
    res.json(world.centers.map((c) => views.center(c)));
  });

  serve(router, gate, 'GET /product', {}, (req, res, caller) => {
    const url = urlOf(req);
    const found = world.findProducts(caller.merchant.id, {
      skus: filterValues(url, 'SKU'),
      sellerSkus: filterValues(url, 'SellerSKU'),
    });
    res.json(cursorPage(url, found, 'PageSize', 50, true, (p) => views.product(p)));
  });
  serve(router, gate, 'POST /product', {}, (req, res, caller) => {
    const product = world.createProduct(caller.merchant, asObject(req.body));
    res.status(201).json(views.product(product));
  });

  serve(router, gate, 'GET /inventory-level', inventory, (req, res, caller) => {
    const levels = inventoryItems(req, caller);
    res.json(cursorPage(urlOf(req), levels, 'PageSize', 50, true, (i) => views.inventoryLevel(i)));
  });
  // Literal paths before the `{inventoryId}` ones that would also match them.
  serve(router, gate, 'GET /inventory-level/locations', inventory, (req, res, caller) => {
    const items = inventoryItems(req, caller);
    res.json(
      cursorPage(urlOf(req), items, 'PageSize', 50, true, (i) => views.inventoryLocations(i)),
    );
  });
  serve(router, gate, 'GET /inventory-level/{inventoryId}', inventory, (req, res, caller) => {
    res.json(views.inventoryLevel(ownInventoryItem(req, caller)));
  });
  serve(
    router,
    gate,
    'GET /inventory-level/{inventoryId}/locations',
    inventory,
    (req, res, caller) => {
      res.json(views.inventoryLocations(ownInventoryItem(req, caller)));
    },
  );
  serve(router, gate, 'GET /inventory', inventory, (req, res, caller) => {
    const items = inventoryItems(req, caller);
    res.json(cursorPage(urlOf(req), items, 'PageSize', 50, true, (i) => views.inventoryCatalog(i)));
  });
  return router;
}
