import { MongoServerError, type Collection, type Db } from 'mongodb';

interface LeaseDocument {
  _id: string;
  holder: string;
  until: Date;
}

/** Which retrier instance drains a lane: at most one at a time, so a lane keeps its order. */
export interface LaneLeases {
  acquire(lane: string): Promise<boolean>;
  release(lane: string): Promise<void>;
}

const DUPLICATE_KEY = 11000;

/**
 * Leases by insert (the one compare-and-set FerretDB has, ADR 0012); a lease older than
 * `leaseMs` belongs to a crashed holder and is taken over. Each service keeps its own
 * `collection` (default `retrier_leases`).
 */
export function createLaneLeases(
  db: Db,
  options: { holder: string; leaseMs: number; now?: () => number; collection?: string },
): LaneLeases {
  const leases: Collection<LeaseDocument> = db.collection(options.collection ?? 'retrier_leases');
  const now = options.now ?? Date.now;
  const insert = async (lane: string): Promise<boolean> => {
    try {
      await leases.insertOne({
        _id: lane,
        holder: options.holder,
        until: new Date(now() + options.leaseMs),
      });
      return true;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  };
  return {
    async acquire(lane) {
      if (await insert(lane)) return true;
      const expired = await leases.deleteOne({ _id: lane, until: { $lt: new Date(now()) } });
      return expired.deletedCount === 1 && (await insert(lane));
    },
    async release(lane) {
      await leases.deleteOne({ _id: lane, holder: options.holder });
    },
  };
}
