import { apiError, problem, vendorError } from './errors.js';
import type { WorldEvent } from './events.js';
import type {
  FulfillmentCenter,
  InventoryItem,
  Merchant,
  Order,
  ReturnAction,
  ReturnOrder,
  ReturnStatus,
} from './model.js';

export interface CreateReturnInput {
  reference_id: string;
  fulfillment_center: { id: number; name?: string | null };
  inventory: { id: number; quantity: number; requested_action?: string | null }[];
  tracking_number?: string | null;
  original_shipment_id?: number | null;
}

/** What the returns need from the rest of the world (its live lists, clock, ids and events). */
export interface ReturnsDeps {
  now: () => Date;
  nextId: () => number;
  emit: (event: WorldEvent) => void;
  centers: readonly FulfillmentCenter[];
  inventory: readonly InventoryItem[];
  orders: readonly Order[];
}

const RETURN_FLOW: ReturnStatus[] = ['AwaitingArrival', 'Arrived', 'Processing', 'Completed'];

/**
 * Return orders and their rules: reference ids unique per channel, inventory ids once each and
 * not digital; `AwaitingArrival` → `Arrived` → `Processing` → `Completed` (a `Restock` puts the
 * units back on hand at the return's center), or `Cancelled` before arrival.
 */
export class Returns {
  readonly all: ReturnOrder[] = [];
  /**
   * How a return awaiting arrival spells its status on the wire: 1.0's enum says
   * `AwaitingArrival`, 2025-07's description "Awaiting Arrival" (reference §10: uncertain, read
   * both). `joined` unless a test switches it; `clear()` switches it back.
   */
  awaitingArrivalSpelling: 'joined' | 'spaced' = 'joined';

  constructor(private readonly deps: ReturnsDeps) {}

  private iso(): string {
    return this.deps.now().toISOString();
  }

  /** `POST /return`: reference ids unique per channel; inventory ids once each, not digital. */
  create(merchant: Merchant, channelId: number, body: CreateReturnInput): ReturnOrder {
    this.check(merchant, channelId, body, undefined);
    const at = this.iso();
    const ret: ReturnOrder = {
      id: this.deps.nextId(),
      merchantId: merchant.id,
      channelId,
      referenceId: body.reference_id,
      status: 'AwaitingArrival',
      fulfillmentCenterId: body.fulfillment_center.id,
      items: [],
      trackingNumber: null,
      originalShipmentId: null,
      storeOrderId: null,
      insertDate: at,
      completedDate: null,
      history: [{ status: 'AwaitingArrival', timestamp: at }],
    };
    this.apply(ret, body);
    this.all.push(ret);
    this.deps.emit({ topic: 'return.created', merchantId: merchant.id, ret });
    return ret;
  }

  /** `PUT /return/{id}`: replaces what the merchant declared, while the box has not arrived. */
  edit(merchant: Merchant, ret: ReturnOrder, body: CreateReturnInput): ReturnOrder {
    if (ret.status !== 'AwaitingArrival')
      throw vendorError(
        422,
        apiError(`Return ${ret.id} is ${ret.status}; only a return awaiting arrival can be edited`),
      );
    this.check(merchant, ret.channelId, body, ret.id);
    this.apply(ret, body);
    this.deps.emit({ topic: 'return.updated', merchantId: ret.merchantId, ret });
    return ret;
  }

  get(id: number): ReturnOrder {
    const ret = this.all.find((r) => r.id === id);
    if (!ret) throw vendorError(404, problem(404, `Return ${id} not found`));
    return ret;
  }

  /** Moves a return one step: AwaitingArrival → Arrived → Processing. */
  advance(id: number): ReturnOrder {
    const ret = this.get(id);
    const next = RETURN_FLOW[RETURN_FLOW.indexOf(ret.status) + 1];
    if (!next || next === 'Completed')
      throw vendorError(409, { message: `return ${id} is ${ret.status}` });
    ret.status = next;
    ret.history.push({ status: next, timestamp: this.iso() });
    this.deps.emit({ topic: 'return.updated', merchantId: ret.merchantId, ret });
    return ret;
  }

