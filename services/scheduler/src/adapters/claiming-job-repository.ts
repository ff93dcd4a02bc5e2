import { createHash } from 'node:crypto';
import { MongoJobRepository } from '@agendajs/mongo-backend';
import type { AgendaBackend, JobId, JobParameters, JobRepositoryOptions } from 'agenda';
import { ObjectId, type Collection, type Db, type Document } from 'mongodb';
import { createKeyedMutex } from '@msync/platform';
import { nextRunAfterIntervalChange } from '../domain/commands.js';

/** One claimed run of a job: whoever inserts it first runs it. */
interface RunClaim {
  _id: string;
  /** `<jobId>@<nextRunAt ms>`: one scheduled run of one job. */
  run: string;
  /** 0 first; a claim whose holder vanished before locking is taken over with the next one. */
  attempt: number;
  jobId: string;
  claimedAt: Date;
}

/** The run a job was locked for, kept on its in-memory data (never written back). */
export interface ClaimedRun {
  scheduledFor?: string;
}

/**
 * Due runs one read of the jobs returns: the lookups that follow lock from them before the jobs
 * are read again (ADR 0164). FerretDB filters a job name's jobs itself (only the name's equality
 * reaches PostgreSQL), so every read decodes every job of the name, however few it returns.
 */
const CANDIDATES_PER_READ = 50;
/** How long the runs a read found are locked from before the jobs are read again. */
const CANDIDATES_MAX_AGE_MS = 10_000;

/** A job as a read of due runs returns it. */
type Candidate = Document & { _id: ObjectId; nextRunAt?: Date | null; lockedAt?: Date | null };

/** Whether a run read as due still is by the lookup's bounds (as the read's filter has it). */
const stillDue = (candidate: Candidate, nextScanAt: Date, lockDeadline: Date): boolean =>
  candidate.lockedAt
    ? candidate.lockedAt <= lockDeadline
    : !!candidate.nextRunAt && candidate.nextRunAt <= nextScanAt;

const DUPLICATE_KEY = 11000;

const isDuplicateKey = (error: unknown): boolean =>
  (error as { code?: unknown } | null)?.code === DUPLICATE_KEY;

/** The ObjectId a unique job gets: the same name and unique query always give the same id. */
export function uniqueJobId(name: string, unique: Record<string, unknown>): ObjectId {
  const canonical = JSON.stringify(
    Object.keys(unique)
      .sort()
      .map((key) => [key, unique[key]]),
  );
  return new ObjectId(
    createHash('sha256').update(`${name}\n${canonical}`).digest().subarray(0, 12),
  );
}

/**
 * agenda's MongoDB job repository, made safe where MongoDB and FerretDB differ.
 *
 * FerretDB 1.24 evaluates `findOneAndUpdate` and conditional `updateOne` as a read followed by a
 * write, so two schedulers racing for a due job can both "lock" it (measured: most races had
 * several winners). An insert into a unique `_id` is atomic on both, so:
 * - a job run is locked by inserting a claim named after the job and its scheduled time; only
 *   the inserter sets `lockedAt` and runs it. A claim whose holder vanished before locking is
 *   taken over (next attempt number) once it is older than the lock lifetime;
 * - `unique(…, { insertOnly: true })` jobs are inserted under an id derived from the unique
 *   query, so two replicas creating the same job end up with one.
 * Index creation is ours too: agenda's default index spec carries `'asc'` directions, which
 * FerretDB refuses.
 */
export class ClaimingJobRepository extends MongoJobRepository {
  private readonly claims: Collection<RunClaim>;
  private lockingStopped = false;
  private readonly lookups = new Set<Promise<unknown>>();
  /** One lookup per job name at a time in this process (see {@link getNextJobToRun}). */
  private readonly oneLookupAtATime = createKeyedMutex();
  /** Per job name, the due runs the last read found that no lookup has tried yet (ADR 0164). */
  private readonly unclaimed = new Map<string, { candidates: Candidate[]; readAt: number }>();

  constructor(mongoDb: Db, jobsCollection: string) {
    super({ mongo: mongoDb, db: { collection: jobsCollection }, ensureIndex: false });
    this.claims = mongoDb.collection<RunClaim>(`${jobsCollection}_claims`);
  }

