import type { Store } from './store.js';

/** The topics each flow needs (dated API names; ShipBob's `order.shipped` fires at label time). */
export const WEBHOOK_TOPICS = {
  tracking: ['order.shipped', 'order.shipment.delivered'],
  cancellations: ['order.shipment.cancelled'],
  returns: ['return.created', 'return.updated', 'return.completed'],
} as const;

/** Where ShipBob posts a store's webhooks, under the receiver's public base URL. */
export const webhookPath = (storeId: string): string =>
  `/webhooks/shipbob/${encodeURIComponent(storeId)}`;

export function webhookUrl(publicBaseUrl: string, storeId: string): string {
  return publicBaseUrl.replace(/\/+$/, '') + webhookPath(storeId);
}

/** A subscription as ShipBob lists it. */
export interface ListedSubscription {
  id: string;
  url: string;
  topics: readonly string[];
  enabled: boolean;
}

export interface WantedSubscription {
  url: string;
  topics: string[];
}

/**
 * The subscription a store should have (ADR 0064): one per store, when it is connected, has a
 * ShipBob token, syncs tracking, cancellations or returns, and the receiver has a public URL;
 * null otherwise (the store then runs on polling alone).
 */
export function wantedSubscription(
  store: Pick<Store, 'id' | 'status' | 'shipbob' | 'settings'>,
  publicBaseUrl: string | null,
): WantedSubscription | null {
  if (!publicBaseUrl || store.status !== 'CONNECTED' || !store.shipbob) return null;
  const toggles = store.settings.toggles;
  const topics = [
    ...(toggles.tracking ? WEBHOOK_TOPICS.tracking : []),
    ...(toggles.cancellations ? WEBHOOK_TOPICS.cancellations : []),
    ...(toggles.returns ? WEBHOOK_TOPICS.returns : []),
  ];
  if (topics.length === 0) return null;
  return { url: webhookUrl(publicBaseUrl, store.id), topics };
}

/** What to do at ShipBob so that the store has exactly the wanted subscription. */
export interface SubscriptionPlan {
  /** Ours that must go: disabled by ShipBob, wrong topics or URL, extra copies, or not wanted. */
  remove: string[];
  /** Create this one (with the store's secret); null when a healthy one exists or none is wanted. */
  create: WantedSubscription | null;
  /** The healthy subscription kept, if any. */
  keep: string | null;
}

/**
 * Plans the store's subscriptions from ShipBob's list. Ours are found by their path (whatever
 * public base URL they were created under), so the plan is the same whoever runs it and however
 * often: a create is only planned when no healthy one of ours exists, which makes creating
 * idempotent. A subscription ShipBob disabled or lost is replaced.
 */
export function planSubscription(
  storeId: string,
  wanted: WantedSubscription | null,
  listed: readonly ListedSubscription[],
): SubscriptionPlan {
  const ours = listed.filter((s) => isOurs(s.url, storeId));
  const healthy = wanted
    ? ours.find((s) => s.enabled && s.url === wanted.url && sameTopics(s.topics, wanted.topics))
    : undefined;
  return {
    remove: ours.filter((s) => s !== healthy).map((s) => s.id),
    create: wanted && !healthy ? wanted : null,
    keep: healthy?.id ?? null,
  };
}

function isOurs(url: string, storeId: string): boolean {
  try {
    return new URL(url).pathname.endsWith(webhookPath(storeId));
  } catch {
    return false;
  }
}

function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join(' ') === [...b].sort().join(' ');
}

/** How the store's tracking reaches it: pushed by ShipBob (and polled), or polled only. */
export type TrackingMode = 'webhooks' | 'polling';

export function trackingMode(subscriptionId: string | null): TrackingMode {
  return subscriptionId ? 'webhooks' : 'polling';
}
