import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiRoutes, type ApiRoute, type Caller } from './api.js';
import { DEFAULT_AUTOPILOT, type AutopilotSettings } from './autopilot.js';
import { controlRoutes } from './control.js';
import { errorBody, rateLimitBody } from './errors.js';
import { FaultBook, type Fault } from './faults.js';
import { match, readBody, send, type Ctx, type Reply } from './http.js';
import { SlidingWindowLimiter, type RateLimitOptions } from './rate-limiter.js';
import { Views } from './views.js';
import {
  WebhookDispatcher,
  type WebhookDelivery,
  type WebhookDeliveryOptions,
} from './webhooks.js';
import { SimHttpError, problem, SimWorld } from './world.js';

export interface ShipBobSimulatorOptions {
  port?: number;
  host?: string;
  /** Requests per window per token; defaults to ShipBob's 150 per 60 s. */
  rateLimit?: Partial<RateLimitOptions>;
  /** Read-after-write lag of `GET /order` in ms (ShipBob: a few seconds); default 0. */
  orderListLagMs?: number;
  /** Called once per vendor API request, after it is answered (for tests and demos). */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Webhook delivery to subscribed URLs; off unless `deliver: true`. */
  webhooks?: WebhookDeliveryOptions;
  /** Orders advance by themselves (label, ship, deliver); off unless given. */
  autopilot?: Partial<AutopilotSettings>;
  /** How often the autopilot looks for due steps; default 100 ms. */
  autopilotTickMs?: number;
  /**
   * Clock of the rate-limit window and of `RequestLogEntry.at`; `Date.now` by default. Tests
   * that drive a client's limiter by hand give both the same clock.
   */
  now?: () => number;
}

export interface RequestLogEntry {
  at: number;
  method: string;
  path: string;
  route: string;
  status: number;
  /** The PAT that made the call (simulator tokens are test data). */
  token: string;
}

export interface ShipBobSimulator {
  url: string;
  port: number;
  world: SimWorld;
  faults: FaultBook;
  /** Every vendor API request answered so far, in arrival order. */
  requests: RequestLogEntry[];
  /** The webhook journal: every delivery attempt and every suppressed event. */
  webhookDeliveries: WebhookDelivery[];
  setWebhookDelivery(enabled: boolean): void;
  readonly webhookDeliveryEnabled: boolean;
  /** Switches the autopilot on with these settings (unset ones keep their defaults), or off. */
  setAutopilot(settings: Partial<AutopilotSettings> | null): void;
  readonly autopilot: AutopilotSettings | null;
  addFault(fault: Fault): void;
  clearFaults(): void;
  /** Forgets all state, faults, request log and rate-limit windows. */
  reset(): void;
  close(): Promise<void>;
}

const SHIPBOB_RATE_LIMIT: RateLimitOptions = { limit: 150, windowMs: 60_000 };