  /** Completes a return with the action taken per item (default: the requested action, Default → Restock). */
  complete(
    id: number,
    actions: { inventoryId: number; action: string; reason?: string }[] = [],
  ): ReturnOrder {
    const ret = this.get(id);
    if (ret.status === 'Completed' || ret.status === 'Cancelled')
      throw vendorError(409, { message: `return ${id} is ${ret.status}` });
    const at = this.iso();
    for (const step of RETURN_FLOW.slice(RETURN_FLOW.indexOf(ret.status) + 1))
      ret.history.push({ status: step, timestamp: at });
    for (const item of ret.items) {
      const chosen = actions.find((a) => a.inventoryId === item.inventoryId);
      const action =
        chosen?.action ?? (item.requestedAction === 'Default' ? 'Restock' : item.requestedAction);
      item.actionTaken = [
        { action, reason: chosen?.reason ?? null, quantityProcessed: item.quantity },
      ];
      if (action === 'Restock') {
        const inv = this.inventoryItem(item.inventoryId);
        const stock = inv.stock.get(ret.fulfillmentCenterId) ?? { onHand: 0, committed: 0 };
        stock.onHand += item.quantity;
        inv.stock.set(ret.fulfillmentCenterId, stock);
      }
    }
    ret.status = 'Completed';
    ret.completedDate = at;
    this.deps.emit({ topic: 'return.completed', merchantId: ret.merchantId, ret });
    return ret;
  }

  /** `POST /return/{id}:cancel`: only before the box arrived. */
  cancel(ret: ReturnOrder): void {
    if (ret.status !== 'AwaitingArrival')
      throw vendorError(422, apiError(`Return ${ret.id} is ${ret.status}`));
    ret.status = 'Cancelled';
    ret.history.push({ status: 'Cancelled', timestamp: this.iso() });
    this.deps.emit({ topic: 'return.updated', merchantId: ret.merchantId, ret });
  }

  clear(): void {
    this.all.length = 0;
    this.awaitingArrivalSpelling = 'joined';
  }

  /** A status as the wire spells it (see {@link awaitingArrivalSpelling}). */
  wireStatus(status: ReturnStatus): string {
    return status === 'AwaitingArrival' && this.awaitingArrivalSpelling === 'spaced'
      ? 'Awaiting Arrival'
      : status;
  }

  private check(
    merchant: Merchant,
    channelId: number,
    body: CreateReturnInput,
    exceptId: number | undefined,
  ): void {
    const duplicate = this.all.some(
      (r) => r.id !== exceptId && r.channelId === channelId && r.referenceId === body.reference_id,
    );
    if (duplicate)
      throw vendorError(
        422,
        apiError(`Return with reference id ${body.reference_id} already exists`),
      );
    if (!this.deps.centers.some((c) => c.id === body.fulfillment_center.id)) {
      throw vendorError(422, apiError(`Unknown fulfillment center ${body.fulfillment_center.id}`));
    }
    const seen = new Set<number>();
    for (const line of body.inventory) {
      const item = this.deps.inventory.find(
        (i) => i.id === line.id && i.merchantId === merchant.id,
      );
      if (!item) throw vendorError(422, apiError(`Unknown inventory id ${line.id}`));
      if (item.isDigital) throw vendorError(422, apiError(`Inventory ${line.id} is digital`));
      if (seen.has(line.id))
        throw vendorError(422, apiError(`Inventory ${line.id} appears more than once`));
      if (line.quantity < 1) throw vendorError(422, apiError('Quantity must be at least 1'));
      seen.add(line.id);
    }
  }

  private apply(ret: ReturnOrder, body: CreateReturnInput): void {
    const originalOrder = body.original_shipment_id
      ? this.deps.orders.find((o) => o.shipments.some((s) => s.id === body.original_shipment_id))
      : undefined;
    ret.referenceId = body.reference_id;
    ret.fulfillmentCenterId = body.fulfillment_center.id;
    ret.items = body.inventory.map((line) => ({
      inventoryId: line.id,
      quantity: line.quantity,
      requestedAction: toReturnAction(line.requested_action),
      actionTaken: [],
    }));
    ret.trackingNumber = body.tracking_number ?? null;
    ret.originalShipmentId = body.original_shipment_id ?? null;
    ret.storeOrderId = originalOrder ? originalOrder.referenceId : null;
  }

  private inventoryItem(id: number): InventoryItem {
    const item = this.deps.inventory.find((i) => i.id === id);
    if (!item) throw vendorError(404, { message: `unknown inventory item ${id}` });
    return item;
  }
}

function toReturnAction(value: string | null | undefined): ReturnAction {
  return value === 'Restock' || value === 'Quarantine' || value === 'Dispose' ? value : 'Default';
}
