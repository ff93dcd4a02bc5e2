import { MongoServerError, type Collection, type Db } from 'mongodb';

/** A test report a seller asked for, kept in `reporter_test_sends` (one per store and slot). */
export interface TestSendDocument {
  _id: string;
  storeId: string;
  at: Date;
}

const DUPLICATE_KEY = 11000;

/**
 * The per-store rate limit of test reports: one per slot of `intervalMs`, taken by a unique
 * insert (the compare-and-set FerretDB has), so two replicas cannot both send in one slot.
 */
export interface TestSendSlots {
  /** Takes the store's slot at `now` (false when already taken), with when the next slot opens. */
  take(storeId: string, now: number): Promise<{ taken: boolean; nextAt: number }>;
  prune(before: Date): Promise<number>;
}

export async function createTestSendSlots(db: Db, intervalMs: number): Promise<TestSendSlots> {
  const sends: Collection<TestSendDocument> = db.collection('reporter_test_sends');
  await sends.createIndex({ at: 1 });
  return {
    async take(storeId, now) {
      const slot = Math.floor(now / intervalMs);
      const nextAt = (slot + 1) * intervalMs;
      try {
        await sends.insertOne({ _id: `${storeId}|${slot}`, storeId, at: new Date(now) });
        return { taken: true, nextAt };
      } catch (error) {
        if (error instanceof MongoServerError && error.code === DUPLICATE_KEY)
          return { taken: false, nextAt };
        throw error;
      }
    },
    async prune(before) {
      return (await sends.deleteMany({ at: { $lt: before } })).deletedCount;
    },
  };
}