/** Starts the stateful ShipBob simulator on `host:port` (port 0 picks a free port). */
export async function startShipBobSimulator(
  options: ShipBobSimulatorOptions = {},
): Promise<ShipBobSimulator> {
  const rateLimit = { ...SHIPBOB_RATE_LIMIT, ...options.rateLimit };
  const now = options.now ?? Date.now;
  const dispatcher = new WebhookDispatcher(options.webhooks);
  const newWorld = (): SimWorld => {
    const world = new SimWorld(() => new Date(), options.orderListLagMs ?? 0);
    world.onEvent((event) => {
      const subscribed = world.webhooks.filter(
        (w) => w.merchantId === event.merchantId && w.enabled && w.topics.includes(event.topic),
      );
      if (subscribed.length > 0)
        dispatcher.publish(subscribed, event.topic, new Views(world).webhookPayload(event));
    });
    return world;
  };
  const state = { world: newWorld() };
  let limiter = new SlidingWindowLimiter(rateLimit);
  const faults = new FaultBook();
  const requests: RequestLogEntry[] = [];
  const autopilot = {
    settings: null as AutopilotSettings | null,
    timer: undefined as NodeJS.Timeout | undefined,
  };
  const setAutopilot = (settings: Partial<AutopilotSettings> | null): void => {
    clearInterval(autopilot.timer);
    autopilot.timer = undefined;
    autopilot.settings = settings ? { ...DEFAULT_AUTOPILOT, ...settings } : null;
    if (!autopilot.settings) return;
    autopilot.timer = setInterval(() => {
      if (autopilot.settings) state.world.advanceAutopilot(autopilot.settings);
    }, options.autopilotTickMs ?? 100);
    autopilot.timer.unref();
  };
  setAutopilot(options.autopilot ?? null);

  const sim: ShipBobSimulator = {
    url: '',
    port: 0,
    get world() {
      return state.world;
    },
    faults,
    requests,
    webhookDeliveries: dispatcher.journal,
    setWebhookDelivery: (enabled) => dispatcher.setEnabled(enabled),
    get webhookDeliveryEnabled() {
      return dispatcher.enabled;
    },
    setAutopilot,
    get autopilot() {
      return autopilot.settings;
    },
    addFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    reset: () => {
      state.world = newWorld();
      limiter = new SlidingWindowLimiter(rateLimit);
      faults.clear();
      requests.length = 0;
      dispatcher.reset();
      setAutopilot(options.autopilot ?? null);
    },
    close: () => Promise.resolve(),
  };

  let routes: ApiRoute[] = [];
  let routesFor: SimWorld | undefined;
  const currentRoutes = (): ApiRoute[] => {
    if (routesFor !== state.world) {
      routes = apiRoutes(state.world, new Views(state.world), () => Date.now());
      routesFor = state.world;
    }
    return routes;
  };
  const control = controlRoutes(sim);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const method = req.method ?? 'GET';
    const raw = await readBody(req);

    if (url.pathname.startsWith('/_sim/')) {
      const found = match(control, method, url.pathname);
      if (!found) return send(res, { status: 404, body: { message: 'unknown control route' } });
      const reply = await run(() =>
        found.route.handler({ req, url, params: found.params, body: parseJson(raw) }),
      );
      return send(res, reply);
    }

    const found = match(currentRoutes(), method, url.pathname);
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const log = (status: number): void => {
      const entry = {
        at: now(),
        method,
        path: url.pathname,
        route: found?.route.key ?? 'unknown',
        status,
        token,
      };
      requests.push(entry);
      options.onRequest?.(entry);
    };
    const merchant = token ? state.world.merchantByPat(token) : undefined;
    if (!merchant) {
      log(401);
      return send(res, { status: 401 });
    }
    const decision = limiter.check(token, now());
    if (!decision.allowed) {
      log(429);
      return send(res, {
        status: 429,
        headers: { 'x-retry-after': String(decision.retryAfterSeconds), 'x-remaining-calls': '0' },
        body: rateLimitBody(decision.retryAfterSeconds),
      });
    }
    const rateHeaders = { 'x-remaining-calls': String(decision.remaining) };
    if (!found) {
      log(404);
      return send(res, { status: 404, headers: rateHeaders });
    }

    let dropAfterCommit = false;
    for (const fault of faults.take(found.route.key)) {
      switch (fault.kind) {
        case 'latency':
          await new Promise((resolve) => setTimeout(resolve, fault.ms));
          break;
        case 'status':
          log(fault.status);
          return send(res, {
            status: fault.status,
            headers:
              fault.status === 429
                ? {
                    'x-retry-after': String(fault.retryAfterSeconds ?? 1),
                    'x-remaining-calls': '0',
                  }
                : rateHeaders,
            body:
              fault.status === 429
                ? rateLimitBody(fault.retryAfterSeconds ?? 1)
                : problem(fault.status, 'Simulated failure'),
          });
        case 'drop':
          log(0);
          req.socket.destroy();
          return;
        case 'drop-after-commit':
          dropAfterCommit = true;
          break;
        case 'malformed':
          log(200);
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...rateHeaders });
          res.end('{"items": [{"id": 1,');
          return;
      }
    }

    const reply = await run(() => {
      const caller = resolveCaller(req, merchant, found.route);
      const body = raw.length > 0 ? parseJson(raw) : undefined;
      if (body instanceof SyntaxError)
        throw new SimHttpError(400, { '': ['The request body is not valid JSON.'] });
      const ctx: Ctx = { req, url, params: found.params, body };
      return found.route.apiHandler(ctx, caller);
    });
    log(dropAfterCommit ? 0 : reply.status);
    if (dropAfterCommit) {
      req.socket.destroy();
      return;
    }
    send(res, { ...reply, headers: { ...rateHeaders, ...reply.headers } });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: problem(500, String(error)) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  sim.port = address.port;
  sim.url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  sim.close = () =>
    new Promise<void>((resolve, reject) => {
      setAutopilot(null);
      dispatcher.stop();
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return sim;
}

/** Checks `shipbob_channel_id`: required on writes (400), must be one of the merchant's channels (403). */
function resolveCaller(
  req: IncomingMessage,
  merchant: Caller['merchant'],
  route: ApiRoute,
): Caller {
  const header = req.headers['shipbob_channel_id'];
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || raw === '') {
    if (route.write)
      throw new SimHttpError(
        400,
        errorBody(route.errors, 400, {
          shipbob_channel_id: ['The shipbob_channel_id header is required.'],
        }),
      );
    return { merchant, channelId: undefined };
  }
  const channelId = Number(raw);
  const channel = merchant.channels.find((c) => c.id === channelId);
  if (!channel) throw new SimHttpError(403);
  if (route.write && !channel.scopes.some((s) => s.endsWith('_write'))) throw new SimHttpError(403);
  return { merchant, channelId };
}

async function run(fn: () => Reply | Promise<Reply>): Promise<Reply> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof SimHttpError) return { status: error.status, body: error.body };
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number')
      return { status, body: problem(status, (error as Error).message) };
    throw error;
  }
}

function parseJson(raw: string): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    return error;
  }
}
