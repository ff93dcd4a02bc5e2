import {
  CredentialsError,
  PermanentError,
  backoffDelay,
  classifyError,
  errorReason,
  sleep,
  type Logger,
} from '@msync/platform';
import {
  createMiraklClient,
  type MiraklStore,
  type LimitedOperation,
  type ShipmentTracking,
  type StockPushResult,
  type StockUpdate,
} from '@msync/mirakl';
import {
  createRateLimiterRegistry,
  createShipBobClient,
  type NewOrder,
  type NewReturn,
  type ShipBobPort,
} from '@msync/shipbob';
import type { ReturnLineFacts } from '../domain/returns.js';
import type { StoreCredentialsPort } from '@msync/stores';
import type { ApplierMetrics } from '../metrics.js';

/** The vendor calls the applier makes, in its terms, for one store at a configuration version. */
export interface Vendors {
  /** OR11 by order id: the order's state, `null` when Mirakl does not know it. */
  miraklOrderState(store: StoreRef, orderId: string): Promise<string | null>;
  /** OR21 accepting the given lines. */
  acceptOrder(store: StoreRef, orderId: string, lineIds: readonly string[]): Promise<void>;
  /**
   * One stock import (STO01, OF01 `NORMAL` when the store refuses STO01; never OF24), followed
   * to its end with the error report.
   */
  pushStock(store: StoreRef, lines: readonly StockUpdate[]): Promise<StockPushResult>;
  /** OR23 then OR24. */
  shipOrder(store: StoreRef, orderId: string, tracking: ShipmentTracking): Promise<void>;
  findShipBobOrder(store: StoreRef, referenceId: string): Promise<{ id: string } | null>;
  /** The SKUs among `skus` that have a ShipBob product. */
  knownSkus(store: StoreRef, skus: readonly string[]): Promise<Set<string>>;
  /** Creates the order; `created: false` when ShipBob already had the reference id (422). */
  createShipBobOrder(store: StoreRef, order: NewOrder): Promise<{ id: string; created: boolean }>;
  findShipBobReturn(store: StoreRef, referenceId: string): Promise<{ id: string } | null>;
  /** The SKU's inventory item, the shipment of the order that carried it, the return center. */
  returnLine(
    store: StoreRef,
    line: { miraklOrderId: string; sku: string; fulfillmentCenterId: number },
  ): Promise<ReturnLineFacts>;
  /** Creates the return; `created: false` when ShipBob already had the reference id. */
  createShipBobReturn(
    store: StoreRef,
    returnOrder: NewReturn,
  ): Promise<{ id: string; created: boolean }>;
}

/** Mirakl's stock import operations spaced by `ms` (its status reads by at most 15 s). */
function stockIntervals(ms: number) {
  return {
    STO01: ms,
    OF01: ms,
    STO03: ms,
    OF03: ms,
    OF02: ms,
    STO02: Math.min(ms, 15_000),
  };
}

/** A store and the configuration version the caller knows (newer credentials are read at once). */
export interface StoreRef {
  storeId: string;
  version: number;
}

export interface VendorOptions {
  credentials: StoreCredentialsPort;
  logger: Logger;
  metrics: ApplierMetrics;
  /** Hosts that may resolve to private addresses (simulators, local runs). */
  miraklTrustedHosts?: readonly string[];
  miraklTimeoutMs?: number;
  /** Retries inside the Mirakl client for 5xx and timeouts; kept low, the fact is parked after. */
  miraklRetries?: number;
  /** Wait between status reads of a stock import; default 15 s. */
  miraklImportPollIntervalMs?: number;
  /** Least time between two stock imports of one store (STO01/OF01, their reports); default 60 s. */
  miraklStockImportIntervalMs?: number;
  /**
   * Other Mirakl call intervals to replace (ms per operation; default Mirakl's documented ones).
   * Tests shorten OR11, which a resumed effect asks before acting again.
   */
  miraklMinIntervalMs?: Partial<Record<LimitedOperation, number>>;
  shipbobBaseUrl?: string;
  shipbobTimeoutMs?: number;
  shipbobRetries?: number;
  retryInitialDelayMs?: number;
}

interface StoreClients {
  version: number;
  mirakl?: MiraklStore;
  shipbob?: ShipBobPort;
}

