import { randomUUID } from 'node:crypto';
import {
  MongoBulkWriteError,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Filter,
  type OptionalUnlessRequiredId,
  type UpdateFilter,
  type WriteError,
} from 'mongodb';
import type { ActivityPosition } from '../domain/activity-cursor.js';
import type {
  ActivityEntry,
  TimelineDetails,
  TimelineFailure,
  TimelineUpdate,
} from '../domain/activity-events.js';
import { finishesOrder, PAST_ACCEPTANCE, type OrderStep } from '../domain/order-steps.js';
import { laterReturnStatus, type ReturnStatus } from '../domain/return-status.js';
import { isDuplicateKey, withInsertLock, type LockDocument } from './mongo-lock.js';

export interface ActivityEntryDocument extends Omit<ActivityEntry, 'id'> {
  _id: string;
  /** When config-api projected it. */
  projectedAt: Date;
}

/** One Mirakl order's journey; `_id` is `<storeId>/<orderId>`. */
export interface OrderTimelineDocument extends Partial<TimelineDetails> {
  _id: string;
  storeId: string;
  orderId: string;
  steps: Partial<Record<OrderStep, Date>>;
  /** The marketplace's creation time while waiting for acceptance (the gauge's start). */
  waitingSince?: Date;
  lastFailure?: TimelineFailure;
  firstEventAt: Date;
  lastEventAt: Date;
  /** The earliest final step (shipped, canceled): retention counts from here. */
  finishedAt?: Date;
}

/** The latest ShipBob status of one return; `_id` is `<storeId>/<returnId>`. */
export interface ReturnStatusDocument extends ReturnStatus {
  _id: string;
}

export interface ActivityFilter {
  storeId: string;
  flow?: string;
  outcome?: string;
  orderId?: string;
  after?: ActivityPosition;
}

export const ACTIVITY_COLLECTIONS = {
  entries: 'activity_entries',
  timelines: 'order_timelines',
  locks: 'order_timeline_locks',
  returnStatuses: 'activity_return_statuses',
} as const;

const timelineId = (storeId: string, orderId: string) => `${storeId}/${orderId}`;
const returnStatusId = (storeId: string, returnId: string) => `${storeId}/${returnId}`;

/** Timeline writes come from five topics at once (and from every replica): one at a time each. */
const TIMELINE_LOCK = { leaseMs: 10_000, waitMs: 15_000, what: 'order timeline' } as const;

/**
 * The activity projection's collections, on MongoDB or FerretDB: no transactions, no TTL (the
 * prune deletes by age), no `$lookup`/`$facet`; every write is idempotent.
 */
export class MongoActivity {
  readonly entries: Collection<ActivityEntryDocument>;
  readonly timelines: Collection<OrderTimelineDocument>;
  readonly returnStatuses: Collection<ReturnStatusDocument>;
  private readonly locks: Collection<LockDocument>;

  constructor(db: Db) {
    this.entries = db.collection<ActivityEntryDocument>(ACTIVITY_COLLECTIONS.entries);
    this.timelines = db.collection<OrderTimelineDocument>(ACTIVITY_COLLECTIONS.timelines);
    this.returnStatuses = db.collection<ReturnStatusDocument>(ACTIVITY_COLLECTIONS.returnStatuses);
    this.locks = db.collection<LockDocument>(ACTIVITY_COLLECTIONS.locks);
  }

  async ensureIndexes(): Promise<void> {
    await Promise.all([
      this.entries.createIndex({ storeId: 1, at: -1, _id: -1 }),
      this.entries.createIndex({ storeId: 1, orderId: 1, at: -1 }),
      this.entries.createIndex({ at: 1 }),
      this.timelines.createIndex({ lastEventAt: 1 }),
      this.timelines.createIndex({ finishedAt: 1 }),
      this.timelines.createIndex({ waitingSince: 1 }),
      this.returnStatuses.createIndex({ at: 1 }),
    ]);
  }

  /**
   * Adds many entries in one write; answers the ids it added (the others existed: their events
   * came again).
   */
  async addEntries(entries: readonly ActivityEntry[], projectedAt: Date): Promise<Set<string>> {
    if (entries.length === 0) return new Set();
    const docs = entries.map(({ id, ...rest }) => ({ _id: id, ...rest, projectedAt }));
    const existing = await insertManyKeepingDuplicates(this.entries, docs);
    return new Set(docs.filter((_, index) => !existing.has(index)).map((doc) => doc._id));
  }

