import { afterEach, describe, expect, it } from '@jest/globals';
import { MongoClient, type Db } from 'mongodb';
import { infra, uniqueName } from '@msync/test-support';
import { createMongoSharedBudget, type BudgetShape } from './shared-budget.js';

let client: MongoClient | undefined;
let dbName: string | undefined;
afterEach(async () => {
  if (client && dbName) await client.db(dbName).dropDatabase();
  await client?.close();
  client = undefined;
});

/** The database, and the commands sent to the budget's collection, in order. */
async function connect(): Promise<{ db: Db; commands: string[] }> {
  client = new MongoClient(infra().MONGO_URL, { monitorCommands: true });
  await client.connect();
  dbName = uniqueName('budget').replace(/-/g, '_');
  const commands: string[] = [];
  client.on('commandStarted', (event) => {
    if ((event.command as Record<string, unknown>)[event.commandName] === 'budget')
      commands.push(event.commandName);
  });
  return { db: client.db(dbName), commands };
}

const SHAPE: BudgetShape = { limit: 10, windowMs: 60_000, sliceTtlMs: 5_000, slackMs: 5_000 };

describe('shared budget on the real MongoDB-compatible server', () => {
  it('claims by one insert while nobody else claimed the key, reads again after another process did, and never grants past the limit', async () => {
    const { db, commands } = await connect();
    const a = createMongoSharedBudget({ db, collection: 'budget', shape: SHAPE, holder: 'a' });
    const b = createMongoSharedBudget({ db, collection: 'budget', shape: SHAPE, holder: 'b' });
    const granted = { a: 0, b: 0 };
    const claim = async (name: 'a' | 'b', want: number) => {
      const grant = await (name === 'a' ? a : b).claim('token-1', want);
      if (grant.granted) granted[name] += grant.calls;
      return grant;
    };

    await claim('a', 2);
    expect(commands.splice(0)).toEqual(['createIndexes', 'find', 'insert']);
    // Its own claims since its read are all there are: one insert each.
    await claim('a', 2);
    await claim('a', 2);
    expect(commands.splice(0)).toEqual(['insert', 'insert']);

    // Another process claims: this one's next insert collides, and it reads.
    await claim('b', 2);
    expect(commands.splice(0)).toEqual(['createIndexes', 'find', 'insert']);
    await claim('a', 2);
    expect(commands.splice(0)).toEqual(['insert', 'find', 'insert']);
    expect(granted).toEqual({ a: 8, b: 2 });

    // The limit is reached: what it knows says no, which a fresh read confirms with the wait.
    const refused = await claim('a', 2);
    expect(refused.granted).toBe(false);
    expect(commands.splice(0)).toEqual(['find']);
    expect(await claim('b', 1)).toMatchObject({ granted: false });
    expect(granted.a + granted.b).toBe(SHAPE.limit);
    const slices = await db.collection<{ seq: number }>('budget').find().sort({ seq: 1 }).toArray();
    expect(slices.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});
