/** A store as config-api sees it: pure types and decisions, no I/O. */

export type StoreStatus = 'CONNECTED' | 'DISCONNECTED' | 'DELETED';

export const TOGGLES = [
  'offers',
  'inventory',
  'orders',
  'tracking',
  'cancellations',
  'returns',
] as const;
export type ToggleName = (typeof TOGGLES)[number];
export type Toggles = Record<ToggleName, boolean>;

/** Toggles whose effect writes to or reads from ShipBob: they need a verified PAT. */
export const SHIPBOB_TOGGLES: readonly ToggleName[] = TOGGLES;

/** A secret as stored: ciphertext plus the tail shown next to the mask. */
export interface StoredSecret {
  sealed: string;
  /** `visibleTail` (credentials.ts) of the secret (the name predates the quarter rule; kept for stored data). */
  last4: string;
}

export interface ShipBobLink {
  pat: StoredSecret;
  channelId: string;
  channelName: string;
}

export interface Settings {
  reportEmail: string | null;
  /** On a day without completed returns: a "no completed returns" report instead of no e-mail. */
  reportWhenEmpty: boolean;
  toggles: Toggles;
  inventoryBuffer: number;
  returnFulfillmentCenterId: string | null;
  pollIntervalMinutes: number;
  /**
   * The ShipBob ship option (a name of the merchant's Ship Option Mapping, sent as the order's
   * `shipping_method`) per Mirakl shipping type code (the order's `shipping_type_code`).
   */
  shippingMethods: ShippingMethods;
  /** The ship option of an order whose shipping type has no entry in `shippingMethods`. */
  defaultShippingMethod: string;
  /**
   * The second switch under Sync Cancelations: an order canceled or refused on the marketplace
   * also cancels its ShipBob order (while not labeled). Off by default; acts only with
   * `toggles.cancellations` on.
   */
  cancelShipBobOnMarketplaceCancel: boolean;
}

/** Mirakl shipping type code → ShipBob ship option name. */
export type ShippingMethods = Record<string, string>;

/** ShipBob's own default ship option: what every order got before a store chose. */
export const DEFAULT_SHIPPING_METHOD = 'Standard';

export interface Store {
  id: string;
  tenantId: string;
  status: StoreStatus;
  miraklBaseUrl: string;
  miraklShopId: string;
  miraklShopName: string | null;
  miraklApiKey: StoredSecret | null;
  shipbob: ShipBobLink | null;
  settings: Settings;
  returnsApproved: boolean;
  /** Monotonic; every change increments it. Doubles as the ETag. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /**
   * ShipBob's id of the store's webhook subscription while it has one (ADR 0064). Read only:
   * kept by the subscription reconciler, never written through a store change.
   */
  webhookSubscriptionId?: string | null;
}

export const DEFAULT_POLL_INTERVAL_MINUTES = 15;

export function defaultSettings(): Settings {
  return {
    reportEmail: null,
    reportWhenEmpty: false,
    toggles: {
      offers: false,
      inventory: false,
      orders: false,
      tracking: false,
      cancellations: false,
      returns: false,
    },
    inventoryBuffer: 0,
    returnFulfillmentCenterId: null,
    pollIntervalMinutes: DEFAULT_POLL_INTERVAL_MINUTES,
    shippingMethods: {},
    defaultShippingMethod: DEFAULT_SHIPPING_METHOD,
    cancelShipBobOnMarketplaceCancel: false,
  };
}

/** Stored settings, with the default of every setting added after the document was written. */
export function settingsWithDefaults(stored: Partial<Settings>): Settings {
  return { ...defaultSettings(), ...stored };
}

/** One broken rule, named by field and rule, as the API reports it. */
export interface RuleViolation {
  field: string;
  rule: string;
  message: string;
}