  override async connect(): Promise<void> {
    await super.connect();
    await this.collection.createIndex(
      { name: 1, nextRunAt: 1, priority: -1, lockedAt: 1, disabled: 1 },
      { name: 'findAndLockNextJobIndex' },
    );
    await this.collection.createIndex({ 'data.storeId': 1, name: 1 }, { name: 'byStore' });
    await this.claims.createIndex({ run: 1, attempt: -1 }, { name: 'byRun' });
    await this.claims.createIndex({ claimedAt: 1 }, { name: 'byAge' });
  }

  /**
   * Locks the next due job of `jobName`. agenda starts a new fill of its queue every
   * `processEvery` whether or not the last one is still locking, so on a slow database fills
   * overlap and read the same candidates: each would read and lose the claims of the runs the
   * other is locking. A process's lookups of one job name go one at a time instead; each sees
   * what the one before locked.
   */
  override async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    if (this.lockingStopped) return undefined;
    const lookup = this.oneLookupAtATime(jobName, async () =>
      this.lockingStopped
        ? undefined
        : this.lockNextDue(jobName, nextScanAt, lockDeadline, now ?? new Date(), options),
    );
    this.lookups.add(lookup);
    try {
      return await lookup;
    } finally {
      this.lookups.delete(lookup);
    }
  }

  /**
   * Locks nothing more from now on, and resolves once lookups under way have finished: after
   * this, the jobs this instance holds are exactly the ones locked in the database in its name.
   */
  async stopLocking(): Promise<void> {
    this.lockingStopped = true;
    await Promise.allSettled([...this.lookups]);
  }

  /**
   * Locks the first due run it can: of those the last read found and no lookup tried yet while
   * they are young, else of a new read (ADR 0164). A fill of agenda's queue locks one run per
   * lookup, so its runs take one read instead of one each, and the fill ends with a read that
   * found nothing to lock. A run read earlier may have been locked, run or moved since by another
   * replica: its claim or the lock's filter on the run's time refuses it, as for a fresh read.
   */
  private async lockNextDue(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    lockTime: Date,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const kept = this.unclaimed.get(jobName);
    this.unclaimed.delete(jobName);
    if (kept && Date.now() - kept.readAt < CANDIDATES_MAX_AGE_MS) {
      const locked = await this.lockFirst(
        jobName,
        kept,
        nextScanAt,
        lockDeadline,
        lockTime,
        options,
      );
      if (locked) return locked;
    }
    const read = {
      candidates: await this.collection
        .find<Candidate>({
          name: jobName,
          disabled: { $ne: true },
          $or: [
            { lockedAt: { $eq: null }, nextRunAt: { $lte: nextScanAt } },
            { lockedAt: { $lte: lockDeadline } },
          ],
        })
        .sort({ nextRunAt: 1, priority: -1 })
        .limit(CANDIDATES_PER_READ)
        .toArray(),
      readAt: Date.now(),
    };
    return this.lockFirst(jobName, read, nextScanAt, lockDeadline, lockTime, options);
  }

  /** Tries the read's runs in order until one locks; those not tried yet are kept for the next. */
  private async lockFirst(
    jobName: string,
    read: { candidates: Candidate[]; readAt: number },
    nextScanAt: Date,
    lockDeadline: Date,
    lockTime: Date,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    for (let i = 0; i < read.candidates.length; i++) {
      const candidate = read.candidates[i]!;
      if (!stillDue(candidate, nextScanAt, lockDeadline)) continue;
      const locked = await this.claimAndLock(candidate, lockDeadline, lockTime, options);
      if (!locked) continue;
      const rest = read.candidates.slice(i + 1);
      if (rest.length > 0) this.unclaimed.set(jobName, { candidates: rest, readAt: read.readAt });
      return locked;
    }
    return undefined;
  }

  override async lockJob(
    job: JobParameters,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    if (!job._id) return undefined;
    const current = await this.collection.findOne({
      _id: new ObjectId(job._id.toString()),
      lockedAt: { $eq: null },
      disabled: { $ne: true },
    });
    if (!current) return undefined;
    const lockTime = new Date();
    return this.claimAndLock(current, new Date(0), lockTime, options);
  }

  override async unlockJob(job: JobParameters): Promise<void> {
    if (job._id) await this.releaseClaims(job._id.toString(), job.nextRunAt);
    await super.unlockJob(job);
  }

  override async unlockJobs(jobIds: (JobId | string)[]): Promise<void> {
    const jobs = await this.collection
      .find({ _id: { $in: jobIds.map((id) => new ObjectId(id.toString())) } })
      .toArray();
    for (const job of jobs) await this.releaseClaims(job._id.toHexString(), job.nextRunAt);
    await super.unlockJobs(jobIds);
  }

  override async saveJob<DATA = unknown>(
    job: JobParameters<DATA>,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters<DATA>> {
    const { unique, uniqueOpts } = job;
    if (job._id || !unique || !uniqueOpts?.insertOnly || uniqueOpts.debounce)
      return super.saveJob(job, options);
    const id = uniqueJobId(job.name, unique);
    try {
      await this.collection.insertOne(storedJob(job, id, options) as never);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    return ((await this.getJobById(id.toHexString())) ?? job) as JobParameters<DATA>;
  }

  /**
   * Saves a run's state (agenda saves at a run's start and at its end) in one write whose filter
   * also names the interval the run was locked with. A job {@link reschedule}d meanwhile, while
   * this or another replica held it locked ahead of time or running, no longer matches: agenda
   * computed the next run from the interval it holds in memory, which would bring the old
   * interval back for one run, so the next run is counted from this run with the stored one.
   */
  override async saveJobState(
    job: JobParameters,
    options: JobRepositoryOptions | undefined,
  ): Promise<void> {
    if (!job._id || typeof job.repeatInterval !== 'number') return super.saveJobState(job, options);
    const _id = new ObjectId(job._id.toString());
    const state = runState(job, options);
    const saved = await this.collection.updateOne(
      { _id, name: job.name, repeatInterval: job.repeatInterval },
      { $set: state },
    );
    if (saved.matchedCount === 1) return;
    const stored = await this.collection.findOne(
      { _id, name: job.name },
      { projection: { repeatInterval: 1 } },
    );
    // Removed meanwhile (agenda's own save fails, as agenda expects) or no next run to move.
    if (typeof stored?.['repeatInterval'] !== 'number' || !job.nextRunAt || !job.lastRunAt)
      return super.saveJobState(job, options);
    const nextRunAt = nextRunAfterIntervalChange(
      new Date(job.lastRunAt),
      stored['repeatInterval'],
      new Date(),
    );
    return super.saveJobState({ ...job, nextRunAt }, options);
  }

  /**
   * Changes a recurring job's interval, next run and data in place, keeping its run history
   * (agenda's own save rewrites every field, last run and failure included).
   */
  async reschedule(
    id: string,
    change: { repeatInterval: number; nextRunAt: Date; data: unknown },
  ): Promise<void> {
    await this.collection.updateOne({ _id: new ObjectId(id) }, { $set: change });
  }

  /** Deletes run claims older than `before`; returns how many. */
  async pruneClaims(before: Date): Promise<number> {
    const result = await this.claims.deleteMany({ claimedAt: { $lt: before } });
    return result.deletedCount;
  }

  private async claimAndLock(
    candidate: Candidate,
    lockDeadline: Date,
    lockTime: Date,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const jobId = candidate._id.toHexString();
    const nextRunAt = candidate.nextRunAt ?? null;
    if (!(await this.claimRun(jobId, nextRunAt, lockDeadline, lockTime))) return undefined;
    // Only the claimant gets here. The job may have been rescheduled or removed since it was
    // read; then this claim names a run that no longer exists and nothing is locked.
    const locked = await this.collection.updateOne(
      { _id: candidate._id, nextRunAt },
      { $set: { lockedAt: lockTime, lastModifiedBy: options?.lastModifiedBy ?? null } },
    );
    if (locked.matchedCount === 0) return undefined;
    const job = await this.getJobById(jobId);
    if (!job) return undefined;
    const claimed: ClaimedRun = nextRunAt ? { scheduledFor: nextRunAt.toISOString() } : {};
    return { ...job, data: { ...(job.data as object), ...claimed } };
  }

  private async claimRun(
    jobId: string,
    nextRunAt: Date | null,
    lockDeadline: Date,
    claimedAt: Date,
  ): Promise<boolean> {
    const run = runKey(jobId, nextRunAt);
    const claim = async (attempt: number) => {
      try {
        await this.claims.insertOne({ _id: `${run}#${attempt}`, run, attempt, jobId, claimedAt });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    };
    // Most runs are claimed by the first to try: one insert. Only a run claimed before is read.
    if (await claim(0)) return true;
    const latest = (await this.claimsOf(run)).at(-1);
    if (!latest || latest.claimedAt > lockDeadline) return false;
    return claim(latest.attempt + 1);
  }

  /**
   * A run's claims, oldest attempt first, found by `_id` (attempts are numbered from 0): FerretDB
   * 1.24 on SQLite reads the whole collection for any other filter, and claims pile up for a day.
   */
  private async claimsOf(run: string) {
    const found = [];
    for (let attempt = 0; ; attempt++) {
      const claim = await this.claims.findOne({ _id: `${run}#${attempt}` });
      if (!claim) return found;
      found.push(claim);
    }
  }

  /** Frees a run that was locked but not run, so any scheduler may claim it again. */
  private async releaseClaims(jobId: string, nextRunAt: Date | null | undefined): Promise<void> {
    const claims = await this.claimsOf(runKey(jobId, nextRunAt ?? null));
    for (const claim of claims.reverse()) await this.claims.deleteOne({ _id: claim._id });
  }
}

const runKey = (jobId: string, nextRunAt: Date | null) =>
  `${jobId}@${nextRunAt ? nextRunAt.getTime() : 'unscheduled'}`;

/** The fields agenda's MongoDB backend writes when it saves a run's state. */
function runState(job: JobParameters, options: JobRepositoryOptions | undefined) {
  const date = (value: Date | string | null | undefined) => (value ? new Date(value) : null);
  return {
    lockedAt: date(job.lockedAt),
    nextRunAt: date(job.nextRunAt),
    lastRunAt: date(job.lastRunAt),
    progress: job.progress ?? null,
    failReason: job.failReason ?? null,
    failCount: job.failCount ?? null,
    failedAt: date(job.failedAt),
    lastFinishedAt: date(job.lastFinishedAt),
    lastModifiedBy: options?.lastModifiedBy ?? null,
  };
}

/** A job document as agenda stores it: absent optional fields are null. */
function storedJob(
  job: JobParameters,
  id: ObjectId,
  options: JobRepositoryOptions | undefined,
): Document {
  const { _id: _ignored, unique: _unique, uniqueOpts: _uniqueOpts, ...props } = job;
  const nullable = [
    'lockedAt',
    'lastFinishedAt',
    'failedAt',
    'failCount',
    'failReason',
    'repeatTimezone',
    'lastRunAt',
    'repeatInterval',
    'repeatAt',
    'disabled',
    'progress',
    'debounceStartedAt',
    'fork',
    'startDate',
    'endDate',
    'skipDays',
  ] as const;
  const doc: Document = { ...props, _id: id, lastModifiedBy: options?.lastModifiedBy ?? null };
  for (const field of nullable) doc[field] ??= null;
  return doc;
}

/**
 * An agenda backend on the service's own MongoDB connection with the claiming repository.
 * Connect it (indexes) before handing it to agenda, whose constructor connects without catching.
 */
export function claimingBackend(
  db: Db,
  jobsCollection: string,
): AgendaBackend & { repository: ClaimingJobRepository } {
  const repository = new ClaimingJobRepository(db, jobsCollection);
  let connected: Promise<void> | undefined;
  return {
    name: 'MongoDB (claimed runs)',
    repository,
    ownsConnection: false,
    connect: () => (connected ??= repository.connect()),
    // The connection belongs to the service, which closes it at shutdown.
    disconnect: async () => undefined,
  };
}
