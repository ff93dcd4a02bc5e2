import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ObjectId } from 'mongodb';
import { Registry, connectMongo, type MongoHandle } from '@msync/platform';
import { infra, uniqueName } from '@msync/test-support';
import { ClaimingJobRepository, uniqueJobId } from './claiming-job-repository.js';

let mongo: MongoHandle;
let collection = '';
const repositories: ClaimingJobRepository[] = [];

beforeAll(async () => {
  mongo = await connectMongo(infra().MONGO_URL, {
    dbName: uniqueName('scheduler_claims').replaceAll('-', '_'),
    appName: 'scheduler-test',
  });
});

afterAll(async () => {
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

/** Two replicas' repositories on one fresh job collection. */
async function replicas(): Promise<[ClaimingJobRepository, ClaimingJobRepository]> {
  collection = uniqueName('jobs').replaceAll('-', '_');
  const pair = [
    new ClaimingJobRepository(mongo.db, collection),
    new ClaimingJobRepository(mongo.db, collection),
  ] as const;
  for (const repository of pair) await repository.connect();
  repositories.push(...pair);
  return [pair[0], pair[1]];
}

async function insertDueJob(
  repository: ClaimingJobRepository,
  nextRunAt = new Date(Date.now() - 1_000),
) {
  const saved = await repository.saveJob(
    {
      name: 'poll',
      priority: 0,
      nextRunAt,
      type: 'normal',
      data: { storeId: 's1', stream: 'orders' },
      repeatInterval: 60_000,
    },
    undefined,
  );
  return saved._id!.toString();
}

const lookup = (repository: ClaimingJobRepository, now = new Date()) =>
  repository.getNextJobToRun(
    'poll',
    new Date(now.getTime() + 100),
    new Date(now.getTime() - 60_000),
    now,
    { lastModifiedBy: 'test' },
  );

async function insertDueJobs(repository: ClaimingJobRepository, count: number) {
  const ids = [];
  for (let i = 0; i < count; i++) ids.push(await insertDueJob(repository));
  return ids;
}

/** agenda's fill of its queue: one lookup after another until one finds nothing to lock. */
async function fill(repository: ClaimingJobRepository): Promise<string[]> {
  const locked = [];
  for (let job = await lookup(repository); job; job = await lookup(repository))
    locked.push(job._id!.toString());
  return locked;
}

/**
 * A repository on the current job collection through a connection whose commands are counted:
 * `commands(collection, command)` is how many it sent so far.
 */
async function countedRepository() {
  const registry = new Registry();
  const counted = await connectMongo(infra().MONGO_URL, {
    dbName: mongo.db.databaseName,
    appName: 'scheduler-test-counted',
    metrics: registry,
  });
  const repository = new ClaimingJobRepository(counted.db, collection);
  await repository.connect();
  const commands = async (on: string, command: string) => {
    const { values } = await registry.getSingleMetric('mongodb_commands_total')!.get();
    return values
      .filter((v) => v.labels['collection'] === on && v.labels['command'] === command)
      .reduce((sum, v) => sum + v.value, 0);
  };
  return { repository, commands, close: () => counted.close() };
}

describe('run locking on FerretDB, where findOneAndUpdate is not atomic', () => {
  it('lets exactly one of many concurrent lookups from two replicas lock a due run', async () => {
    const [a, b] = await replicas();
    for (let round = 0; round < 15; round++) {
      const id = await insertDueJob(a);
      const results = await Promise.all(
        [a, b, a, b, a, b, a, b].map((repository) => lookup(repository)),
      );
      const winners = results.filter((job) => job !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]!._id!.toString()).toBe(id);
      expect(winners[0]!.lockedAt).toBeInstanceOf(Date);
      await a.removeJobs({ id });
    }
  });

  it('tells the runner which scheduled run it locked', async () => {
    const [a] = await replicas();
    const scheduled = new Date(Date.now() - 5_000);
    await insertDueJob(a, scheduled);
    const job = await lookup(a);
    expect(job?.data).toEqual({
      storeId: 's1',
      stream: 'orders',
      scheduledFor: scheduled.toISOString(),
    });
  });

  it('takes over a run whose claimant vanished before locking, once its claim is stale', async () => {
    const [a, b] = await replicas();
    const scheduled = new Date(Date.now() - 5_000);
    const id = await insertDueJob(a, scheduled);
    // A replica claimed the run and died before setting lockedAt.
    await mongo.db.collection(`${collection}_claims`).insertOne({
      _id: `${id}@${scheduled.getTime()}#0` as never,
      run: `${id}@${scheduled.getTime()}`,
      attempt: 0,
      jobId: id,
      claimedAt: new Date(),
    });
    expect(await lookup(b)).toBeUndefined();
    // Once the claim is older than the lock lifetime, the run is claimed again (attempt 1).
    const later = new Date(Date.now() + 61_000);
    expect((await lookup(b, later))?._id?.toString()).toBe(id);
  });

  it('locks overlapping lookups of one process one after the other, reading no run claim', async () => {
    const [a] = await replicas();
    const { repository, commands, close } = await countedRepository();
    try {
      const ids = await insertDueJobs(a, 4);
      // agenda starts a fill every processEvery even while the last one is still locking.
      const locked = await Promise.all(ids.map(() => lookup(repository)));
      expect(locked.map((job) => job?._id?.toString()).sort()).toEqual([...ids].sort());
      expect(await commands(`${collection}_claims`, 'insert')).toBe(4);
      expect(await commands(`${collection}_claims`, 'find')).toBe(0);
    } finally {
      await close();
    }
  });

  it('locks the runs of a fill from one read of the jobs, and reads again to find the fill over (ADR 0164)', async () => {
    const [a] = await replicas();
    const { repository, commands, close } = await countedRepository();
    try {
      const ids = await insertDueJobs(a, 12);
      const locked = await fill(repository);
      expect([...locked].sort()).toEqual([...ids].sort());
      // Two reads of due runs (the fill's, the one finding nothing more); a job read once per lock.
      expect(await commands(collection, 'find')).toBe(2 + ids.length);
    } finally {
      await close();
    }
  });

  it('never locks twice a run its last read found that another replica locked since (ADR 0164)', async () => {
    const [a, b] = await replicas();
    const ids = await insertDueJobs(a, 6);
    // a's read finds all six and locks the first; b then locks the others before a looks again.
    const first = await lookup(a);
    const byB = await fill(b);
    expect(byB).toHaveLength(5);
    expect(await lookup(a)).toBeUndefined();
    expect([first!._id!.toString(), ...byB].sort()).toEqual([...ids].sort());
    // b frees one it locked but did not start (agenda's unlock): a locks only that one.
    await b.unlockJob((await b.getJobById(byB[0]!))!);
    expect((await lookup(a))?._id?.toString()).toBe(byB[0]);
    expect(await lookup(a)).toBeUndefined();
  });

  it('frees a run that was locked but not run, for any replica', async () => {
    const [a, b] = await replicas();
    const id = await insertDueJob(a);
    const locked = await lookup(a);
    expect(locked?._id?.toString()).toBe(id);
    expect(await lookup(b)).toBeUndefined();
    await a.unlockJob(locked!);
    expect((await lookup(b))?._id?.toString()).toBe(id);
  });

  it('creates a unique job once when replicas create it at the same time', async () => {
    const [a, b] = await replicas();
    const job = {
      name: 'poll',
      priority: 0,
      nextRunAt: new Date(),
      type: 'normal' as const,
      data: { storeId: 's9', stream: 'orders' },
      unique: { 'data.storeId': 's9', 'data.stream': 'orders' },
      uniqueOpts: { insertOnly: true },
    };
    const saved = await Promise.all([a, b, a, b, a, b].map((r) => r.saveJob(job, undefined)));
    const expectedId = uniqueJobId('poll', job.unique).toHexString();
    expect(new Set(saved.map((s) => s._id!.toString()))).toEqual(new Set([expectedId]));
    expect(await a.collection.countDocuments({ name: 'poll' })).toBe(1);
    expect(await a.collection.findOne({ _id: new ObjectId(expectedId) })).toMatchObject({
      lockedAt: null,
      lastRunAt: null,
      data: { storeId: 's9', stream: 'orders' },
    });
  });

  it('counts the next run from the stored interval when the job was rescheduled while it ran', async () => {
    const [a, b] = await replicas();
    const id = await insertDueJob(a);
    const running = await lookup(a);
    expect(running?.repeatInterval).toBe(60_000);
    // The other replica applies an interval change while this one holds the run.
    const ranAt = new Date();
    await b.reschedule(id, {
      repeatInterval: 180_000,
      nextRunAt: new Date(ranAt.getTime() + 180_000),
      data: { storeId: 's1', stream: 'orders' },
    });
    // agenda's save at the end of the run: next run computed from the interval it held.
    await a.saveJobState(
      {
        ...running!,
        lockedAt: undefined,
        lastRunAt: ranAt,
        lastFinishedAt: new Date(),
        nextRunAt: new Date(ranAt.getTime() + 60_000),
      },
      { lastModifiedBy: 'test' },
    );
    const stored = await a.collection.findOne({ _id: new ObjectId(id) });
    expect(stored).toMatchObject({
      repeatInterval: 180_000,
      nextRunAt: new Date(ranAt.getTime() + 180_000),
      lastRunAt: ranAt,
      lockedAt: null,
    });
  });

  it('saves a run of an unchanged job as agenda would', async () => {
    const [a] = await replicas();
    const id = await insertDueJob(a);
    const running = await lookup(a);
    const ranAt = new Date();
    await a.saveJobState(
      {
        ...running!,
        lockedAt: undefined,
        lastRunAt: ranAt,
        nextRunAt: new Date(ranAt.getTime() + 60_000),
      },
      { lastModifiedBy: 'test' },
    );
    expect(await a.collection.findOne({ _id: new ObjectId(id) })).toMatchObject({
      repeatInterval: 60_000,
      nextRunAt: new Date(ranAt.getTime() + 60_000),
      lastRunAt: ranAt,
      lockedAt: null,
      lastModifiedBy: 'test',
    });
  });
});
