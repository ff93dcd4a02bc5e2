import { afterEach, describe, expect, it } from '@jest/globals';
import type { Db } from 'mongodb';
import { infra, uniqueName } from '@msync/test-support';
import { connectMongo, type MongoHandle } from '../mongo.js';
import { createPollCoordinator } from './coordinator.js';
import { createMongoLeases } from './lease.js';
import { createMongoPollState, type PollStateStore } from './poll-state.js';

let handle: MongoHandle | undefined;
afterEach(async () => {
  await handle?.db.dropDatabase();
  await handle?.close();
  handle = undefined;
});

async function connect(): Promise<Db> {
  handle = await connectMongo(infra().MONGO_URL, {
    dbName: uniqueName('coordinator').replace(/-/g, '_'),
    appName: 'test',
  });
  return handle.db;
}

const LEASES = 'poll_leases';

/** The database, except that lease releases are applied at once and answered when let go. */
function releasesHeld(db: Db) {
  const held: (() => void)[] = [];
  const applied: string[] = [];
  const late = new Proxy(db, {
    get(target, property, receiver) {
      if (property !== 'collection') return Reflect.get(target, property, receiver) as unknown;
      return (name: string) => {
        const collection = target.collection(name);
        if (name !== LEASES) return collection;
        return new Proxy(collection, {
          get(c, p, r) {
            const value = Reflect.get(c, p, r) as unknown;
            if (typeof value !== 'function') return value;
            const bound = (value as (...args: unknown[]) => Promise<unknown>).bind(c);
            if (p !== 'deleteOne') return bound;
            return async (...args: unknown[]) => {
              const result = await bound(...args);
              applied.push('release applied');
              await new Promise<void>((resolve) => held.push(resolve));
              return result;
            };
          },
        });
      };
    },
  });
  return {
    db: late,
    applied,
    /** Answers the releases held so far. */
    answer: () => held.splice(0).forEach((resolve) => resolve()),
    /** Resolves once `n` releases were applied. */
    until: async (n: number) => {
      while (applied.length < n) await new Promise((resolve) => setTimeout(resolve, 5));
    },
  };
}

describe('poll coordinator on the real MongoDB-compatible server', () => {
  it("answers a pass's request without waiting for its lease's release; the store's next pass and settle() wait for it", async () => {
    const db = await connect();
    const held = releasesHeld(db);
    const steps: string[] = [];
    let requestedAt = Date.now();
    const coordinator = createPollCoordinator({
      state: createMongoPollState({ db, prefix: 'poll' }),
      leases: createMongoLeases({ db: held.db, collection: LEASES, leaseMs: 60_000 }),
      pass: async ({ storeId, startedAt }) => {
        steps.push(`pass ${storeId}`);
        await createMongoPollState({ db, prefix: 'poll' }).saveCursor(storeId, 'stock', {
          cursor: null,
          startedAt,
        });
      },
    });

    expect(await coordinator.request('s1', 'stock', { requestedAt, since: null })).toBe(
      'completed',
    );
    steps.push('s1 answered');
    // Another store does not wait for s1's release either.
    expect(await coordinator.request('s2', 'stock', { requestedAt, since: null })).toBe(
      'completed',
    );
    steps.push('s2 answered');
    await held.until(2);

    requestedAt = Date.now() + 1;
    const next = coordinator.request('s1', 'stock', { requestedAt, since: null });
    let settled = false;
    const settling = coordinator.settle().then(() => (settled = true));
    // A store asked after s1's next pass goes all the way through while that pass waits.
    expect(await coordinator.request('s3', 'stock', { requestedAt, since: null })).toBe(
      'completed',
    );
    steps.push('s3 answered');
    await held.until(3);
    expect(steps).toEqual([
      'pass s1',
      's1 answered',
      'pass s2',
      's2 answered',
      'pass s3',
      's3 answered',
    ]);
    expect(settled).toBe(false);
    steps.push('releases answered');
    held.answer();
    await settling;
    expect(await next).toBe('completed');
    expect(steps.slice(-2)).toEqual(['releases answered', 'pass s1']);
    await held.until(4);
    held.answer();
    await coordinator.settle();
    expect(await db.collection(LEASES).countDocuments()).toBe(0);
  });

  it("reads a store's credentials beside its cursor, before the pass", async () => {
    const db = await connect();
    const real = createMongoPollState({ db, prefix: 'poll' });
    const steps: string[] = [];
    let prepared!: () => void;
    const preparing = new Promise<void>((resolve) => (prepared = resolve));
    // The cursor's read is answered only once the preparation has begun: the two run side by
    // side, or this test times out.
    const state: PollStateStore = {
      ...real,
      cursor: async (storeId, stream) => {
        steps.push('cursor asked');
        await preparing;
        return real.cursor(storeId, stream);
      },
    };
    const coordinator = createPollCoordinator({
      state,
      leases: createMongoLeases({ db, collection: LEASES, leaseMs: 60_000 }),
      prepare: async (storeId) => {
        steps.push(`prepare ${storeId}`);
        prepared();
        await new Promise((resolve) => setTimeout(resolve, 20));
        steps.push('prepared');
      },
      pass: async ({ storeId }) => {
        steps.push(`pass ${storeId}`);
      },
    });

    expect(await coordinator.request('s1', 'stock', { requestedAt: Date.now(), since: null })).toBe(
      'completed',
    );
    expect(steps).toEqual(['prepare s1', 'cursor asked', 'prepared', 'pass s1']);
    await coordinator.settle();
  });
});
