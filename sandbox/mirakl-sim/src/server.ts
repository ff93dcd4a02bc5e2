import {
  commonControlRoutes,
  createSimApp,
  FaultBook,
  listen,
  MinIntervalLimiter,
  operationGate,
  RequestJournal,
  type SimClock,
} from '@msync/sim-kit';
import { authenticateShop } from './auth.js';
import { Control } from './control.js';
import { DEFAULT_CARRIERS, type Carrier, type SimShop } from './model.js';
import { OPERATIONS, type CallFrequency, type Operation } from './operations.js';
import { accountRoutes } from './routes/account.js';
import type { MiraklRouteDeps } from './routes/context.js';
import { miraklControlRoutes } from './routes/control.js';
import { exportRoutes } from './routes/exports.js';
import { importRoutes } from './routes/imports.js';
import { incidentRoutes } from './routes/incidents.js';
import { offerRoutes } from './routes/offers.js';
import { orderRoutes } from './routes/orders.js';
import { platformRoutes } from './routes/platform.js';
import { MIRAKL_VENDOR } from './vendor.js';
import { startOrderFeed, type OrderFeedOptions } from './order-feed.js';
import { SimWorld, type ShopSeed } from './world.js';

export { DOCUMENTED_CALL_FREQUENCY } from './operations.js';
export type { Exchange, FaultInput } from './faults.js';
export type { OfferSeed, OrderSeed, ShopSeed } from './world.js';
export type { OrderFeedOptions } from './order-feed.js';

export interface MiraklSimulatorOptions {
  port?: number;
  host?: string;
  /** Shops to create at start. */
  shops?: ShopSeed[];
  /** The simulator's clock (see `manualClock` in `@msync/sim-kit`); the wall clock by default. */
  now?: SimClock;
  importDelayMs?: number;
  exportDelayMs?: number;
  paymentDelayMs?: number | null;
  updateOverlapMs?: number;
  /**
   * Minimum time between two calls of an operation by one shop; a faster call gets 429 with
   * `Retry-After`. Empty by default; {@link DOCUMENTED_CALL_FREQUENCY} is Mirakl's contract.
   * Also switchable at run time (`control.setCallFrequency`, `PUT /_sim/call-frequency`).
   */
  callFrequencyMs?: CallFrequency;
  carriers?: Carrier[];
  /** Largest accepted `max` page size. */
  maxPageSize?: number;
  /** How many exchanges the journal keeps (oldest dropped first). Default 10 000. */
  journalLimit?: number;
  /** New orders created by themselves every so often (demos); none by default. */
  orderFeed?: OrderFeedOptions;
}

export interface RunningMiraklSimulator {
  url: string;
  port: number;
  control: Control;
  close(): Promise<void>;
}

/** Former control prefix, still answered so existing scripts keep working. */
const LEGACY_CONTROL_PREFIX = '/_control';

/** Starts the simulated Mirakl seller API (and its control API under `/_sim`). */
export async function startMiraklSimulator(
  options: MiraklSimulatorOptions = {},
): Promise<RunningMiraklSimulator> {
  const now = options.now ?? (() => new Date());
  const world = new SimWorld({
    now,
    importDelayMs: options.importDelayMs ?? 300,
    exportDelayMs: options.exportDelayMs ?? 300,
    paymentDelayMs: options.paymentDelayMs === undefined ? 1_000 : options.paymentDelayMs,
    updateOverlapMs: options.updateOverlapMs ?? 60_000,
  });
  const faults = new FaultBook<Operation>();
  const journal = new RequestJournal<Operation>({ clock: now, limit: options.journalLimit });
  const callLimiter = new MinIntervalLimiter<Operation>(options.callFrequencyMs ?? {});
  const control = new Control(world, faults, journal, callLimiter);
  for (const seed of options.shops ?? []) world.addShop(seed);

  const gate = operationGate<Operation, SimShop>({
    vendor: MIRAKL_VENDOR,
    faults,
    authenticate: authenticateShop(world),
    callerId: (shop) => String(shop.shopId),
    limit: (shop, operation) => {
      const decision = callLimiter.check(String(shop.shopId), operation, now().getTime());
      return decision.allowed
        ? undefined
        : { retryAfterSeconds: decision.retryAfterSeconds, reason: 'call-frequency' };
    },
    // Time-driven steps (imports, payments, exports) are evaluated on each request: no timers.
    beforeHandler: (shop) => world.advance(shop),
  });
  let baseUrl = '';
  const deps: MiraklRouteDeps = {
    world,
    gate,
    carriers: options.carriers ?? DEFAULT_CARRIERS,
    maxPageSize: options.maxPageSize ?? 100,
    baseUrl: () => baseUrl,
  };
  const app = createSimApp({
    vendor: MIRAKL_VENDOR,
    journal,
    api: [
      platformRoutes(deps),
      accountRoutes(deps),
      offerRoutes(deps),
      importRoutes(deps),
      exportRoutes(deps),
      orderRoutes(deps),
      incidentRoutes(deps),
    ],
    control: [
      commonControlRoutes({
        faults,
        journal,
        operations: OPERATIONS,
        reset: () => control.reset(),
      }),
      miraklControlRoutes(control),
    ],
    controlAliases: [LEGACY_CONTROL_PREFIX],
  });

  const server = await listen(app, { port: options.port, host: options.host });
  baseUrl = server.url;
  const feed = options.orderFeed ? startOrderFeed(control, options.orderFeed) : undefined;
  const close = async (): Promise<void> => {
    feed?.stop();
    await server.close();
  };
  return { url: server.url, port: server.port, control, close };
}
