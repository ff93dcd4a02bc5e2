import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';

/** A held lease: renew it during long work, release it when done. */
export interface Lease {
  readonly key: string;
  renew(): Promise<void>;
  release(): Promise<void>;
}

export interface Leases {
  /** The lease on `key`, or null while another holder's lease on it has not expired. */
  tryAcquire(key: string): Promise<Lease | null>;
}

interface LeaseDocument {
  _id: string;
  owner: string;
  expiresAt: number;
}

export interface MongoLeasesOptions {
  db: Db;
  collection: string;
  /** A holder that crashed blocks the key for at most this long. */
  leaseMs: number;
  now?: () => number;
}

const DUPLICATE_KEY = 11000;

/**
 * Mutual exclusion across processes on MongoDB or FerretDB: the lease is the insert of
 * `{_id: key}` (a unique key is atomic on both; ADR 0012). An expired lease (crashed holder) is
 * deleted and re-inserted; two processes taking over at once still end with one insert winning.
 */
export function createMongoLeases(options: MongoLeasesOptions): Leases {
  const leases = options.db.collection<LeaseDocument>(options.collection);
  const now = options.now ?? Date.now;
  const owner = randomUUID();

  const insert = async (key: string): Promise<boolean> => {
    try {
      await leases.insertOne({ _id: key, owner, expiresAt: now() + options.leaseMs });
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === DUPLICATE_KEY) return false;
      throw error;
    }
  };

  return {
    async tryAcquire(key) {
      if (!(await insert(key))) {
        const held = await leases.findOne({ _id: key });
        if (held && held.expiresAt > now()) return null;
        if (held)
          await leases.deleteOne({ _id: key, owner: held.owner, expiresAt: held.expiresAt });
        if (!(await insert(key))) return null;
      }
      return {
        key,
        renew: async () => {
          await leases.updateOne(
            { _id: key, owner },
            { $set: { expiresAt: now() + options.leaseMs } },
          );
        },
        release: async () => {
          await leases.deleteOne({ _id: key, owner });
        },
      };
    },
  };
}
