import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';

/** A held lease: renew it during long work, release it when done. */
export interface Lease {
  readonly key: string;
  /**
   * Extends the lease by its length from now. False when it is lost — it expired, or is too
   * close to expiring to be extended safely, or another holder has it: stop the guarded work.
   */
  renew(): Promise<boolean>;
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
  /** This acquisition's own: its release deletes only the document it inserted (ADR 0123). */
  token?: string;
}

export interface MongoLeasesOptions {
  db: Db;
  collection: string;
  /** A holder that crashed blocks the key for at most this long. */
  leaseMs: number;
  /**
   * A renewal this close to the expiry is refused (the lease counts as lost): another process
   * may be taking it over, and clocks differ between processes. Default a quarter of `leaseMs`.
   */
  renewMarginMs?: number;
  /** Shown in the lease documents before a random part (which instance holds a key). */
  holder?: string;
  now?: () => number;
}

const DUPLICATE_KEY = 11000;

/**
 * Mutual exclusion across processes on MongoDB or FerretDB: the lease is the insert of
 * `{_id: key}` (a unique key is atomic on both; ADR 0012). An expired lease (crashed holder) is
 * deleted and re-inserted; two processes taking over at once still end with one insert winning.
 * A renewal only writes while the lease is comfortably unexpired, and only on the holder's own
 * document, so it cannot revive a lease someone else has taken over (FerretDB's conditional
 * updates are not compare-and-set: the margin is what keeps the two apart).
 *
 * A lease document of this instance's own for a key it does not hold now is a leftover (its
 * release failed while MongoDB was unreachable, or an insert was written but its reply lost) and
 * is taken over at once: the instance is not blocked by itself until the lease expires.
 */
export function createMongoLeases(options: MongoLeasesOptions): Leases {
  const leases = options.db.collection<LeaseDocument>(options.collection);
  const now = options.now ?? Date.now;
  const owner = options.holder ? `${options.holder}/${randomUUID()}` : randomUUID();
  const margin = options.renewMarginMs ?? options.leaseMs / 4;

  /** Inserts the lease; its expiry, or null when the key is held. */
  const insert = async (key: string, token: string): Promise<number | null> => {
    const expiresAt = now() + options.leaseMs;
    try {
      await leases.insertOne({ _id: key, owner, expiresAt, token });
      return expiresAt;
    } catch (error) {
      if ((error as { code?: unknown }).code === DUPLICATE_KEY) return null;
      throw error;
    }
  };

  /** The expiry of each lease this instance holds (acquired, not released, maybe expired). */
  const holding = new Map<string, number>();
  /** This instance's releases not answered yet, by key (ADR 0123). */
  const releasing = new Map<string, Promise<void>>();

  return {
    async tryAcquire(key) {
      if ((holding.get(key) ?? 0) > now()) return null;
      // A release of its own still on its way: the key is free once it has landed.
      await releasing.get(key);
      if ((holding.get(key) ?? 0) > now()) return null;
      const token = randomUUID();
      let expiresAt = await insert(key, token);
      if (expiresAt === null) {
        const held = await leases.findOne({ _id: key });
        const leftover = held?.owner === owner;
        if (held && held.expiresAt > now() && !leftover) return null;
        if (held)
          await leases.deleteOne({ _id: key, owner: held.owner, expiresAt: held.expiresAt });
        expiresAt = await insert(key, token);
        if (expiresAt === null) return null;
      }
      holding.set(key, expiresAt);
      let until = expiresAt;
      let released = false;
      return {
        key,
        renew: async () => {
          const at = now();
          if (released || at >= until - margin) return false;
          const next = at + options.leaseMs;
          const renewed = await leases.updateOne(
            { _id: key, owner, expiresAt: until },
            { $set: { expiresAt: next } },
          );
          // A renewal answered after the release (the work ended meanwhile) holds nothing: it
          // must not mark the key held by this instance again (ADR 0119).
          if (released || renewed.matchedCount !== 1) return false;
          until = next;
          holding.set(key, next);
          return true;
        },
        release: async () => {
          // No longer held, even when the delete fails: the document is then a leftover.
          released = true;
          holding.delete(key);
          // Its own document only: a release answered late never deletes a later acquisition's.
          const deleted = leases.deleteOne({ _id: key, owner, token });
          const landed: Promise<void> = deleted
            .then(
              () => undefined,
              () => undefined,
            )
            .finally(() => {
              if (releasing.get(key) === landed) releasing.delete(key);
            });
          releasing.set(key, landed);
          await deleted;
        },
      };
    },
  };
}