  /** Newest first; `limit` entries at most. */
  listEntries(filter: ActivityFilter, limit: number): Promise<ActivityEntryDocument[]> {
    const query: Filter<ActivityEntryDocument> = { storeId: filter.storeId };
    if (filter.flow !== undefined) query.flow = filter.flow;
    if (filter.outcome !== undefined) query.outcome = filter.outcome;
    if (filter.orderId !== undefined) query.orderId = filter.orderId;
    if (filter.after) {
      const { at, id } = filter.after;
      query.$or = [{ at: { $lt: at } }, { at, _id: { $lt: id } }];
    }
    return this.entries.find(query).sort({ at: -1, _id: -1 }).limit(limit).toArray();
  }

  /**
   * Applies one change to an order's timeline: the earliest time of each step, the latest event,
   * details as given, and the failure when it is newer than the one kept. The operators make it
   * idempotent and independent of arrival order; the lock makes it safe on FerretDB, which
   * rewrites the whole document and would lose one of two concurrent updates.
   */
  applyTimeline(update: TimelineUpdate): Promise<void> {
    const _id = timelineId(update.storeId, update.orderId);
    return withInsertLock(this.locks, _id, TIMELINE_LOCK, () => this.writeTimeline(_id, update));
  }

  /**
   * Applies many timeline changes with three writes (ADR 0099): every timeline's lock taken in one
   * insert, the changes in arrival order in one bulk write, the locks let go in one delete.
   * Answers the changes it did not apply because another writer holds their timeline: apply
   * those one by one.
   */
  async applyTimelines(updates: readonly TimelineUpdate[]): Promise<TimelineUpdate[]> {
    if (updates.length === 0) return [];
    const ids = [...new Set(updates.map((u) => timelineId(u.storeId, u.orderId)))];
    const token = randomUUID();
    const at = new Date();
    let busy: Set<number>;
    try {
      busy = await insertManyKeepingDuplicates(
        this.locks,
        ids.map((_id) => ({ _id, token, at })),
      );
    } catch (error) {
      await this.locks.deleteMany({ _id: { $in: ids }, token });
      throw error;
    }
    const held = new Set(ids.filter((_, index) => !busy.has(index)));
    const mine = updates.filter((u) => held.has(timelineId(u.storeId, u.orderId)));
    try {
      const writes = mine.flatMap((u) => timelineWrites(timelineId(u.storeId, u.orderId), u));
      if (writes.length > 0) await this.timelines.bulkWrite(writes, { ordered: true });
    } finally {
      if (held.size > 0) await this.locks.deleteMany({ _id: { $in: [...held] }, token });
    }
    return updates.filter((u) => !held.has(timelineId(u.storeId, u.orderId)));
  }

  private async writeTimeline(_id: string, update: TimelineUpdate): Promise<void> {
    const { change, failure } = timelineChange(_id, update);
    try {
      await this.timelines.updateOne({ _id }, change, { upsert: true });
    } catch (error) {
      // A lock holder past its lease was overtaken and created it meanwhile: update it.
      if (!isDuplicateKey(error)) throw error;
      await this.timelines.updateOne({ _id }, change);
    }
    if (failure) await this.timelines.updateOne(failure.filter, failure.update);
  }

  findTimeline(storeId: string, orderId: string): Promise<OrderTimelineDocument | null> {
    return this.timelines.findOne({ _id: timelineId(storeId, orderId) });
  }

  /** Per store, the earliest `waitingSince` of the orders seen and not accepted nor canceled. */
  async oldestAwaitingAcceptance(): Promise<{ storeId: string; since: Date }[]> {
    const waiting: Filter<OrderTimelineDocument> = {
      'steps.seen': { $exists: true },
      waitingSince: { $exists: true },
    };
    for (const step of PAST_ACCEPTANCE) {
      (waiting as Record<string, unknown>)[`steps.${step}`] = { $exists: false };
    }
    // FerretDB has no $min/$first accumulators; the orders waiting right now are few (they are
    // accepted within minutes or refused within days), so the earliest per store is found here.
    const rows = await this.timelines
      .find(waiting, { projection: { storeId: 1, waitingSince: 1 } })
      .toArray();
    const oldest = new Map<string, Date>();
    for (const { storeId, waitingSince } of rows) {
      const known = oldest.get(storeId);
      if (waitingSince && (!known || waitingSince < known)) oldest.set(storeId, waitingSince);
    }
    return [...oldest].map(([storeId, since]) => ({ storeId, since }));
  }

