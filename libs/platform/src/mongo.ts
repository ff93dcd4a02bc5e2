import { MongoClient, type Db } from 'mongodb';
import { RetriableError } from './errors.js';
import { Counter, Histogram, type Registry } from './metrics.js';
import { scrubString } from './redact.js';

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
  options: { dbName: string; appName: string; metrics?: Registry },
): Promise<MongoHandle> {
  const client = new MongoClient(url, {
    appName: options.appName,
    serverSelectionTimeoutMS: 10_000,
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
  const db = client.db(options.dbName);
  return {
    client,
    db,
    ping: async () => {
      await db.command({ ping: 1 });
    },
    close: () => client.close(),
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
