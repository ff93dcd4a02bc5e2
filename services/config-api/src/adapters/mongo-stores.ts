import type { Collection, Db } from 'mongodb';
import type { StoreCredentialFields } from '@msync/stores';
import {
  DEFAULT_SHIPPING_METHOD,
  defaultSettings,
  type StoredSecret,
  type Settings,
  type ShippingMethods,
  type Store,
} from '../domain/store.js';
import { isDuplicateKey, withInsertLock, type LockDocument } from './mongo-lock.js';

/** The store's ShipBob webhook subscription as last reconciled (ADR 0064). */
export interface WebhookRecord {
  /** The signing secret (`whsec_…`), sealed; made once per store, read by the receiver. */
  secret: StoredSecret;
  subscriptionId: string | null;
  url: string | null;
  checkedAt: Date | null;
  /** Why the last check failed, if it did (no secrets in it). */
  error: string | null;
}

/**
 * Settings as stored. The ship option and return reason mappings are lists of pairs: their keys
 * are Mirakl codes, which may hold characters a document key may not (`.`, a leading `$`).
 * Documents written before a mapping existed lack its fields.
 */
export interface StoredSettings extends Omit<
  Settings,
  'shippingMethods' | 'defaultShippingMethod' | 'returnReasons' | 'returnRequestedAction'
> {
  shippingMethods?: StoredShipOption[];
  defaultShippingMethod?: string;
  returnReasons?: StoredReturnReason[];
  returnRequestedAction?: Settings['returnRequestedAction'];
}

export interface StoredReturnReason {
  miraklReasonCode: string;
  decision: 'create' | 'ignore';
}

export interface StoredShipOption {
  miraklShippingType: string;
  shipbobShipOption: string;
}

/** The stored form of a store: the domain record plus the publication bookkeeping (ADR 0012). */
export interface StoreDocument extends Omit<Store, 'id' | 'webhookSubscriptionId' | 'settings'> {
  _id: string;
  settings: StoredSettings;
  /** True while the current version has not reached the store-config-changed topic. */
  pendingPublish: boolean;
  publishedVersion: number;
  /** True until the first offers poll of a newly connected store was requested. */
  offersPollPending: boolean;
  shipbobWebhook?: WebhookRecord | null;
  /**
   * ShipBob tokens replaced or erased while a subscription may have been made with them: the
   * reconciler removes the store's subscriptions with each, then forgets it.
   */
  webhookCleanup?: StoredSecret[];
  /** When the reconciler is next due to check this store's subscription. */
  webhookCheckAt?: Date;
}

/** What one reconcile found: written only if the store did not change meanwhile (cleanups always). */
export interface WebhookCheck {
  /** Undefined: unknown (the check failed before ShipBob answered), keep what is recorded. */
  subscriptionId?: string | null;
  url: string | null;
  error: string | null;
  checkedAt: Date;
  nextCheckAt: Date;
  /** Sealed tokens of `webhookCleanup` that are done with. */
  cleaned: string[];
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
/** A reconcile makes a few ShipBob calls; a crashed reconciler's lock is taken over after this. */
const WEBHOOK_LOCK_LEASE_MS = 60_000;

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

  /** Runs `fn` as the only reconciler of the store's webhook subscription; busy: a retriable error. */
  withWebhookLock<T>(storeId: string, fn: () => Promise<T>): Promise<T> {
    return withInsertLock(
      this.locks,
      `webhook:${storeId}`,
      { leaseMs: WEBHOOK_LOCK_LEASE_MS, waitMs: 0, what: 'webhook' },
      fn,
    );
  }

