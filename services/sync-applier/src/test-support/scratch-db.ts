import { afterEach } from '@jest/globals';
import { MongoClient, type CommandStartedEvent, type Db } from 'mongodb';
import { infra, uniqueName } from '@msync/test-support';

/** A test's own database on the real server, and the commands sent to it so far. */
export interface ScratchDb {
  db: Db;
  commands: CommandStartedEvent[];
}

/**
 * For a test file: a function giving each test a database of its own on the real server, named
 * after `prefix`, with the commands sent to it recorded; the database is dropped and the client
 * closed after the test.
 */
export function scratchDatabases(prefix: string): () => Promise<ScratchDb> {
  let client: MongoClient | undefined;
  let dbName: string | undefined;
  afterEach(async () => {
    if (client && dbName) await client.db(dbName).dropDatabase();
    await client?.close();
    client = undefined;
  });
  return async () => {
    client = new MongoClient(infra().MONGO_URL, { monitorCommands: true, retryWrites: false });
    await client.connect();
    const name = uniqueName(prefix).replaceAll('-', '_');
    dbName = name;
    const commands: CommandStartedEvent[] = [];
    client.on('commandStarted', (event) => {
      if (event.databaseName === name) commands.push(event);
    });
    return { db: client.db(name), commands };
  };
}
