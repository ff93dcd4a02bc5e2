import {
  commonControlRoutes,
  createSimApp,
  FaultBook,
  listen,
  operationGate,
  RequestJournal,
  SlidingWindowLimiter,
  systemClock,
  type SimClock,
} from '@msync/sim-kit';
import { admitCaller } from './auth.js';
import { AutopilotSwitch, type AutopilotSettings } from './autopilot.js';
import { ShipBobControl } from './control.js';
import type { Merchant } from './model.js';
import { OPERATIONS, type Operation } from './operations.js';
import { catalogRoutes } from './routes/catalog.js';
import type { RouteDeps } from './routes/context.js';
import { shipBobControlRoutes } from './routes/control.js';
import { orderRoutes } from './routes/orders.js';
import { returnRoutes } from './routes/returns.js';
import { unmatchedRoutes } from './routes/unmatched.js';
import { webhookRoutes } from './routes/webhooks.js';
import { SHIPBOB_VENDOR } from './vendor.js';
import { Views } from './views.js';
import { WebhookDispatcher, type WebhookDeliveryOptions } from './webhook-delivery.js';
import { SimWorld } from './world.js';

export interface ShipBobSimulatorOptions {
  port?: number;
  host?: string;
  /** Calls per window per token; ShipBob's is 150 per 60 s. */
  rateLimit?: Partial<{ limit: number; windowMs: number }>;
  /** Read-after-write lag of `GET /order` in ms (ShipBob: a few seconds); default 0. */
  orderListLagMs?: number;
  /** Webhook delivery to subscribed URLs; off unless `deliver: true`. */
  webhooks?: WebhookDeliveryOptions;
  /** Orders advance by themselves (label, ship, deliver); off unless given. */
  autopilot?: Partial<AutopilotSettings>;
  /** How often the autopilot looks for due steps; default 100 ms. */
  autopilotTickMs?: number;
  /**
   * The simulator clock (`manualClock()` from `@msync/sim-kit` in tests; the wall clock by
   * default): timestamps, the order-list lag, the autopilot's due steps, the rate-limit window
   * and the journal. A test that drives a client's limiter by hand gives both the same clock.
   * Webhook delivery keeps real time (real retry timers; receivers check the timestamp).
   */
  now?: SimClock;
  /** How many exchanges the journal keeps (oldest dropped first). Default 10 000. */
  journalLimit?: number;
}

export interface RunningShipBobSimulator {
  url: string;
  port: number;
  control: ShipBobControl;
  close(): Promise<void>;
}

const SHIPBOB_RATE_LIMIT = { limit: 150, windowMs: 60_000 };

/** Starts the simulated ShipBob API (and its control API under `/_sim`). */
export async function startShipBobSimulator(
  options: ShipBobSimulatorOptions = {},
): Promise<RunningShipBobSimulator> {
  const now = options.now ?? systemClock;
  const world = new SimWorld(now, options.orderListLagMs ?? 0);
  const views = new Views(world);
  const webhookDelivery = new WebhookDispatcher(options.webhooks, (subscription) => {
    subscription.enabled = false;
  });
  world.onEvent((event) => {
    const subscribed = world.webhooks.subscribedTo(event);
    if (subscribed.length > 0)
      webhookDelivery.publish(subscribed, event.topic, views.webhookPayload(event));
  });
  const faults = new FaultBook<Operation>();
  const journal = new RequestJournal<Operation>({ clock: now, limit: options.journalLimit });
  const limiter = new SlidingWindowLimiter({ ...SHIPBOB_RATE_LIMIT, ...options.rateLimit });
  const autopilot = new AutopilotSwitch(
    (settings) => world.advanceAutopilot(settings),
    options.autopilotTickMs ?? 100,
  );
  const control = new ShipBobControl({
    world,
    faults,
    journal,
    limiter,
    webhookDelivery,
    autopilot,
    initialAutopilot: options.autopilot ?? null,
  });
  control.setAutopilot(options.autopilot ?? null);

  const admit = admitCaller({ world, limiter, now });
  const gate = operationGate<Operation, Merchant>({
    vendor: SHIPBOB_VENDOR,
    faults,
    authenticate: admit,
    callerId: (merchant) => String(merchant.id),
  });
  const deps: RouteDeps = { world, views, gate, now };
  const unmatched = unmatchedRoutes(admit);
  const app = createSimApp({
    vendor: SHIPBOB_VENDOR,
    journal,
    api: [
      unmatched.first,
      catalogRoutes(deps),
      orderRoutes(deps),
      returnRoutes(deps),
      webhookRoutes(deps),
      unmatched.last,
    ],
    control: [
      commonControlRoutes({
        faults,
        journal,
        operations: OPERATIONS,
        reset: () => control.reset(),
      }),
      shipBobControlRoutes(control, views),
    ],
  });

  const server = await listen(app, { port: options.port, host: options.host });
  return {
    url: server.url,
    port: server.port,
    control,
    close: async () => {
      control.stop();
      await server.close();
    },
  };
}
