import type { SyncToggles } from '@msync/events';

/** The part of a store's configuration that decides what the scheduler does for it. */
export interface StoreSchedule {
  storeId: string;
  /** Monotonic per store: a lower version than the one applied is stale. */
  version: number;
  /** CONNECTED | DISCONNECTED | DELETED; anything else is treated as not connected. */
  status: string;
  toggles: SyncToggles;
  shipbobConfigured: boolean;
  returnsApproved: boolean;
  pollIntervalMinutes: number;
  reportEmail: string | null;
  /**
   * Streams polled for the store under this version or an earlier one, as the scheduler records
   * them (ADR 0055); absent in a configuration event, and in records kept before it was.
   */
  polledStreams?: readonly string[];
}

export const isConnected = (store: Pick<StoreSchedule, 'status'>): boolean =>
  store.status === 'CONNECTED';