  /**
   * Keeps a return's status if it is further along than the one kept ({@link laterReturnStatus});
   * read and written by `_id` under the timelines' lock, so two writers do not undo each other.
   */
  applyReturnStatus(next: ReturnStatus): Promise<void> {
    const _id = returnStatusId(next.storeId, next.returnId);
    return withInsertLock(this.locks, `return:${_id}`, TIMELINE_LOCK, async () => {
      const current = await this.returnStatuses.findOne({ _id });
      const kept = laterReturnStatus(current ? withoutId(current) : null, next);
      if (kept === next) await this.returnStatuses.replaceOne({ _id }, next, { upsert: true });
    });
  }

  /** The statuses of these returns of a store, by return id (unknown ones are absent). */
  async findReturnStatuses(
    storeId: string,
    returnIds: readonly string[],
  ): Promise<Map<string, ReturnStatus>> {
    if (returnIds.length === 0) return new Map();
    const found = await this.returnStatuses
      .find({ _id: { $in: returnIds.map((id) => returnStatusId(storeId, id)) } })
      .toArray();
    return new Map(found.map((doc) => [doc.returnId, withoutId(doc)]));
  }

  /**
   * Deletes entries older than `before`, timelines finished, or silent, since before it, and
   * return statuses last changed before it.
   */
  async prune(before: Date): Promise<{ entries: number; timelines: number }> {
    const entries = await this.entries.deleteMany({ at: { $lt: before } });
    const timelines = await this.timelines.deleteMany({
      $or: [{ finishedAt: { $lt: before } }, { lastEventAt: { $lt: before } }],
    });
    await this.returnStatuses.deleteMany({ at: { $lt: before } });
    return { entries: entries.deletedCount, timelines: timelines.deletedCount };
  }
}

const withoutId = ({ _id: _ignored, ...status }: ReturnStatusDocument): ReturnStatus => status;

/**
 * A timeline change: the earliest time of each step, the latest event, details as given (an
 * upsert), then the failure when it is newer than the one kept. The operators make it idempotent
 * and independent of arrival order.
 */
function timelineChange(
  _id: string,
  update: TimelineUpdate,
): {
  change: UpdateFilter<OrderTimelineDocument>;
  failure?: {
    filter: Filter<OrderTimelineDocument>;
    update: UpdateFilter<OrderTimelineDocument>;
  };
} {
  const earliest: Record<string, Date> = { firstEventAt: update.at };
  for (const step of update.reached) earliest[`steps.${step}`] = update.at;
  if (update.waitingSince) earliest['waitingSince'] = update.waitingSince;
  if (finishesOrder(update.reached)) earliest['finishedAt'] = update.at;
  const change = {
    $min: earliest,
    $max: { lastEventAt: update.at },
    $setOnInsert: { storeId: update.storeId, orderId: update.orderId },
    ...(Object.keys(update.details).length > 0 ? { $set: update.details } : {}),
  } as UpdateFilter<OrderTimelineDocument>;
  if (!update.failure) return { change };
  const filter: Filter<OrderTimelineDocument> = {
    _id,
    $or: [{ lastFailure: { $exists: false } }, { 'lastFailure.at': { $lt: update.failure.at } }],
  };
  return { change, failure: { filter, update: { $set: { lastFailure: update.failure } } } };
}

/** The same change as bulk writes. */
function timelineWrites(
  _id: string,
  update: TimelineUpdate,
): AnyBulkWriteOperation<OrderTimelineDocument>[] {
  const { change, failure } = timelineChange(_id, update);
  const writes: AnyBulkWriteOperation<OrderTimelineDocument>[] = [
    { updateOne: { filter: { _id }, update: change, upsert: true } },
  ];
  if (failure) writes.push({ updateOne: failure });
  return writes;
}

/**
 * Inserts documents in one unordered write; answers the indexes of those whose `_id` existed.
 * Any other failure is thrown.
 */
async function insertManyKeepingDuplicates<T extends { _id: string }>(
  collection: Collection<T>,
  docs: T[],
): Promise<Set<number>> {
  try {
    await collection.insertMany(docs as unknown as OptionalUnlessRequiredId<T>[], {
      ordered: false,
    });
    return new Set();
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const errors: WriteError[] = ([] as WriteError[]).concat(error.writeErrors);
    if (errors.length === 0 || errors.some((e) => e.code !== 11000)) throw error;
    return new Set(errors.map((e) => e.index));
  }
}
