import type { Collection, Db, Filter } from 'mongodb';
import type { ActivityPosition } from '../domain/activity-cursor.js';
import type {
  ActivityEntry,
  TimelineDetails,
  TimelineFailure,
  TimelineUpdate,
} from '../domain/activity-events.js';
import { finishesOrder, PAST_ACCEPTANCE, type OrderStep } from '../domain/order-steps.js';
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
} as const;

const timelineId = (storeId: string, orderId: string) => `${storeId}/${orderId}`;

/** Timeline writes come from five topics at once (and from every replica): one at a time each. */
const TIMELINE_LOCK = { leaseMs: 10_000, waitMs: 15_000, what: 'order timeline' } as const;

/**
 * The activity projection's collections, on MongoDB or FerretDB: no transactions, no TTL (the
 * prune deletes by age), no `$lookup`/`$facet`; every write is idempotent.
 */
export class MongoActivity {
  readonly entries: Collection<ActivityEntryDocument>;
  readonly timelines: Collection<OrderTimelineDocument>;
  private readonly locks: Collection<LockDocument>;

  constructor(db: Db) {
    this.entries = db.collection<ActivityEntryDocument>(ACTIVITY_COLLECTIONS.entries);
    this.timelines = db.collection<OrderTimelineDocument>(ACTIVITY_COLLECTIONS.timelines);
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
    ]);
  }

  /** Adds an entry; false when an entry with its id exists (the event came again). */
  async addEntry(entry: ActivityEntry, projectedAt: Date): Promise<boolean> {
    const { id, ...rest } = entry;
    try {
      await this.entries.insertOne({ _id: id, ...rest, projectedAt });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
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

  private async writeTimeline(_id: string, update: TimelineUpdate): Promise<void> {
    const earliest: Record<string, Date> = { firstEventAt: update.at };
    for (const step of update.reached) earliest[`steps.${step}`] = update.at;
    if (update.waitingSince) earliest['waitingSince'] = update.waitingSince;
    if (finishesOrder(update.reached)) earliest['finishedAt'] = update.at;
    const change = {
      $min: earliest,
      $max: { lastEventAt: update.at },
      $setOnInsert: { storeId: update.storeId, orderId: update.orderId },
      ...(Object.keys(update.details).length > 0 ? { $set: update.details } : {}),
    };
    try {
      await this.timelines.updateOne({ _id }, change, { upsert: true });
    } catch (error) {
      // A lock holder past its lease was overtaken and created it meanwhile: update it.
      if (!isDuplicateKey(error)) throw error;
      await this.timelines.updateOne({ _id }, change);
    }
    if (update.failure) {
      await this.timelines.updateOne(
        {
          _id,
          $or: [
            { lastFailure: { $exists: false } },
            { 'lastFailure.at': { $lt: update.failure.at } },
          ],
        },
        { $set: { lastFailure: update.failure } },
      );
    }
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

  /** Deletes entries older than `before` and timelines finished, or silent, since before it. */
  async prune(before: Date): Promise<{ entries: number; timelines: number }> {
    const entries = await this.entries.deleteMany({ at: { $lt: before } });
    const timelines = await this.timelines.deleteMany({
      $or: [{ finishedAt: { $lt: before } }, { lastEventAt: { $lt: before } }],
    });
    return { entries: entries.deletedCount, timelines: timelines.deletedCount };
  }
}
