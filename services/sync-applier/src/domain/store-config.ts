import type { StoreConfigChanged } from '@msync/events';
import type { ReturnAction } from '@msync/shipbob';

/** The part of a store's configuration the applier decides with (secret-free, from Kafka). */
export type StoreConfig = Pick<
  StoreConfigChanged,
  | 'version'
  | 'status'
  | 'shipbobConfigured'
  | 'toggles'
  | 'shippingMethods'
  | 'defaultShippingMethod'
  | 'returnsApproved'
  | 'returnFulfillmentCenterId'
  | 'inventoryBuffer'
  | 'cancelShipBobOnMarketplaceCancel'
> & { storeId: string; returns: ReturnSettings };

/** How the store's incidents become ShipBob returns (defaults until the store sets them). */
export interface ReturnSettings {
  /** Mirakl incident reason code → whether it means the item comes back (absent: `create`). */
  reasons: Record<string, 'create' | 'ignore'>;
  /** The action asked of the warehouse for each returned item. */
  requestedAction: ReturnAction;
}

export const DEFAULT_RETURN_SETTINGS: ReturnSettings = { reasons: {}, requestedAction: 'Default' };

/** A toggle of the store's configuration: the product's name for a flow. */
export type Flow = 'offers' | 'orders' | 'tracking' | 'cancellations' | 'returns' | 'inventory';

/** Why a fact was skipped, as the seller reads it (machine reason + sentence). */
export interface Closed {
  reason:
    | 'flow-disabled'
    | 'store-not-connected'
    | 'shipbob-not-configured'
    | 'returns-not-approved'
    | 'no-return-fulfillment-center';
  detail: string;
}

/** The configuration an event carries, reduced to what decisions read. */
export function storeConfigOf(event: StoreConfigChanged): StoreConfig {
  return {
    storeId: event.envelope.storeId,
    version: event.version,
    status: event.status,
    shipbobConfigured: event.shipbobConfigured,
    toggles: event.toggles,
    shippingMethods: event.shippingMethods,
    defaultShippingMethod: event.defaultShippingMethod,
    returnsApproved: event.returnsApproved,
    returnFulfillmentCenterId: event.returnFulfillmentCenterId,
    inventoryBuffer: event.inventoryBuffer,
    returns: returnSettingsOf(event),
    cancelShipBobOnMarketplaceCancel: event.cancelShipBobOnMarketplaceCancel,
  };
}

const RETURN_ACTIONS: readonly ReturnAction[] = ['Default', 'Restock', 'Quarantine', 'Dispose'];

/**
 * The store's return settings as `StoreConfigChanged` (revision 5) carries them: only `ignore`
 * turns a reason off (anything else creates, as an unlisted reason does); an action the applier
 * does not know is `Default`. A snapshot written before revision 5 reads as the defaults.
 */
export function returnSettingsOf(
  event: Pick<StoreConfigChanged, 'returnReasons' | 'returnRequestedAction'>,
): ReturnSettings {
  const reasons: ReturnSettings['reasons'] = {};
  for (const [code, decision] of Object.entries(event.returnReasons))
    reasons[code] = decision === 'ignore' ? 'ignore' : 'create';
  const action = RETURN_ACTIONS.find((known) => known === event.returnRequestedAction);
  return { reasons, requestedAction: action ?? DEFAULT_RETURN_SETTINGS.requestedAction };
}

/**
 * The configuration to keep when `incoming` arrives: the one with the higher version (ADR 0012:
 * versions are monotonic per store; a redelivered or older snapshot changes nothing).
 */
export function newestConfig(current: StoreConfig | undefined, incoming: StoreConfig): StoreConfig {
  return current !== undefined && current.version >= incoming.version ? current : incoming;
}

/**
 * Whether a flow needs a verified ShipBob token: offers end in ShipBob products, orders in a ShipBob order (accepting one
 * that cannot be created would leave it stuck), returns in a ShipBob return; tracking only
 * writes to Mirakl. Cancellations go both ways: each direction says what it needs.
 */
const NEEDS_SHIPBOB: Readonly<Record<Flow, boolean>> = {
  offers: true,
  orders: true,
  tracking: false,
  cancellations: false,
  returns: true,
  // The quantities come from the store's ShipBob account.
  inventory: true,
};

/** What an effect needs besides its flow's toggle (by default what its flow needs). */
export interface GateNeeds {
  shipbob: boolean;
}

/**
 * Whether a flow may act for the store now: connected, the flow switched on, and ShipBob
 * configured where the flow needs it. `undefined` means open.
 */
export function closedGate(
  config: StoreConfig,
  flow: Flow,
  needs: GateNeeds = { shipbob: NEEDS_SHIPBOB[flow] },
): Closed | undefined {
  if (config.status !== 'CONNECTED') {
    return {
      reason: 'store-not-connected',
      detail: `the store is ${config.status}: nothing is synced until it is connected again`,
    };
  }
  if (!config.toggles[flow]) {
    return { reason: 'flow-disabled', detail: `the ${flow} flow is switched off for this store` };
  }
  if (needs.shipbob && !config.shipbobConfigured) {
    return {
      reason: 'shipbob-not-configured',
      detail: 'no verified ShipBob token is configured for this store',
    };
  }
  return undefined;
}
