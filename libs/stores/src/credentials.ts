import type { Db } from 'mongodb';
import { STORES_COLLECTION, type StoreCredentialFields } from './document.js';
import type { SecretBox } from './secret-box.js';
import { Secret } from './secret.js';

/** What a poller or the applier needs to call a store's vendors, secrets decrypted. */
export interface StoreCredentials {
  storeId: string;
  /** The store document's version these credentials were read at. */
  version: number;
  status: StoreCredentialFields['status'];
  miraklBaseUrl: string;
  miraklShopId: string;
  miraklApiKey: Secret | null;
  shipbobPat: Secret | null;
  shipbobChannelId: string | null;
  /** Verifies the store's ShipBob webhooks (Standard Webhooks `whsec_` secret). */
  shipbobWebhookSecret: Secret | null;
}

export interface StoreCredentialsPort {
  /**
   * The store's credentials, or null when there is no such store. Served from memory for up to
   * the cache's time to live, unless the caller knows of a newer version (`atLeastVersion`, e.g.
   * from the latest `StoreConfigChanged`), which forces a read.
   */
  get(storeId: string, options?: { atLeastVersion?: number }): Promise<StoreCredentials | null>;
  /** Drops a store from the cache (e.g. on a config change). */
  forget(storeId: string): void;
}

export interface StoreCredentialsOptions {
  db: Db;
  secretBox: SecretBox;
  /** How long a read is reused; default 60 s, so a rotated key reaches every process within it. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * Read-only port over config-api's `stores` collection (ADR 0041): secrets are opened in this
 * process with the shared key ring and kept only in memory, wrapped in {@link Secret}.
 */
export function createStoreCredentials(options: StoreCredentialsOptions): StoreCredentialsPort {
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const stores = options.db.collection<StoreCredentialFields>(STORES_COLLECTION);
  const cache = new Map<string, { value: StoreCredentials | null; readAt: number }>();
  const open = (sealed: string | undefined) =>
    sealed === undefined ? null : new Secret(options.secretBox.open(sealed));

  const read = async (storeId: string): Promise<StoreCredentials | null> => {
    const doc = await stores.findOne({ _id: storeId });
    if (!doc) return null;
    return {
      storeId,
      version: doc.version,
      status: doc.status,
      miraklBaseUrl: doc.miraklBaseUrl,
      miraklShopId: doc.miraklShopId,
      miraklApiKey: open(doc.miraklApiKey?.sealed),
      shipbobPat: open(doc.shipbob?.pat.sealed),
      shipbobChannelId: doc.shipbob?.channelId ?? null,
      shipbobWebhookSecret: open(doc.shipbobWebhook?.secret.sealed),
    };
  };

  return {
    async get(storeId, getOptions) {
      const cached = cache.get(storeId);
      const fresh =
        cached !== undefined &&
        now() - cached.readAt < ttlMs &&
        (getOptions?.atLeastVersion === undefined ||
          (cached.value?.version ?? -1) >= getOptions.atLeastVersion);
      if (fresh) return cached.value;
      const value = await read(storeId);
      cache.set(storeId, { value, readAt: now() });
      return value;
    },
    forget(storeId) {
      cache.delete(storeId);
    },
  };
}
