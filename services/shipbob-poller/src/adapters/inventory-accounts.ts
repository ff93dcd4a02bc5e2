import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import type { Secret } from '@msync/stores';
import type { AccountSnapshot, AccountStore, SkuLevel } from '../domain/inventory-facts.js';

export const INVENTORY_ACCOUNTS = 'shipbob_inventory_accounts';

/**
 * The ShipBob account a PAT reads, as a key that reveals nothing of the PAT (ADR 0075): a
 * domain-separated SHA-256 of it. Stores holding the same PAT share one account key.
 */
export function accountKeyOf(pat: Secret): string {
  return createHash('sha256')
    .update(`msync:shipbob-account:${pat.reveal()}`)
    .digest('hex')
    .slice(0, 40);
}

interface AccountDoc {
  _id: string;
  items: SkuLevel[];
  readAt: Date | null;
  flagsReadAt?: Date | null;
  stores: AccountStore[];
  revision: number;
}

/** Per-account inventory snapshots, addressed by `_id` only (FerretDB scans other filters). */
export interface InventoryAccounts {
  get(accountKey: string): Promise<AccountSnapshot | null>;
  /**
   * Saves the snapshot if nobody saved another since it was read (`revision`); false when
   * someone did (the caller retries and finds the other read).
   */
  save(accountKey: string, snapshot: AccountSnapshot): Promise<boolean>;
}

export function createInventoryAccounts(db: Db): InventoryAccounts {
  const collection = db.collection<AccountDoc>(INVENTORY_ACCOUNTS);
  return {
    async get(accountKey) {
      const doc = await collection.findOne({ _id: accountKey });
      if (!doc) return null;
      return {
        items: doc.items,
        readAt: doc.readAt,
        flagsReadAt: doc.flagsReadAt ?? null,
        stores: doc.stores,
        revision: doc.revision,
      };
    },
    async save(accountKey, snapshot) {
      const next = {
        items: snapshot.items,
        readAt: snapshot.readAt,
        flagsReadAt: snapshot.flagsReadAt ?? null,
        stores: snapshot.stores,
        revision: snapshot.revision + 1,
      };
      if (snapshot.revision === 0) {
        try {
          await collection.insertOne({ _id: accountKey, ...next });
          return true;
        } catch (error) {
          if ((error as { code?: number }).code === 11000) return false;
          throw error;
        }
      }
      const result = await collection.updateOne(
        { _id: accountKey, revision: snapshot.revision },
        { $set: next },
      );
      return result.matchedCount === 1;
    },
  };
}
