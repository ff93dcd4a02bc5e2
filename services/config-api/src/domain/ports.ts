/** What config-api needs from the outside world, in its own terms. Adapters live in ../adapters. */

import type { ListedSubscription } from './webhooks.js';

export interface MiraklShopIdentity {
  shopId: string;
  shopName: string | null;
}

export interface ShipBobAccount {
  channelId: string;
  channelName: string;
}

export interface FulfillmentCenterOption {
  id: string;
  name: string;
  location: string | null;
}

/**
 * Outcome of a credential check that did not throw: a rejected credential is an answer, not an
 * error. Unreachable vendors throw (and become 502/503 problems).
 */
export type Verified<T> = { ok: true; value: T } | { ok: false; reason: string; message: string };

export interface MiraklGateway {
  /** A01 with the given key against the store's own URL. */
  verifyShop(baseUrl: string, apiKey: string): Promise<Verified<MiraklShopIdentity>>;
}

export interface ShipBobGateway {
  /** Checks the PAT and finds the channel it writes as. */
  verifyToken(pat: string): Promise<Verified<ShipBobAccount>>;
  /** The account's real fulfillment centers. */
  listFulfillmentCenters(pat: string): Promise<FulfillmentCenterOption[]>;
  /** Every webhook subscription of the account. */
  listWebhookSubscriptions(pat: string): Promise<ListedSubscription[]>;
  /** Subscribes `url` to `topics`, signed with `secret`; answers ShipBob's id. */
  createWebhookSubscription(
    pat: string,
    input: { url: string; topics: string[]; secret: string },
  ): Promise<{ id: string }>;
  /** Removes a subscription (already gone is fine). */
  deleteWebhookSubscription(pat: string, id: string): Promise<void>;
}

/** DNS, so the address rules apply to what a host name really resolves to. */
export interface HostResolver {
  resolve(host: string): Promise<string[]>;
}

/** Seals and opens secrets at rest. */
export type { SecretBox } from '@msync/stores';

/** The report e-mail as the reporter would send it now (ADR 0072). */
export interface ReportPreview {
  subject: string;
  html: string;
  text: string;
  reportDate: string;
  timeZone: string;
  returnCount: number;
  to: string | null;
}

/** One decided daily report of a store, newest first. */
export interface ReportHistoryEntry {
  reportDate: string;
  result: string;
  reason: string | null;
  returnCount: number;
  detail: string | null;
  to: string | null;
  resolvedAt: string;
}

/**
 * One of our services' answer (the reporter, the applier): its value, or the HTTP status of its
 * problem (`unreachable` when it could not be asked or gave an unreadable answer), with its detail.
 */
export type ServiceAnswer<T> =
  | { ok: true; value: T }
  | { ok: false; status: number | 'unreachable'; detail: string; retryAfterSeconds?: number };
export type ReporterAnswer<T> = ServiceAnswer<T>;

/** The reporter's report routes (ADR 0072); config-api checks the tenant before asking. */
export interface ReporterPort {
  preview(storeId: string): Promise<ReporterAnswer<ReportPreview>>;
  sendTest(
    storeId: string,
  ): Promise<ReporterAnswer<{ to: string; subject: string; messageId: string }>>;
  history(storeId: string, limit: number): Promise<ReporterAnswer<ReportHistoryEntry[]>>;
}

/** Each flow's last cycle of a store, as the applier recorded it (ADR 0089). */
export interface CatalogCycles {
  offers: {
    at: string;
    startedAt: string;
    skus: number;
    created: number;
    existing: number;
    skipped: number;
    errors: number;
  } | null;
  inventory: {
    cycleId: string;
    at: string;
    result: string;
    skus: number;
    errors: number;
    importId: string | null;
    detail: string | null;
  } | null;
}

/** One SKU of the store's catalog as the applier knows it (ADR 0089). */
export interface CatalogSku {
  sku: string;
  offer: boolean;
  shipbobProductId: string | null;
  offerResult: { outcome: string; reason: string | null; detail: string | null; at: string } | null;
  fulfillable: number | null;
  exception: number | null;
  active: boolean | null;
  digital: boolean | null;
  buffer: number | null;
  quantity: number | null;
  pushed: {
    quantity: number;
    at: string | null;
    result: string | null;
    reason: string | null;
    detail: string | null;
    importId: string | null;
  } | null;
}

export interface CatalogSkuPage {
  items: CatalogSku[];
  total: number;
  nextAfter: string | null;
}

/** The applier's catalog routes (ADR 0089); config-api checks the tenant before asking. */
export interface ApplierPort {
  cycles(storeId: string): Promise<ServiceAnswer<CatalogCycles>>;
  skus(
    storeId: string,
    query: { q?: string; limit?: number; after?: string },
  ): Promise<ServiceAnswer<CatalogSkuPage>>;
}
