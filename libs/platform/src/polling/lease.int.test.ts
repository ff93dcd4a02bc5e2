import { afterEach, describe, expect, it } from '@jest/globals';
import type { Db } from 'mongodb';
import { infra, uniqueName } from '@msync/test-support';
import { connectMongo, type MongoHandle } from '../mongo.js';
import { createMongoLeases } from './lease.js';

let handle: MongoHandle | undefined;
afterEach(async () => {
  await handle?.db.dropDatabase();
  await handle?.close();
  handle = undefined;
});

type Method = (...args: unknown[]) => Promise<unknown>;

/** The database, with one collection method replaced; `replace` gets the real one. */
function withMethod(db: Db, method: string, replace: (real: Method) => Method): Db {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property !== 'collection') return Reflect.get(target, property, receiver) as unknown;
      return (name: string) => {
        const collection = target.collection(name);
        return new Proxy(collection, {
          get(c, p, r) {
            const value = Reflect.get(c, p, r) as unknown;
            if (typeof value !== 'function') return value;
            const bound = (value as Method).bind(c);
            return p === method ? replace(bound) : bound;
          },
        });
      };
    },
  });
}

/** The database, except that the next `deleteOne` fails as when the server is unreachable. */
function deleteFailsOnce(db: Db): Db {
  let failed = false;
  return withMethod(db, 'deleteOne', (real) => (...args) => {
    if (failed) return real(...args);
    failed = true;
    return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:27018'));
  });
}

/**
 * The database, except that the answer to the next `updateOne` (a renewal) is held back: the
 * server applies it at once (`applied`), the caller hears of it only once `answer()` is called.
 */
function renewalAnsweredLate(db: Db) {
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  let applied: Promise<unknown> | undefined;
  const late = withMethod(db, 'updateOne', (real) => (...args) => {
    if (applied) return real(...args);
    applied = real(...args);
    return applied.then(async (result) => {
      await answered;
      return result;
    });
  });
  return { db: late, applied: () => applied, answer: () => answer() };
}

/**
 * The database, except that the next `deleteOne` (a release) fails at once as on a timeout while
 * the server applies it only when `apply()` is called.
 */
function releaseAppliedLate(db: Db) {
  let apply: (() => Promise<unknown>) | undefined;
  const late = withMethod(db, 'deleteOne', (real) => (...args) => {
    if (apply) return real(...args);
    apply = () => real(...args);
    return Promise.reject(new Error('operation timed out'));
  });
  return { db: late, apply: () => apply!() };
}

describe('Mongo leases on the real MongoDB-compatible server', () => {
  it('a release the server applies after its instance took the key again deletes nothing of the new lease', async () => {
    handle = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('leases').replace(/-/g, '_'),
      appName: 'test',
    });
    const late = releaseAppliedLate(handle.db);
    const options = { collection: 'leases', leaseMs: 5 * 60_000 };
    const mine = createMongoLeases({ ...options, db: late.db, holder: 'a' });
    const theirs = createMongoLeases({ ...options, db: handle.db, holder: 'b' });

    const first = await mine.tryAcquire('store-1');
    await expect(first!.release()).rejects.toThrow(/timed out/);
    // Its document is a leftover to this instance, which takes the key again at once.
    const second = await mine.tryAcquire('store-1');
    expect(second).not.toBeNull();

    // The first release reaches the server now: it names the first acquisition only.
    const applied = (await late.apply()) as { deletedCount: number };
    expect(applied.deletedCount).toBe(0);
    expect(await theirs.tryAcquire('store-1')).toBeNull();
    expect(await second!.renew()).toBe(true);
    await second!.release();
    expect(await theirs.tryAcquire('store-1')).not.toBeNull();
  });

  it('takes a key it is still releasing only once the release has been answered', async () => {
    handle = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('leases').replace(/-/g, '_'),
      appName: 'test',
    });
    const steps: string[] = [];
    let applied!: () => void;
    const deleteApplied = new Promise<void>((resolve) => (applied = resolve));
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    // The release is applied at once and answered only when the test says so.
    const db = withMethod(handle.db, 'deleteOne', (real) => async (...args) => {
      const result = await real(...args);
      applied();
      await answered;
      return result;
    });
    const spied = withMethod(db, 'insertOne', (real) => (...args) => {
      steps.push('insert');
      return real(...args);
    });
    const mine = createMongoLeases({ db: spied, collection: 'leases', leaseMs: 5 * 60_000 });

    const first = await mine.tryAcquire('store-1');
    const releasing = first!.release();
    const again = mine.tryAcquire('store-1');
    await deleteApplied;
    steps.push('answered');
    answer();
    await releasing;
    expect(await again).not.toBeNull();
    // One insert for the second acquisition: it did not meet its own document on the way.
    expect(steps).toEqual(['insert', 'answered', 'insert']);
  });

  it('a renewal answered after its lease was released does not keep the key from its own instance', async () => {
    handle = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('leases').replace(/-/g, '_'),
      appName: 'test',
    });
    const late = renewalAnsweredLate(handle.db);
    const mine = createMongoLeases({ db: late.db, collection: 'leases', leaseMs: 5 * 60_000 });

    const lease = await mine.tryAcquire('store-1');
    expect(lease).not.toBeNull();
    // The renewal timer fires as the work ends: the server renews, then the work releases.
    const renewing = lease!.renew();
    await late.applied();
    await lease!.release();
    late.answer();

    expect(await renewing).toBe(false);
    expect(await handle.db.collection('leases').countDocuments({})).toBe(0);
    // The next request for the key is not refused for the length of a lease.
    const again = await mine.tryAcquire('store-1');
    expect(again).not.toBeNull();
    await again!.release();
  });

  it('a lease whose release failed does not block its own instance until it expires', async () => {
    handle = await connectMongo(infra().MONGO_URL, {
      dbName: uniqueName('leases').replace(/-/g, '_'),
      appName: 'test',
    });
    const options = { collection: 'leases', leaseMs: 5 * 60_000 };
    const mine = createMongoLeases({ ...options, db: deleteFailsOnce(handle.db), holder: 'a' });
    const theirs = createMongoLeases({ ...options, db: handle.db, holder: 'b' });

    const first = await mine.tryAcquire('store-1');
    expect(first).not.toBeNull();
    // Held: neither this instance nor another one gets it.
    expect(await mine.tryAcquire('store-1')).toBeNull();
    expect(await theirs.tryAcquire('store-1')).toBeNull();

    // The server is unreachable when the pass ends: the lease document stays behind.
    await expect(first!.release()).rejects.toThrow(/ECONNREFUSED/);
    expect(await handle.db.collection('leases').countDocuments({ _id: 'store-1' } as never)).toBe(
      1,
    );

    // Another instance still waits for the expiry; this one takes its leftover over at once.
    expect(await theirs.tryAcquire('store-1')).toBeNull();
    const again = await mine.tryAcquire('store-1');
    expect(again).not.toBeNull();
    expect(await again!.renew()).toBe(true);
    await again!.release();
    expect(await handle.db.collection('leases').countDocuments({})).toBe(0);
    expect(await theirs.tryAcquire('store-1')).not.toBeNull();
  });
});
