/**
 * The fields of config-api's `stores` documents that other services read through
 * {@link createStoreCredentials}. config-api owns and writes the collection; its document type
 * extends this one, so a change that would break a reader does not compile.
 */
export const STORES_COLLECTION = 'stores';

/** A secret as stored: ciphertext plus the short tail shown next to the mask. */
export interface StoredSecret {
  sealed: string;
  last4: string;
}

export interface StoreCredentialFields {
  _id: string;
  status: 'CONNECTED' | 'DISCONNECTED' | 'DELETED';
  version: number;
  miraklBaseUrl: string;
  miraklShopId: string;
  miraklApiKey: StoredSecret | null;
  shipbob: { pat: StoredSecret; channelId: string } | null;
  /**
   * The store's ShipBob webhook signing secret (`whsec_…`), absent until the product first
   * subscribes the store to webhooks (ADR 0064).
   */
  shipbobWebhook?: { secret: StoredSecret } | null;
}
