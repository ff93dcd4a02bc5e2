import { MongoClient, type Db } from 'mongodb';
import { errorMessage, RetriableError } from './errors.js';
import type { Logger } from './logger.js';
import { Counter, Histogram, type Registry } from './metrics.js';
import { scrubString } from './redact.js';

/** The driver's server check interval and its connect (and handshake) timeout: its defaults. */
const HEARTBEAT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 30_000;

export interface MongoHandle {
  client: MongoClient;
  db: Db;
  /** Readiness probe: a `ping` round trip. */
  ping: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * Connects to MongoDB (or FerretDB). Uses only features both support: no transactions, change
 * streams or TTL indexes anywhere in the product.
 */
export async function connectMongo(
  url: string,
  options: {
    dbName: string;
    appName: string;
    metrics?: Registry;
    /** Where the watchdog says it reconnected the client (ADR 0129). */
    logger?: Logger;
    /**
     * How long one server check may run before the client counts as stuck and is reconnected
     * (default: longer than any check the driver allows itself).
     */
    stuckCheckAfterMs?: number;
  },
): Promise<MongoHandle> {
  const client = new MongoClient(url, {
    appName: options.appName,
    serverSelectionTimeoutMS: 10_000,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    heartbeatFrequencyMS: HEARTBEAT_MS,
    retryWrites: false,
    monitorCommands: options.metrics !== undefined,
  });
  if (options.metrics) countCommands(client, options.metrics);
  try {
    await client.connect();
  } catch (error) {
    throw new RetriableError(`cannot connect to MongoDB: ${scrubString(String(error))}`, {
      cause: error,
      reason: 'mongo-unavailable',
    });
  }
  const watchdog = watchServerChecks(client, {
    // A check connects and says hello (each within the connect timeout) or, on a server that
    // streams its state, waits up to one interval for news: anything longer is not a check.
    stuckAfterMs: options.stuckCheckAfterMs ?? 2 * CONNECT_TIMEOUT_MS + HEARTBEAT_MS + 5_000,
    logger: options.logger,
    metrics: options.metrics,
  });
  const db = client.db(options.dbName);
  return {
    client,
    db,
    ping: async () => {
      await db.command({ ping: 1 });
    },
    close: async () => {
      await watchdog.stop();
      await client.close();
    },
  };
}

/**
 * The driver's server monitor can stop for good: when the server closes its connections (a
 * restart), a check may write its `hello` to a socket already destroyed but not yet reported
 * closed; the driver then waits for a `drain` that never comes, ignores every later request for a
 * check, and keeps the server Unknown, so every operation fails server selection until the
 * process restarts (ADR 0129). A check that outlasts every timeout the driver gives one is such a
 * stop: the watchdog closes the client and connects it again (new monitors, new pool); operations
 * meanwhile fail as they do while the server is away, and are retried by their callers.
 */
function watchServerChecks(
  client: MongoClient,
  options: { stuckAfterMs: number; logger?: Logger; metrics?: Registry },
): { stop: () => Promise<void> } {
  const reconnects = options.metrics
    ? ((options.metrics.getSingleMetric('mongodb_client_reconnects_total') as Counter<never>) ??
      new Counter({
        name: 'mongodb_client_reconnects_total',
        help: "Times the MongoDB client was closed and connected again because the driver's server check had stopped (ADR 0129)",
        registers: [options.metrics],
      }))
    : undefined;
  const log = options.logger?.child({ component: 'mongo-watchdog' });
  /** When each server's running check started, by address. */
  const running = new Map<string, number>();
  const started = (event: { connectionId: string }) => running.set(event.connectionId, Date.now());
  const ended = (event: { connectionId: string }) => running.delete(event.connectionId);
  client.on('serverHeartbeatStarted', started);
  client.on('serverHeartbeatSucceeded', ended);
  client.on('serverHeartbeatFailed', ended);

  let stopped = false;
  let recovering: Promise<void> | undefined;
  const recover = async (address: string, sinceMs: number): Promise<void> => {
    log?.warn('MongoDB server check stuck; closing and connecting the client again', {
      server: address,
      stuckForMs: sinceMs,
    });
    reconnects?.inc();
    running.clear();
    await client.close().catch(() => undefined);
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await client.connect();
        log?.info('MongoDB client connected again', { attempts: attempt });
        return;
      } catch (error) {
        // The failed attempt's topology is closed: a check it left running is nobody's now.
        running.clear();
        log?.warn('MongoDB client not connected again yet; retrying', {
          attempts: attempt,
          error: scrubString(errorMessage(error)),
        });
        await new Promise((resolve) => setTimeout(resolve, Math.min(attempt, 5) * 1_000));
      }
    }
  };
  const timer = setInterval(
    () => {
      if (recovering || stopped) return;
      const now = Date.now();
      for (const [address, since] of running) {
        if (now - since < options.stuckAfterMs) continue;
        recovering = recover(address, now - since).finally(() => (recovering = undefined));
        return;
      }
    },
    Math.max(250, Math.min(5_000, options.stuckAfterMs / 4)),
  );
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await recovering;
    },
  };
}

/** Database commands by collection and command, and their durations: what each service costs the database. */
function countCommands(client: MongoClient, registry: Registry): void {
  const commands =
    (registry.getSingleMetric('mongodb_commands_total') as Counter<
      'collection' | 'command' | 'result'
    >) ??
    new Counter({
      name: 'mongodb_commands_total',
      help: 'Database commands sent, by collection, command (find, insert, update, …) and result (ok, failed)',
      labelNames: ['collection', 'command', 'result'],
      registers: [registry],
    });
  const durations =
    (registry.getSingleMetric('mongodb_command_duration_seconds') as Histogram<'command'>) ??
    new Histogram({
      name: 'mongodb_command_duration_seconds',
      help: 'Database command round trips, by command',
      labelNames: ['command'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  const seconds =
    (registry.getSingleMetric('mongodb_command_seconds_total') as Counter<
      'collection' | 'command'
    >) ??
    new Counter({
      name: 'mongodb_command_seconds_total',
      help: 'Time spent waiting for database commands, by collection and command: where the database time goes',
      labelNames: ['collection', 'command'],
      registers: [registry],
    });
  const collections = new Map<number, string>();
  client.on('commandStarted', (event) => {
    const target = (event.command as Record<string, unknown>)[event.commandName];
    collections.set(event.requestId, typeof target === 'string' ? target : '');
  });
  const ended =
    (result: 'ok' | 'failed') =>
    (event: { requestId: number; commandName: string; duration: number }) => {
      const collection = collections.get(event.requestId) ?? '';
      collections.delete(event.requestId);
      if (IGNORED.has(event.commandName)) return;
      commands.inc({ collection, command: event.commandName, result });
      durations.observe({ command: event.commandName }, event.duration / 1000);
      seconds.inc({ collection, command: event.commandName }, event.duration / 1000);
    };
  client.on('commandSucceeded', ended('ok'));
  client.on('commandFailed', ended('failed'));
}

/** Handshakes and driver housekeeping, not the service's work. */
const IGNORED = new Set(['hello', 'isMaster', 'ismaster', 'endSessions', 'ping']);
