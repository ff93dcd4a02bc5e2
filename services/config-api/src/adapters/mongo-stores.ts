import type { Collection, Db } from 'mongodb';
import type { StoreCredentialFields } from '@msync/stores';
import { settingsWithDefaults, type Store } from '../domain/store.js';
import { isDuplicateKey, withInsertLock, type LockDocument } from './mongo-lock.js';

/** The stored form of a store: the domain record plus the publication bookkeeping (ADR 0012). */
export interface StoreDocument extends Omit<Store, 'id'> {
  _id: string;
  /** True while the current version has not reached the store-config-changed topic. */
  pendingPublish: boolean;
  publishedVersion: number;
  /** True until the first offers poll of a newly connected store was requested. */
  offersPollPending: boolean;
}

/** Pollers and the applier read credentials through @msync/stores: this fails to compile if the stored shape stops being readable there. */
export type StoreDocumentIsReadable = ReadableBy<StoreDocument>;
type ReadableBy<T extends StoreCredentialFields> = T;

interface ShopClaim {
  /** `<miraklBaseUrl>#<shopId>`: one live store per Mirakl shop. */
  _id: string;
  storeId: string;
}

/** A crashed holder's lock is taken over after this long. */
const LOCK_LEASE_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

export type ClaimResult = { ok: true } | { ok: false; existingStoreId: string };

/** Store persistence on MongoDB or FerretDB: no transactions, optimistic versions only. */
export class MongoStores {
  readonly stores: Collection<StoreDocument>;
  private readonly claims: Collection<ShopClaim>;
  private readonly locks: Collection<LockDocument>;

  constructor(db: Db) {
    this.stores = db.collection<StoreDocument>('stores');
    this.claims = db.collection<ShopClaim>('store_shop_claims');
    this.locks = db.collection<LockDocument>('store_locks');
  }

  /**
   * Runs `fn` as the only writer of one store. FerretDB evaluates an update's filter and then
   * writes by id, so a conditional update is not a compare-and-set under concurrency; an insert
   * of a unique key is, on both databases (ADR 0012). Every write to a store document runs here.
   */
  withLock<T>(storeId: string, fn: () => Promise<T>): Promise<T> {
    return withInsertLock(
      this.locks,
      storeId,
      { leaseMs: LOCK_LEASE_MS, waitMs: LOCK_WAIT_MS, what: 'store' },
      fn,
    );
  }

  async ensureIndexes(): Promise<void> {
    await this.stores.createIndex({ tenantId: 1 });
    await this.stores.createIndex({ pendingPublish: 1 });
    await this.stores.createIndex({ offersPollPending: 1 });
  }

  /**
   * Reserves a Mirakl shop for a store. A claim whose store was never written (a crash between
   * the two inserts) or was deleted is taken over.
   */
  async claimShop(shopKey: string, storeId: string): Promise<ClaimResult> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.claims.insertOne({ _id: shopKey, storeId });
        return { ok: true };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const claim = await this.claims.findOne({ _id: shopKey });
      if (!claim) continue;
      const holder = await this.stores.findOne({ _id: claim.storeId });
      if (holder && holder.status !== 'DELETED') return { ok: false, existingStoreId: holder._id };
      await this.claims.deleteOne({ _id: shopKey, storeId: claim.storeId });
    }
    throw new Error(`could not claim shop ${shopKey}`);
  }

  async releaseShop(shopKey: string, storeId: string): Promise<void> {
    await this.claims.deleteOne({ _id: shopKey, storeId });
  }

  async insert(store: Store, options: { offersPollPending: boolean }): Promise<void> {
    await this.stores.insertOne({
      ...toDocument(store),
      pendingPublish: true,
      publishedVersion: 0,
      offersPollPending: options.offersPollPending,
    });
  }

  async get(id: string): Promise<Store | null> {
    const doc = await this.stores.findOne({ _id: id });
    return doc ? fromDocument(doc) : null;
  }

  async list(filter: { tenantId?: string }): Promise<Store[]> {
    const query = filter.tenantId === undefined ? {} : { tenantId: filter.tenantId };
    const docs = await this.stores.find(query).sort({ createdAt: 1 }).toArray();
    return docs.map(fromDocument);
  }

  /**
   * Writes `next` (whose version must be `expectedVersion + 1`) only if nobody changed the store
   * since `expectedVersion`; marks it for publication in the same single-document write.
   */
  async replace(
    next: Store,
    expectedVersion: number,
    extra: { offersPollPending?: boolean } = {},
  ): Promise<boolean> {
    return this.withLock(next.id, async () => {
      const current = await this.stores.findOne({ _id: next.id });
      if (current?.version !== expectedVersion) return false;
      const result = await this.stores.replaceOne(
        { _id: next.id, version: expectedVersion },
        {
          ...toDocument(next),
          pendingPublish: true,
          publishedVersion: current.publishedVersion,
          offersPollPending: extra.offersPollPending ?? current.offersPollPending,
        },
      );
      return result.matchedCount === 1;
    });
  }

  /** Stores with a version or a first poll not yet on Kafka. */
  async pendingPublication(limit: number): Promise<StoreDocument[]> {
    return this.stores
      .find({ $or: [{ pendingPublish: true }, { offersPollPending: true }] })
      .limit(limit)
      .toArray();
  }

  /** Records that `version` was published; a newer version written meanwhile stays pending. */
  async markPublished(id: string, version: number): Promise<void> {
    await this.withLock(id, async () => {
      await this.stores.updateOne(
        { _id: id, version },
        { $set: { pendingPublish: false, publishedVersion: version } },
      );
    });
  }

  async markOffersPollRequested(id: string): Promise<void> {
    await this.withLock(id, async () => {
      await this.stores.updateOne({ _id: id }, { $set: { offersPollPending: false } });
    });
  }
}

function toDocument(
  store: Store,
): Omit<StoreDocument, 'pendingPublish' | 'publishedVersion' | 'offersPollPending'> {
  const { id, ...rest } = store;
  return { _id: id, ...rest };
}

function fromDocument(doc: StoreDocument): Store {
  return {
    id: doc._id,
    tenantId: doc.tenantId,
    status: doc.status,
    miraklBaseUrl: doc.miraklBaseUrl,
    miraklShopId: doc.miraklShopId,
    miraklShopName: doc.miraklShopName,
    miraklApiKey: doc.miraklApiKey,
    shipbob: doc.shipbob,
    settings: settingsWithDefaults(doc.settings),
    returnsApproved: doc.returnsApproved,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
