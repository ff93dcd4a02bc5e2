import type { Control } from './control.js';

/**
 * A stream of new orders for demos: every `everyMs` each fed shop gets one new order
 * (`WAITING_ACCEPTANCE`, one line per SKU). Once accepted, the simulator's payment delay moves it
 * to `SHIPPING` as for any other order, so a local run shows orders flowing without anyone
 * clicking. Off unless asked for (tests create their orders themselves).
 */
export interface OrderFeedOptions {
  everyMs: number;
  /** The SKUs of every fed order (e.g. the ShipBob simulator's demo product). */
  skus: string[];
  /** The shops fed. */
  shopIds: number[];
}

export interface OrderFeed {
  /** Orders created so far. */
  created(): number;
  stop(): void;
}

export function startOrderFeed(control: Control, options: OrderFeedOptions): OrderFeed {
  let created = 0;
  // Order ids unique across restarts of the simulator: a restarted local run keeps its database,
  // where the system remembers the orders of earlier runs by id.
  const run = Date.now().toString(36).toUpperCase();
  const feed = (): void => {
    for (const shopId of options.shopIds) {
      control.createOrder(shopId, {
        commercialId: `F${run}${String(created + 1).padStart(4, '0')}`,
        lines: options.skus.map((sku, i) => ({ sku, quantity: 1 + ((created + i) % 3) })),
      });
      created += 1;
    }
  };
  const timer = setInterval(feed, options.everyMs);
  // A demo feed never keeps a process alive on its own.
  timer.unref();
  return {
    created: () => created,
    stop: () => clearInterval(timer),
  };
}

/**
 * The `MIRAKL_SIM_NEW_ORDER_EVERY_MS` switch: `off` (or empty) = no feed, else a whole number of
 * milliseconds of at least 100.
 */
export function parseOrderFeedInterval(raw: string): number | null {
  const value = raw.trim();
  if (value === '' || value === 'off') return null;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 100)
    throw new Error(`expected "off" or a number of milliseconds ≥ 100, got "${raw}"`);
  return ms;
}