  async ensureIndexes(): Promise<void> {
    await this.stores.createIndex({ webhookCheckAt: 1 });
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
      webhookCheckAt: store.updatedAt,
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
          ...webhookAfterChange(current, next),
        },
      );
      return result.matchedCount === 1;
    });
  }

  /** Stores whose webhook subscription is due for a check (every change makes it due). */
  async webhookChecksDue(now: Date, limit: number): Promise<StoreDocument[]> {
    return this.stores
      .find({
        $or: [{ webhookCheckAt: { $lte: now } }, { webhookCheckAt: { $exists: false } }],
      })
      .limit(limit)
      .toArray();
  }

  /** The store's webhook secret, sealing and saving `create()`'s when it has none yet. */
  async ensureWebhookSecret(id: string, create: () => StoredSecret): Promise<StoredSecret | null> {
    return this.withLock(id, async () => {
      const current = await this.stores.findOne({ _id: id });
      if (!current || current.status === 'DELETED') return null;
      if (current.shipbobWebhook) return current.shipbobWebhook.secret;
      const record: WebhookRecord = {
        secret: create(),
        subscriptionId: null,
        url: null,
        checkedAt: null,
        error: null,
      };
      await this.stores.updateOne({ _id: id }, { $set: { shipbobWebhook: record } });
      return record.secret;
    });
  }

  /** Records a reconcile of `version`; a store changed meanwhile stays due (cleanups count). */
  async recordWebhookCheck(id: string, version: number, check: WebhookCheck): Promise<void> {
    await this.withLock(id, async () => {
      const current = await this.stores.findOne({ _id: id });
      if (!current) return;
      const set: Record<string, unknown> = {
        webhookCleanup: (current.webhookCleanup ?? []).filter(
          (pat) => !check.cleaned.includes(pat.sealed),
        ),
      };
      if (current.version === version) {
        set['webhookCheckAt'] = check.nextCheckAt;
        if (current.shipbobWebhook) {
          const record = current.shipbobWebhook;
          set['shipbobWebhook'] = {
            ...record,
            subscriptionId:
              check.subscriptionId === undefined ? record.subscriptionId : check.subscriptionId,
            url: check.subscriptionId === undefined ? record.url : check.url,
            checkedAt: check.checkedAt,
            error: check.error,
          } satisfies WebhookRecord;
        }
      }
      await this.stores.updateOne({ _id: id }, { $set: set });
    });
  }

  /**
   * Stores with a version or a first poll not yet on Kafka, up to `limit`: those with a version
   * first. Two reads of equalities rather than one `$or`: FerretDB hands an equality to
   * PostgreSQL, which reads only the stores pending, and evaluates an `$or` itself over every
   * store, at every pass of the relay.
   */
  async pendingPublication(limit: number): Promise<StoreDocument[]> {
    const versions = await this.stores.find({ pendingPublish: true }).limit(limit).toArray();
    if (versions.length >= limit) return versions;
    const polls = await this.stores
      .find({ offersPollPending: true, pendingPublish: { $ne: true } })
      .limit(limit - versions.length)
      .toArray();
    return [...versions, ...polls];
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
  const { id, webhookSubscriptionId: _readOnly, settings, ...rest } = store;
  const { shippingMethods, returnReasons, ...plain } = settings;
  return {
    _id: id,
    ...rest,
    settings: {
      ...plain,
      shippingMethods: Object.entries(shippingMethods).map(
        ([miraklShippingType, shipbobShipOption]) => ({ miraklShippingType, shipbobShipOption }),
      ),
      returnReasons: Object.entries(returnReasons).map(([miraklReasonCode, decision]) => ({
        miraklReasonCode,
        decision,
      })),
    },
  };
}

/**
 * The webhook bookkeeping a store change carries over: the change makes a check due; a ShipBob
 * token replaced or erased while a subscription may exist is kept (sealed) until the store's
 * subscriptions made with it are removed; a deleted store's signing secret is erased.
 */
function webhookAfterChange(
  current: StoreDocument,
  next: Store,
): Pick<StoreDocument, 'shipbobWebhook' | 'webhookCleanup' | 'webhookCheckAt'> {
  const cleanup = [...(current.webhookCleanup ?? [])];
  let record = current.shipbobWebhook ?? null;
  const oldPat = current.shipbob?.pat;
  if (record && oldPat && oldPat.sealed !== next.shipbob?.pat.sealed) {
    cleanup.push(oldPat);
    record = { ...record, subscriptionId: null, url: null };
  }
  return {
    shipbobWebhook: next.status === 'DELETED' ? null : record,
    webhookCleanup: cleanup,
    webhookCheckAt: next.updatedAt,
  };
}

function settingsOf(stored: StoredSettings): Settings {
  const {
    shippingMethods = [],
    defaultShippingMethod,
    returnReasons = [],
    returnRequestedAction,
    ...plain
  } = stored;
  const mapping: ShippingMethods = Object.fromEntries(
    shippingMethods.map((entry) => [entry.miraklShippingType, entry.shipbobShipOption]),
  );
  const defaults = defaultSettings();
  return {
    // Stores saved before a setting existed read its default.
    ...defaults,
    ...plain,
    shippingMethods: mapping,
    defaultShippingMethod: defaultShippingMethod ?? DEFAULT_SHIPPING_METHOD,
    returnReasons: Object.fromEntries(
      returnReasons.map((entry) => [entry.miraklReasonCode, entry.decision]),
    ),
    returnRequestedAction: returnRequestedAction ?? defaults.returnRequestedAction,
  };
}

/** The domain record of a stored store. */
export function fromDocument(doc: StoreDocument): Store {
  return {
    id: doc._id,
    tenantId: doc.tenantId,
    status: doc.status,
    miraklBaseUrl: doc.miraklBaseUrl,
    miraklShopId: doc.miraklShopId,
    miraklShopName: doc.miraklShopName,
    miraklApiKey: doc.miraklApiKey,
    shipbob: doc.shipbob,
    settings: settingsOf(doc.settings),
    returnsApproved: doc.returnsApproved,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    webhookSubscriptionId: doc.shipbobWebhook?.subscriptionId ?? null,
  };
}
