import type { SimOffer } from './model.js';

/** How STO01, OF01 and seeding change an offer's stock (global or per warehouse). */

/** A global quantity replaces any per-warehouse breakdown. */
export function setGlobalQuantity(offer: SimOffer, quantity: number): void {
  offer.warehouses.clear();
  offer.quantity = quantity;
}

/** One warehouse's quantity; the offer's quantity is then the sum over its warehouses. */
export function setWarehouseQuantity(offer: SimOffer, warehouse: string, quantity: number): void {
  offer.warehouses.set(warehouse, quantity);
  offer.quantity = sumOf(offer.warehouses);
}

export function removeWarehouse(offer: SimOffer, warehouse: string): void {
  offer.warehouses.delete(warehouse);
  offer.quantity = sumOf(offer.warehouses);
}

function sumOf(warehouses: Map<string, number>): number {
  let total = 0;
  for (const quantity of warehouses.values()) total += quantity;
  return total;
}
