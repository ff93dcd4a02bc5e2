import type { Order, ReturnOrder, Shipment } from './model.js';

/**
 * A change a webhook topic reports. Listeners run synchronously, right after the change, so they
 * see the entity as it is at that moment.
 */
export type WorldEvent =
  | { topic: 'order.shipped'; merchantId: number; order: Order }
  | {
      topic: 'order.shipment.exception' | 'order.shipment.cancelled' | 'order.shipment.delivered';
      merchantId: number;
      order: Order;
      shipment: Shipment;
    }
  | {
      topic: 'return.created' | 'return.updated' | 'return.completed';
      merchantId: number;
      ret: ReturnOrder;
    };

/** Where the world's changes are announced (webhook delivery listens here). */
export class WorldEvents {
  private readonly listeners: ((event: WorldEvent) => void)[] = [];

  /** Calls `listener` after every change a webhook topic reports. */
  on(listener: (event: WorldEvent) => void): void {
    this.listeners.push(listener);
  }

  emit(event: WorldEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
