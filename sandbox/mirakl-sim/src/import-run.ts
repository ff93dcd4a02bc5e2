import type { SimClock } from '@msync/sim-kit';
import type { ImportLineError, SimImport, SimOffer, SimShop } from './model.js';
import { removeWarehouse, setGlobalQuantity, setWarehouseQuantity } from './stock.js';

/**
 * Runs an OF01 or STO01 file against the shop's offers, line by line, as Mirakl does once the
 * import leaves RUNNING: per-line errors go to the error report, `REPLACE` deletes offers the
 * file left out, a file without its key columns fails as a whole.
 */
export function applyImport(shop: SimShop, imp: SimImport, now: SimClock): void {
  imp.applied = true;
  const col = (name: string): number => imp.header.indexOf(name);
  const skuCol = imp.kind === 'stock' ? col('offer-sku') : col('sku');
  const qtyCol = col('quantity');
  const udCol = col('update-delete');
  const warehouseCol = imp.kind === 'stock' ? col('warehouse-code') : -1;
  if (skuCol < 0 || (imp.kind === 'stock' && qtyCol < 0)) {
    imp.status = 'FAILED';
    imp.reasonStatus = `Missing required column ${imp.kind === 'stock' ? '"offer-sku" or "quantity"' : '"sku"'}`;
    return;
  }
  const errors: ImportLineError[] = [];
  const seenSkus = new Set<string>();
  imp.rows.forEach((cells, i) => {
    const line = i + 2; // 1-based, after the header line
    imp.linesRead++;
    const sku = cells[skuCol]?.trim() ?? '';
    const action = (udCol >= 0 ? cells[udCol]?.trim().toLowerCase() : '') || 'update';
    const rawQty = qtyCol >= 0 ? cells[qtyCol]?.trim() : undefined;
    const fail = (message: string): void => {
      errors.push({ line, message, cells });
    };
    const offer = shop.offers.get(sku);
    const warehouse = (warehouseCol >= 0 ? cells[warehouseCol]?.trim() : '') || undefined;
    if (!sku) return fail('The offer SKU is missing');
    if (action === 'delete' && warehouse !== undefined) {
      // A stock line deletes that warehouse's quantity, not the offer (inferred, see ADR 0024).
      if (!offer || offer.deleted) return fail(`The offer with SKU ${sku} does not exist`);
      if (!offer.warehouses.has(warehouse))
        return fail(`The offer with SKU ${sku} has no quantity in warehouse ${warehouse}`);
      changeStock(now, shop, imp, offer, () => removeWarehouse(offer, warehouse), warehouse);
      offer.lastUpdated = now();
      imp.updated++;
      imp.linesInSuccess++;
      return;
    }
    if (action === 'delete') {
      if (!offer || offer.deleted) return fail(`The offer with SKU ${sku} does not exist`);
      offer.deleted = true;
      offer.active = false;
      offer.lastUpdated = now();
      imp.deleted++;
      imp.linesInSuccess++;
      return;
    }
    if (action !== 'update') return fail(`Unknown update-delete value "${action}"`);
    if (!offer || offer.deleted) return fail(`The offer with SKU ${sku} does not exist`);
    if (rawQty !== undefined && rawQty !== '') {
      const qty = Number(rawQty);
      if (!Number.isInteger(qty) || qty < 0)
        return fail(`The quantity "${rawQty}" is not a positive integer`);
      changeStock(
        now,
        shop,
        imp,
        offer,
        () =>
          warehouse === undefined
            ? setGlobalQuantity(offer, qty)
            : setWarehouseQuantity(offer, warehouse, qty),
        warehouse,
      );
    }
    const priceCol = col('price');
    const rawPrice = priceCol >= 0 ? cells[priceCol]?.trim() : undefined;
    if (rawPrice) {
      const price = Number(rawPrice);
      if (!Number.isFinite(price) || price < 0) return fail(`The price "${rawPrice}" is invalid`);
      offer.price = price;
    }
    offer.lastUpdated = now();
    seenSkus.add(sku);
    imp.updated++;
    imp.linesInSuccess++;
  });
  if (imp.mode === 'REPLACE') {
    for (const offer of shop.offers.values()) {
      if (!seenSkus.has(offer.shopSku) && !offer.deleted) {
        offer.deleted = true;
        offer.active = false;
        offer.lastUpdated = now();
        imp.deleted++;
      }
    }
  }
  imp.errors = errors;
  imp.linesInError = errors.length;
  imp.status = 'COMPLETE';
}

/** Applies a stock change and keeps its trace for the control API's read-back. */
function changeStock(
  now: SimClock,
  shop: SimShop,
  imp: SimImport,
  offer: SimOffer,
  change: () => void,
  warehouse: string | undefined,
): void {
  const before = offer.quantity;
  const beforeInWarehouse = warehouse === undefined ? undefined : offer.warehouses.get(warehouse);
  change();
  const afterInWarehouse = warehouse === undefined ? undefined : offer.warehouses.get(warehouse);
  if (offer.quantity === before && beforeInWarehouse === afterInWarehouse) return;
  shop.stockHistory.push({
    at: now(),
    sku: offer.shopSku,
    from: before,
    to: offer.quantity,
    importId: imp.id,
    via: imp.kind === 'stock' ? 'STO01' : 'OF01',
    ...(warehouse === undefined ? {} : { warehouse }),
  });
}
