import { MongoClient, type Db } from 'mongodb';
import { RetriableError } from './errors.js';
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
  options: { dbName: string; appName: string },
): Promise<MongoHandle> {
  const client = new MongoClient(url, {
    appName: options.appName,
    serverSelectionTimeoutMS: 10_000,
    retryWrites: false,
  });
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
