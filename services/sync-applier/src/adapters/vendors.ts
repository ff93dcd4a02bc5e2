import {
  CredentialsError,
  PermanentError,
  backoffDelay,
  classifyError,
  errorMessage,
  errorReason,
  sleep,
  type CallGate,
  type Logger,
  type SharedBudget,
} from '@msync/platform';
import {
  DOCUMENTED_MIN_INTERVAL_MS,
  createMiraklClient,
  gatedMiraklCall,
  gatedSpacing,
  type GatedShop,
  type MiraklStore,
  type ShipmentTracking,
  type StockImportStarted,
  type StockPushResult,
  type StockUpdate,
} from '@msync/mirakl';
import {
  createRateLimiterRegistry,
  createShipBobClient,
  type EnsuredProduct,
  type NewOrder,
  type NewProduct,
  type NewReturn,
  type ShipBobPort,
  withBudgetPatience,
} from '@msync/shipbob';
import type { ProductMatch } from '../domain/offers.js';
import { createProductLookups } from './product-lookups.js';
import type { ReturnLineFacts } from '../domain/returns.js';
import type { StoreCredentialsPort } from '@msync/stores';
import type { MiraklOrderView } from '../domain/cancel.js';
import { shipbobOrderView, type ShipBobOrderView } from '../domain/marketplace-cancel.js';
import type { ApplierMetrics } from '../metrics.js';

