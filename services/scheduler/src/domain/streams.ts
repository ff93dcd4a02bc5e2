import type { ExternalSystem, SyncToggles } from '@msync/events';

export type FlowToggle = keyof SyncToggles;

/** A store setting, besides the flow toggles, that a stream cannot be polled without. */
export type StreamRequirement = 'shipbobConfigured' | 'returnsApproved';

/** One pollable stream: which system it is read from and which store settings switch it on. */
export interface StreamSpec {
  stream: string;
  system: ExternalSystem;
  /** Polled when any of these flows is on: one pass can feed several flows. */
  enabledBy: readonly FlowToggle[];
  /** ...and every one of these settings holds. */
  requires: readonly StreamRequirement[];
  /** ...and none of these flows is on (another stream serves the store then). */
  unlessEnabled?: readonly FlowToggle[];
  /** A fixed interval instead of the store's poll interval (e.g. once a day). */
  everyMinutes?: number;
}

/**
 * Every stream the scheduler asks pollers for. Adding a stream is one entry here; a poller that
 * does not know a stream yet ignores its commands.
 */
export const POLLED_STREAMS: readonly StreamSpec[] = [
  // One OR11 pass serves awaiting-acceptance, ready-to-ship, cancellation and incident facts.
  {
    stream: 'orders',
    system: 'MIRAKL',
    enabledBy: ['orders', 'cancellations', 'returns'],
    requires: [],
  },
  {
    stream: 'shipments',
    system: 'SHIPBOB',
    enabledBy: ['tracking', 'cancellations'],
    requires: ['shipbobConfigured'],
  },
  { stream: 'offers', system: 'MIRAKL', enabledBy: ['offers'], requires: [] },
  {
    stream: 'inventory',
    system: 'SHIPBOB',
    enabledBy: ['inventory'],
    requires: ['shipbobConfigured'],
  },
  {
    stream: 'returns',
    system: 'SHIPBOB',
    enabledBy: ['returns'],
    requires: ['shipbobConfigured', 'returnsApproved'],
  },
  // The daily stock reconciliation (ADR 0088): a full offer export a day. With Sync Offers on,
  // the offers stream's own daily full export is the reconciliation; no second one.
  {
    stream: 'reconcile',
    system: 'MIRAKL',
    enabledBy: ['inventory'],
    requires: ['shipbobConfigured'],
    unlessEnabled: ['offers'],
    everyMinutes: 24 * 60,
  },
];