/**
 * Vendor clients built per store from its credentials (read through the stores port, opened in
 * process, never logged) and cached until the store's configuration version moves on. ShipBob
 * clients share one rate limiter per token in the process: stores on one PAT share its budget.
 */
export function createVendors(options: VendorOptions): Vendors {
  const { credentials, logger, metrics } = options;
  const limiters = createRateLimiterRegistry();
  const clients = new Map<string, StoreClients>();
  const retries = { shipbob: options.shipbobRetries ?? 2 };
  const initialDelayMs = options.retryInitialDelayMs ?? 500;

  const storeClients = async (store: StoreRef): Promise<StoreClients> => {
    const cached = clients.get(store.storeId);
    if (cached && cached.version >= store.version) return cached;
    const creds = await credentials.get(store.storeId, { atLeastVersion: store.version });
    if (!creds) {
      throw new PermanentError(`store ${store.storeId} is not in the stores collection`, {
        reason: 'store-not-found',
      });
    }
    const built: StoreClients = { version: creds.version };
    if (creds.miraklApiKey) {
      const shopId = Number(creds.miraklShopId);
      built.mirakl = createMiraklClient({
        storeUrl: creds.miraklBaseUrl,
        apiKey: creds.miraklApiKey.reveal(),
        ...(Number.isInteger(shopId) && shopId > 0 ? { shopId } : {}),
        logger,
        timeoutMs: options.miraklTimeoutMs ?? 15_000,
        retries: options.miraklRetries ?? 2,
        retryInitialDelayMs: initialDelayMs,
        retryMaxDelayMs: 4_000,
        trustedHosts: options.miraklTrustedHosts ?? [],
        ...(options.miraklImportPollIntervalMs === undefined
          ? {}
          : { importPollIntervalMs: options.miraklImportPollIntervalMs }),
        limiter: {
          minIntervalMs: {
            ...(options.miraklStockImportIntervalMs === undefined
              ? {}
              : stockIntervals(options.miraklStockImportIntervalMs)),
            ...options.miraklMinIntervalMs,
          },
        },
      });
    }
    if (creds.shipbobPat) {
      const pat = creds.shipbobPat.reveal();
      const channelId = Number(creds.shipbobChannelId);
      built.shipbob = createShipBobClient({
        pat,
        storeId: store.storeId,
        logger,
        limiter: limiters.forToken(pat),
        baseUrl: options.shipbobBaseUrl,
        timeoutMs: options.shipbobTimeoutMs ?? 15_000,
        ...(Number.isInteger(channelId) && channelId > 0 ? { channelId } : {}),
      });
    }
    clients.set(store.storeId, built);
    return built;
  };

  const mirakl = async (store: StoreRef): Promise<MiraklStore> => {
    const built = await storeClients(store);
    if (!built.mirakl) {
      throw new CredentialsError(
        `no Mirakl API key is stored for store ${store.storeId}: reconnect the store`,
        { reason: 'credentials-missing' },
      );
    }
    return built.mirakl;
  };

  const shipbob = async (store: StoreRef): Promise<ShipBobPort> => {
    const built = await storeClients(store);
    if (!built.shipbob) {
      throw new CredentialsError(
        `no ShipBob token is stored for store ${store.storeId}: configure ShipBob for the store`,
        { reason: 'credentials-missing' },
      );
    }
    return built.shipbob;
  };

  /** Counts the call by its result; the Mirakl client's own retries count as one call. */
  const counted = async <T>(
    system: 'mirakl' | 'shipbob',
    operation: string,
    call: () => Promise<T>,
  ): Promise<T> => {
    try {
      const result = await call();
      metrics.vendorCalls.inc({ system, operation, status: 'ok' });
      return result;
    } catch (error) {
      metrics.vendorCalls.inc({ system, operation, status: errorReason(error) });
      throw error;
    }
  };

  /**
   * ShipBob's client does not retry: a few quick tries for transient failures here, then the
   * fact is parked. A 429 is not waited out in place: its wait goes with the parked fact.
   */
  const shipbobCall = async <T>(
    operation: string,
    call: (attempt: number) => Promise<T>,
  ): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await counted('shipbob', operation, () => call(attempt));
      } catch (error) {
        if (classifyError(error) !== 'retriable' || attempt > retries.shipbob) throw error;
        await sleep(backoffDelay(attempt, { initialDelayMs, maxDelayMs: 4_000 }));
      }
    }
  };

  return {
    async miraklOrderState(store, orderId) {
      const client = await mirakl(store);
      const [order] = await counted('mirakl', 'OR11', () =>
        client.listOrdersUpdatedSince({ orderIds: [orderId] }),
      );
      return order?.state ?? null;
    },
    async acceptOrder(store, orderId, lineIds) {
      const client = await mirakl(store);
      await counted('mirakl', 'OR21', () => client.acceptOrder({ orderId, lineIds }));
    },
    async pushStock(store, lines) {
      const client = await mirakl(store);
      const result = await counted('mirakl', 'STO01', () => client.pushStock(lines));
      return result;
    },
    async shipOrder(store, orderId, tracking) {
      const client = await mirakl(store);
      await counted('mirakl', 'OR23', () => client.setTracking(orderId, tracking));
      await counted('mirakl', 'OR24', () => client.confirmShipment(orderId));
    },
    async findShipBobOrder(store, referenceId) {
      const client = await shipbob(store);
      const order = await shipbobCall('GET /order', () =>
        client.findOrderByReferenceId(referenceId),
      );
      return order ? { id: String(order.id) } : null;
    },
    async knownSkus(store, skus) {
      const client = await shipbob(store);
      const found = await shipbobCall('GET /product', () => client.findProductsBySku([...skus]));
      return new Set(skus.filter((sku) => found.has(sku)));
    },
    async createShipBobOrder(store, order) {
      const client = await shipbob(store);
      let lastAttempt = 1;
      const result = await shipbobCall('POST /order', (attempt) => {
        lastAttempt = attempt;
        return client.createOrder(order);
      });
      // A 422 after an earlier attempt of ours timed out is our own order.
      return { id: String(result.order.id), created: result.created || lastAttempt > 1 };
    },
    async findShipBobReturn(store, referenceId) {
      const client = await shipbob(store);
      const [found] = await shipbobCall('GET /return', () =>
        client.listReturns({ referenceIds: [referenceId] }),
      );
      return found ? { id: String(found.id) } : null;
    },
    async returnLine(store, line) {
      const client = await shipbob(store);
      const products = await shipbobCall('GET /product', () =>
        client.findProductsBySku([line.sku]),
      );
      const variant = products.get(line.sku)?.variant;
      const item: ReturnLineFacts['item'] =
        variant === undefined
          ? { kind: 'unknown' }
          : variant.isDigital
            ? { kind: 'digital' }
            : variant.isBundle || variant.inventoryId === null
              ? { kind: 'bundle' }
              : { kind: 'item', inventoryId: variant.inventoryId };
      const centers = await shipbobCall('GET /fulfillment-center', () =>
        client.listFulfillmentCenters(),
      );
      const centerAcceptsReturns = centers.some((c) => c.id === line.fulfillmentCenterId);
      if (item.kind !== 'item') return { item, shipment: null, centerAcceptsReturns };
      const order = await shipbobCall('GET /order', () =>
        client.findOrderByReferenceId(line.miraklOrderId),
      );
      const carried = (order?.shipments ?? [])
        .filter((s) => !s.isCanceled)
        .map((s) => ({
          id: s.id,
          shippedQuantity: s.items
            .filter((i) => i.inventoryId === item.inventoryId)
            .reduce((sum, i) => sum + i.quantity, 0),
        }))
        .filter((s) => s.shippedQuantity > 0);
      // Several shipments carried the item: the return names none, the quantity is their sum.
      const shipment =
        carried.length === 0
          ? null
          : carried.length === 1
            ? carried[0]!
            : { id: null, shippedQuantity: carried.reduce((sum, s) => sum + s.shippedQuantity, 0) };
      return { item, shipment, centerAcceptsReturns };
    },
    async createShipBobReturn(store, returnOrder) {
      const client = await shipbob(store);
      let lastAttempt = 1;
      const result = await shipbobCall('POST /return', (attempt) => {
        lastAttempt = attempt;
        return client.createReturn(returnOrder);
      });
      return { id: String(result.returnOrder.id), created: result.created || lastAttempt > 1 };
    },
  };
}