/** The vendor calls the applier makes, in its terms, for one store at a configuration version. */
export interface Vendors {
  /**
   * OR11 by order id: the order's state and tracking number, `null` when Mirakl does not know
   * it. Claimed through the shared per-shop call gate first: a `RateLimitedError` with the wait
   * when any process read the shop's orders less than the interval ago.
   */
  miraklOrderState(
    store: StoreRef,
    orderId: string,
  ): Promise<{ state: string; trackingNumber: string | null } | null>;
  /** OR11 by order id: state, `can_cancel` and lines; `null` when Mirakl does not know it. */
  miraklOrder(store: StoreRef, orderId: string): Promise<MiraklOrderView | null>;
  /** OR29. A refusal for the order's state throws `MiraklWrongStateError`. */
  cancelMiraklOrder(store: StoreRef, orderId: string): Promise<void>;
  /** OR21 accepting the given lines. */
  acceptOrder(store: StoreRef, orderId: string, lineIds: readonly string[]): Promise<void>;
  /**
   * One stock import (STO01, OF01 `NORMAL` when the store refuses STO01; never OF24), followed
   * to its end with the error report.
   */
  /** One stock import followed to its end; `onStarted` keeps its id as soon as Mirakl has it. */
  pushStock(
    store: StoreRef,
    lines: readonly StockUpdate[],
    onStarted?: (started: StockImportStarted) => Promise<void>,
  ): Promise<StockPushResult>;
  /** Follows an import an earlier run started (STO02/OF02 and its error report). */
  followStockImport(
    store: StoreRef,
    started: StockImportStarted,
    lines: readonly StockUpdate[],
  ): Promise<StockPushResult>;
  /** OR23 (unless the order already carries the tracking) then OR24. */
  shipOrder(
    store: StoreRef,
    orderId: string,
    tracking: ShipmentTracking,
    options: { trackingSet: boolean },
  ): Promise<void>;
  findShipBobOrder(store: StoreRef, referenceId: string): Promise<{ id: string } | null>;
  /** The SKUs among `skus` that have a ShipBob product. */
  knownSkus(store: StoreRef, skus: readonly string[]): Promise<Set<string>>;
  /**
   * The ShipBob product carrying each SKU (variant SKU or a channel's seller SKU; absent: none),
   * many SKUs per call; answers prefetched for the same SKUs a moment ago are reused.
   */
  findProducts(store: StoreRef, skus: readonly string[]): Promise<Map<string, ProductMatch>>;
  /**
   * Looks up many SKUs at once ahead of their facts (a batch of offers), for `findProducts`. The
   * answers serve until the returned function is called (the batch is handled), then for
   * `productLookupTtlMs` more.
   */
  prefetchProducts(store: StoreRef, skus: readonly string[]): Promise<() => void>;
  /**
   * The product of a SKU as a prefetch (or an earlier look-up) answered, left for `findProducts`
   * (`null`: none carries it; `undefined`: no answer).
   */
  prefetchedProduct(storeId: string, sku: string): ProductMatch | null | undefined;
  /** Takes the answer of a SKU, as `findProducts` would have. */
  takePrefetchedProduct(storeId: string, sku: string): void;
  /** Creates the product of a SKU found missing; `created: false` when ShipBob had it meanwhile. */
  createShipBobProduct(
    store: StoreRef,
    product: NewProduct,
  ): Promise<{ id: string; created: boolean; match: ProductMatch }>;
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
  /** The ShipBob order by id when known (`GET /order/{id}`), else by reference id. */
  shipbobOrder(
    store: StoreRef,
    ref: { referenceId: string; shipbobOrderId: string | null },
  ): Promise<ShipBobOrderView | null>;
  /** `POST /order/{id}:cancel`: `canceled` when no shipment of the order is left. */
  cancelShipBobOrder(
    store: StoreRef,
    shipbobOrderId: string,
  ): Promise<{ canceled: boolean; order: ShipBobOrderView | null; reasons: string[] }>;
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

/**
 * The spacing of an import's status reads (STO02, OF02) shared with the store's other followers
 * (another replica, the retrier) through the call gate.
 */
function statusReadIntervals(stockImportIntervalMs: number | undefined) {
  if (stockImportIntervalMs === undefined)
    return { STO02: DOCUMENTED_MIN_INTERVAL_MS.STO02, OF02: DOCUMENTED_MIN_INTERVAL_MS.OF02 };
  const { STO02, OF02 } = stockIntervals(stockImportIntervalMs);
  return { STO02, OF02 };
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
  /**
   * How long a prefetched product lookup answers for its SKU once the batch it was made for is
   * handled (default 30 s); while that batch is handled it answers whatever the time (ADR 0093).
   */
  productLookupTtlMs?: number;
  now?: () => number;
  /** The call gate the Mirakl pollers use (`call_gate`): OR11 frequency per shop, product-wide. */
  gate: CallGate;
  /** Minimum interval between two OR11 calls on one shop, product-wide (Mirakl: one minute). */
  or11IntervalMs?: number;
  /** Hosts that may resolve to private addresses (simulators, local runs). */
  miraklTrustedHosts?: readonly string[];
  miraklTimeoutMs?: number;
  /** Retries inside the Mirakl client for 5xx and timeouts; kept low, the fact is parked after. */
  miraklRetries?: number;
  /** Wait between a stock import and its first status read; default 1.5 s (spacing kept). */
  miraklImportFirstPollDelayMs?: number;
  /** Wait between status reads of a stock import; default 15 s. */
  miraklImportPollIntervalMs?: number;
  /** Least time between two stock imports of one store (STO01/OF01, their reports); default 60 s. */
  miraklStockImportIntervalMs?: number;
  /**
   * A stock import whose interval ends within this waits for it in place instead of being parked
   * with the wait (ADR 0104); default 20 s, below the cycle end's live deadline.
   */
  miraklStockImportMaxWaitMs?: number;
  /** ShipBob's per-token budget shared with every other process (`shipbob_budget`). */
  shipbobBudget: SharedBudget;
  /** A ShipBob call that waits longer than this for the token's budget is parked with the wait. */
  shipbobMaxBudgetWaitMs?: number;
  /** How long each call of a batch's product lookup may wait for the budget (default 60 s). */
  shipbobPrefetchBudgetWaitMs?: number;
  shipbobBaseUrl?: string;
  shipbobTimeoutMs?: number;
  shipbobRetries?: number;
  retryInitialDelayMs?: number;
}

interface StoreClients {
  version: number;
  mirakl?: { client: MiraklStore; shop: GatedShop };
  shipbob?: ShipBobPort;
}

/**
 * Vendor clients built per store from its credentials (read through the stores port, opened in
 * process, never logged) and cached until the store's configuration version moves on. ShipBob
 * clients share one rate limiter per token in the process, which claims its calls from the
 * token's budget shared with every other process: stores on one PAT share its 150 a minute.
 */
export function createVendors(options: VendorOptions): Vendors {
  const { credentials, logger, metrics } = options;
  const prefetchBudgetWaitMs = options.shipbobPrefetchBudgetWaitMs ?? 60_000;
  const limiters = createRateLimiterRegistry({
    shared: {
      budget: options.shipbobBudget,
      onError: (error) =>
        logger.warn('claiming from the shared ShipBob budget failed; trying again', {
          error: errorMessage(error),
        }),
    },
    // Waiting longer would hold the partition: the fact is parked with the wait instead.
    maxWaitMs: options.shipbobMaxBudgetWaitMs ?? 2_000,
  });
  const clients = new Map<string, StoreClients>();
  const retries = { shipbob: options.shipbobRetries ?? 2 };
  const initialDelayMs = options.retryInitialDelayMs ?? 500;
  const now = options.now ?? Date.now;
  const lookups = createProductLookups(options.productLookupTtlMs ?? 30_000, now);
  const or11IntervalMs = options.or11IntervalMs ?? DOCUMENTED_MIN_INTERVAL_MS.OR11;

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
    const stockImportMaxWaitMs = options.miraklStockImportMaxWaitMs ?? 20_000;
    if (creds.miraklApiKey) {
      const shopId = Number(creds.miraklShopId);
      const shop = { storeUrl: creds.miraklBaseUrl, shopId: creds.miraklShopId };
      const client = createMiraklClient({
        storeUrl: creds.miraklBaseUrl,
        apiKey: creds.miraklApiKey.reveal(),
        ...(Number.isInteger(shopId) && shopId > 0 ? { shopId } : {}),
        logger,
        timeoutMs: options.miraklTimeoutMs ?? 15_000,
        retries: options.miraklRetries ?? 2,
        retryInitialDelayMs: initialDelayMs,
        retryMaxDelayMs: 4_000,
        // Nothing is waited out in place, where it would hold the partition: a 429 goes back
        // with its wait, and the fact is parked at least that long. OR11 is spaced by the shared
        // gate (below), not by this process's limiter.
        maxRetryAfterMs: 0,
        // A stock import within the store's interval is parked with its wait the same way, unless
        // the interval ends soon: the cycle end holds only its store's inventory lane (ADR 0104).
        limiter: {
          minIntervalMs: {
            OR11: 0,
            ...(options.miraklStockImportIntervalMs === undefined
              ? {}
              : stockIntervals(options.miraklStockImportIntervalMs)),
          },
          maxWaitMs: 0,
          maxWaitMsOf: { STO01: stockImportMaxWaitMs, OF01: stockImportMaxWaitMs },
        },
        // An import's status reads keep their interval whichever replica or path follows it.
        sharedSpacing: gatedSpacing(
          options.gate,
          shop,
          statusReadIntervals(options.miraklStockImportIntervalMs),
          metrics.gateWaits,
        ),
        trustedHosts: options.miraklTrustedHosts ?? [],
        ...(options.miraklImportFirstPollDelayMs === undefined
          ? {}
          : { importFirstPollDelayMs: options.miraklImportFirstPollDelayMs }),
        ...(options.miraklImportPollIntervalMs === undefined
          ? {}
          : { importPollIntervalMs: options.miraklImportPollIntervalMs }),
      });
      built.mirakl = { client, shop };
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

  const mirakl = async (store: StoreRef): Promise<{ client: MiraklStore; shop: GatedShop }> => {
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

  /** One order read with OR11, after claiming the shop's call gate shared with the poller. */
  const miraklOrder = async (store: StoreRef, orderId: string) => {
    const { client, shop } = await mirakl(store);
    const orders = await gatedMiraklCall(
      options.gate,
      shop,
      'OR11',
      or11IntervalMs,
      () => counted('mirakl', 'OR11', () => client.listOrdersUpdatedSince({ orderIds: [orderId] })),
      metrics.gateWaits,
    );
    return orders[0] ?? null;
  };

  return {
    async miraklOrderState(store, orderId) {
      const order = await miraklOrder(store, orderId);
      return order
        ? { state: order.state, trackingNumber: order.tracking?.trackingNumber ?? null }
        : null;
    },
    async miraklOrder(store, orderId) {
      const order = await miraklOrder(store, orderId);
      if (!order) return null;
      return {
        state: order.state,
        canCancel: order.canCancel,
        lines: order.lines.map((line) => ({
          lineId: line.lineId,
          sku: line.sku,
          quantity: line.quantity,
          state: line.state,
        })),
      };
    },
    async cancelMiraklOrder(store, orderId) {
      const { client } = await mirakl(store);
      await counted('mirakl', 'OR29', () => client.cancelOrder(orderId));
    },
    async acceptOrder(store, orderId, lineIds) {
      const { client } = await mirakl(store);
      await counted('mirakl', 'OR21', () => client.acceptOrder({ orderId, lineIds }));
    },
    async pushStock(store, lines, onStarted) {
      const { client } = await mirakl(store);
      return counted('mirakl', 'STO01', () =>
        client.pushStock(lines, onStarted ? { onStarted } : {}),
      );
    },
    async followStockImport(store, started, lines) {
      const { client } = await mirakl(store);
      return counted('mirakl', 'STO02', () => client.followStockImport(started, lines));
    },
    async shipOrder(store, orderId, tracking, { trackingSet }) {
      const { client } = await mirakl(store);
      if (!trackingSet)
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
    async findProducts(store, skus) {
      const { known, missing } = lookups.take(store.storeId, skus);
      if (missing.length > 0) {
        const client = await shipbob(store);
        const found = await shipbobCall('GET /product', () => client.findProductsBySku(missing));
        for (const sku of missing) {
          const ensured = found.get(sku);
          if (ensured) known.set(sku, matchOf(sku, ensured));
        }
      }
      return known;
    },
    prefetchedProduct: (storeId, sku) => lookups.peek(storeId, sku),
    takePrefetchedProduct: (storeId, sku) => void lookups.take(storeId, [sku]),
    async prefetchProducts(store, skus) {
      const wanted = [...new Set(skus)].filter((sku) => sku.length > 0);
      if (wanted.length === 0) return () => {};
      const hold = Symbol('prefetched batch');
      // Answers an earlier batch's product list left (a store's catalog comes in many batches).
      const toFetch = lookups.hold(store.storeId, wanted, hold);
      if (toFetch.length > 0) {
        const client = await shipbob(store);
        // Worth waiting for: one list instead of a lookup per SKU, and nothing shared is held.
        const found = await withBudgetPatience(prefetchBudgetWaitMs, () =>
          shipbobCall('GET /product', () =>
            client.findProductsBySku(toFetch, { everyListed: true }),
          ),
        );
        lookups.put(
          store.storeId,
          toFetch.map((sku) => {
            const ensured = found.get(sku);
            return [sku, ensured ? matchOf(sku, ensured) : null];
          }),
          hold,
        );
        // The rest of a whole list: products carrying SKUs of the store's next batches, which
        // may come minutes later (a catalog's first pass is many batches).
        const asked = new Set(toFetch);
        lookups.put(
          store.storeId,
          [...found].flatMap(([sku, ensured]) =>
            asked.has(sku) ? [] : [[sku, matchOf(sku, ensured)] as [string, ProductMatch]],
          ),
          undefined,
          LISTED_ANSWER_TTL_MS,
        );
      }
      return () => lookups.release(store.storeId, hold);
    },
    async createShipBobProduct(store, product) {
      const client = await shipbob(store);
      let lastAttempt = 1;
      const result = await shipbobCall('POST /product', (attempt) => {
        lastAttempt = attempt;
        return client.createProduct(product);
      });
      const match = matchOf(product.sku, result);
      lookups.put(store.storeId, [[product.sku, match]]);
      // A duplicate after an earlier attempt of ours timed out is our own product.
      return { id: match.productId, created: result.created || lastAttempt > 1, match };
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
    async shipbobOrder(store, ref) {
      const client = await shipbob(store);
      const id = Number(ref.shipbobOrderId);
      const order =
        Number.isInteger(id) && id > 0
          ? await shipbobCall('GET /order/{id}', () => client.getOrder(id))
          : await shipbobCall('GET /order', () => client.findOrderByReferenceId(ref.referenceId));
      return order ? shipbobOrderView(order) : null;
    },
    async cancelShipBobOrder(store, shipbobOrderId) {
      const client = await shipbob(store);
      const result = await shipbobCall('POST /order/{id}:cancel', () =>
        client.cancelOrder(Number(shipbobOrderId)),
      );
      return {
        canceled: result.canceled,
        order: result.order ? shipbobOrderView(result.order) : null,
        reasons: result.shipments
          .filter((s) => !s.canceled)
          .map((s) => `shipment ${s.shipmentId ?? '?'}: ${s.reason ?? 'refused'}`),
      };
    },
  };
}

/** How a found product carries the SKU. */
function matchOf(sku: string, ensured: EnsuredProduct): ProductMatch {
  return {
    productId: String(ensured.product.id),
    matchedBy: ensured.variant.sku === sku ? 'sku' : 'seller-sku',
  };
}

/** How long products a whole product list showed answer lookups of the store's next batches. */
const LISTED_ANSWER_TTL_MS = 5 * 60_000;