/** What the whole configuration must satisfy after a change (checked together, all at once). */
export function checkSettings(
  settings: Settings,
  context: { shipbobConfigured: boolean; returnsApproved: boolean },
): RuleViolation[] {
  const violations: RuleViolation[] = [];
  if (!context.shipbobConfigured) {
    for (const name of SHIPBOB_TOGGLES) {
      if (settings.toggles[name]) {
        violations.push({
          field: `toggles.${name}`,
          rule: 'shipbob-pat-required',
          message: `Sync ${name} needs a verified ShipBob personal access token`,
        });
      }
    }
    if (settings.returnFulfillmentCenterId !== null) {
      violations.push({
        field: 'returnFulfillmentCenterId',
        rule: 'shipbob-pat-required',
        message: 'A return fulfillment center needs a verified ShipBob personal access token',
      });
    }
    if (settings.cancelShipBobOnMarketplaceCancel) {
      violations.push({
        field: 'cancelShipBobOnMarketplaceCancel',
        rule: 'shipbob-pat-required',
        message:
          'Canceling ShipBob orders on marketplace cancellations needs a verified ShipBob personal access token',
      });
    }
  }
  if (settings.toggles.returns) {
    if (!context.returnsApproved) {
      violations.push({
        field: 'toggles.returns',
        rule: 'returns-approval-required',
        message: 'Sync Returns can be enabled only after an administrator approved returns',
      });
    }
    if (settings.returnFulfillmentCenterId === null) {
      violations.push({
        field: 'toggles.returns',
        rule: 'return-fulfillment-center-required',
        message: 'Sync Returns needs a return fulfillment center',
      });
    }
  }
  if (!Number.isInteger(settings.inventoryBuffer) || settings.inventoryBuffer < 0) {
    violations.push({
      field: 'inventoryBuffer',
      rule: 'non-negative-integer',
      message: 'The inventory buffer is a whole number of at least 0',
    });
  }
  if (!Number.isInteger(settings.pollIntervalMinutes) || settings.pollIntervalMinutes < 1) {
    violations.push({
      field: 'pollIntervalMinutes',
      rule: 'minimum-one-minute',
      message: 'The poll interval is a whole number of minutes, at least 1',
    });
  }
  return violations;
}

/** A change of configuration as the API accepts it; absent fields keep their value. */
export interface SettingsPatch {
  reportEmail?: string | null;
  reportWhenEmpty?: boolean;
  toggles?: Partial<Toggles>;
  inventoryBuffer?: number;
  returnFulfillmentCenterId?: string | null;
  pollIntervalMinutes?: number;
  /** Replaces the whole mapping (`{}` empties it). */
  shippingMethods?: ShippingMethods;
  defaultShippingMethod?: string;
  cancelShipBobOnMarketplaceCancel?: boolean;
}

/** Applies a patch onto the current settings (pure merge; validation is {@link checkSettings}). */
export function mergeSettings(current: Settings, patch: SettingsPatch): Settings {
  return {
    reportEmail: patch.reportEmail !== undefined ? patch.reportEmail : current.reportEmail,
    reportWhenEmpty: patch.reportWhenEmpty ?? current.reportWhenEmpty,
    toggles: { ...current.toggles, ...stripUndefined(patch.toggles ?? {}) },
    inventoryBuffer: patch.inventoryBuffer ?? current.inventoryBuffer,
    returnFulfillmentCenterId:
      patch.returnFulfillmentCenterId !== undefined
        ? patch.returnFulfillmentCenterId
        : current.returnFulfillmentCenterId,
    pollIntervalMinutes: patch.pollIntervalMinutes ?? current.pollIntervalMinutes,
    shippingMethods: { ...(patch.shippingMethods ?? current.shippingMethods) },
    defaultShippingMethod: patch.defaultShippingMethod ?? current.defaultShippingMethod,
    cancelShipBobOnMarketplaceCancel:
      patch.cancelShipBobOnMarketplaceCancel ?? current.cancelShipBobOnMarketplaceCancel,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Settings once the ShipBob link is removed: every ShipBob-side effect is switched off. */
export function withoutShipBob(settings: Settings): Settings {
  const toggles = { ...settings.toggles };
  for (const name of SHIPBOB_TOGGLES) toggles[name] = false;
  return {
    ...settings,
    toggles,
    returnFulfillmentCenterId: null,
    cancelShipBobOnMarketplaceCancel: false,
  };
}
