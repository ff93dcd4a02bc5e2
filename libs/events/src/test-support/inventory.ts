import type { ShipBobInventoryObserved } from '../generated/types.js';

/**
 * Inventory facts as one value per SKU (ADR 0166): each fact's own SKU, then each of its `more`
 * with the fact's envelope and cycle; `endOfCycle` on the last SKU of a fact closing a cycle.
 */
export function inventoryPerSku(
  facts: readonly ShipBobInventoryObserved[],
): ShipBobInventoryObserved[] {
  return facts.flatMap((fact) => {
    const { more, ...own } = fact;
    const all = [own, ...more.map((level) => ({ ...own, ...level }))];
    return all.map((value, i) => ({
      ...value,
      endOfCycle: fact.endOfCycle && i === more.length,
      more: [],
    }));
  });
}
