import type { Collection, Db } from 'mongodb';
import type { StoreSchedule } from '../domain/store-schedule.js';

type StoredSchedule = Omit<StoreSchedule, 'storeId' | 'polledStreams'> & {
  _id: string;
  appliedAt: Date;
  /** Absent in records written before it was kept. */
  polledStreams?: string[];
};

const DUPLICATE_KEY = 11000;

/**
 * The latest configuration version applied per store (the scheduler's own collection). Kept for
 * deleted stores too, so an older version delivered again cannot bring their jobs back.
 */
export class MongoStoreSchedules {
  private readonly collection: Collection<StoredSchedule>;

  constructor(db: Db, name = 'scheduler_stores') {
    this.collection = db.collection<StoredSchedule>(name);
  }

  /**
   * Records `store` unless a newer version is recorded. The same version again is applied again
   * (a redelivery after a crash must still reconcile); an older one is `stale`.
   */
  async apply(store: StoreSchedule, appliedAt: Date): Promise<'applied' | 'stale'> {
    const { storeId, polledStreams, ...fields } = store;
    try {
      // When a newer version exists the filter misses and the upsert collides with its _id.
      await this.collection.updateOne(
        { _id: storeId, version: { $lte: store.version } },
        {
          $set: {
            ...fields,
            ...(polledStreams ? { polledStreams: [...polledStreams] } : {}),
            appliedAt,
          },
        },
        { upsert: true },
      );
      return 'applied';
    } catch (error) {
      if ((error as { code?: unknown }).code === DUPLICATE_KEY) return 'stale';
      throw error;
    }
  }

  async get(storeId: string): Promise<StoreSchedule | null> {
    const doc = await this.collection.findOne({ _id: storeId });
    return doc ? toSchedule(doc) : null;
  }

  /** Every store that may need jobs or reports: the connected ones. */
  async connected(): Promise<StoreSchedule[]> {
    const docs = await this.collection.find({ status: 'CONNECTED' }).sort({ _id: 1 }).toArray();
    return docs.map(toSchedule);
  }
}

function toSchedule(doc: StoredSchedule): StoreSchedule {
  return {
    storeId: doc._id,
    version: doc.version,
    status: doc.status,
    toggles: doc.toggles,
    shipbobConfigured: doc.shipbobConfigured,
    returnsApproved: doc.returnsApproved,
    pollIntervalMinutes: doc.pollIntervalMinutes,
    reportEmail: doc.reportEmail,
    ...(doc.polledStreams ? { polledStreams: doc.polledStreams } : {}),
  };
}
