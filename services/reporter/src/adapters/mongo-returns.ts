import { MongoServerError, type Collection, type Db } from 'mongodb';
import { COMPLETED, replacesReturn, type ReturnRecord } from '../domain/returns.js';

interface ReturnDocument extends ReturnRecord {
  /** `<storeId>|<returnId>` */
  _id: string;
  /** The report date of the sent report that listed it; null until then. */
  reportedOn: string | null;
}

export type StoredReturn = ReturnRecord & { reportedOn: string | null };

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown) =>
  error instanceof MongoServerError && error.code === DUPLICATE_KEY;

/** The reporter's projection of ShipBob returns (`reporter_returns`), one document per return. */
export interface ReturnsProjection {
  /** Keeps `record` if it is newer than what is kept; `stale` when it is not. */
  upsert(record: ReturnRecord): Promise<'applied' | 'stale'>;
  /** The store's completed returns no sent report listed yet. */
  unreportedCompleted(storeId: string): Promise<StoredReturn[]>;
  /** Marks returns as listed in the sent report of `reportDate` (idempotent). */
  markReported(storeId: string, returnIds: readonly string[], reportDate: string): Promise<void>;
  /** Deletes returns whose last change is older than `before`, except completed ones not reported yet. */
  prune(before: Date): Promise<number>;
}

const idOf = (storeId: string, returnId: string) => `${storeId}|${returnId}`;

/** The projection on MongoDB or FerretDB (read, decide, then a write guarded by the read). */
export async function createReturnsProjection(db: Db): Promise<ReturnsProjection> {
  const returns: Collection<ReturnDocument> = db.collection('reporter_returns');
  await returns.createIndex({ storeId: 1, status: 1, reportedOn: 1 });
  await returns.createIndex({ updatedAt: 1 });

  const upsert = async (record: ReturnRecord): Promise<'applied' | 'stale'> => {
    const _id = idOf(record.storeId, record.returnId);
    // A concurrent writer (two consumers during a rebalance) makes the guarded write miss:
    // read again and decide again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await returns.findOne({ _id });
      if (!replacesReturn(current, record)) return 'stale';
      if (!current) {
        try {
          await returns.insertOne({ _id, ...record, reportedOn: null });
          return 'applied';
        } catch (error) {
          if (isDuplicateKey(error)) continue;
          throw error;
        }
      }
      const { matchedCount } = await returns.updateOne(
        { _id, updatedAt: current.updatedAt, status: current.status },
        { $set: { ...record } },
      );
      if (matchedCount === 1) return 'applied';
    }
    throw new Error(`return ${_id} kept changing while being projected`);
  };

  return {
    upsert,
    async unreportedCompleted(storeId) {
      const docs = await returns.find({ storeId, status: COMPLETED, reportedOn: null }).toArray();
      return docs.map(({ _id, ...record }) => record);
    },
    async markReported(storeId, returnIds, reportDate) {
      if (returnIds.length === 0) return;
      await returns.updateMany(
        { _id: { $in: returnIds.map((id) => idOf(storeId, id)) } },
        { $set: { reportedOn: reportDate } },
      );
    },
    async prune(before) {
      const { deletedCount } = await returns.deleteMany({
        updatedAt: { $lt: before.getTime() },
        $or: [{ status: { $ne: COMPLETED } }, { reportedOn: { $ne: null } }],
      });
      return deletedCount;
    },
  };
}
