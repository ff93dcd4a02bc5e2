import {
  envelope,
  type MiraklIncidentOpened,
  type MiraklOfferObserved,
  type MiraklOrderAwaitingAcceptance,
  type MiraklOrderCanceled,
  type MiraklOrderReadyToShip,
  type ShipBobInventoryObserved,
  type ShipBobOrderCanceled,
  type ShipBobShipmentLabeled,
  type StoreConfigChanged,
} from '@msync/events';
import type { SkuStock } from '../domain/inventory.js';
import type { StoreConfig } from '../domain/store-config.js';

const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);

const factEnvelope = (storeId: string, key: string, observedAt = T0) =>
  envelope({ storeId, idempotencyKey: key, source: 'test', occurredAt: T0, observedAt });

/** A connected store with ShipBob configured and every order flow on. */
export function storeConfig(overrides: Partial<StoreConfig> = {}): StoreConfig {
  return {
    storeId: 'store-1',
    version: 3,
    status: 'CONNECTED',
    shipbobConfigured: true,
    toggles: {
      offers: false,
      inventory: false,
      orders: true,
      tracking: true,
      cancellations: false,
      returns: false,
    },
    shippingMethods: { 'EXP-2D': 'Expedited' },
    defaultShippingMethod: 'Standard',
    returnsApproved: false,
    returnFulfillmentCenterId: null,
    inventoryBuffer: 0,
    returns: { reasons: {}, requestedAction: 'Default' },
    cancelShipBobOnMarketplaceCancel: false,
    ...overrides,
  };
}

/** The configuration event of {@link storeConfig} (what config-api publishes). */
export function storeConfigChanged(config: StoreConfig, miraklBaseUrl: string): StoreConfigChanged {
  return {
    envelope: envelope({
      storeId: config.storeId,
      idempotencyKey: `config:${config.storeId}:${config.version}`,
      source: 'test',
      occurredAt: Date.now(),
    }),
    version: config.version,
    status: config.status,
    tenantId: 'tenant-1',
    miraklBaseUrl,
    miraklShopId: '2001',
    miraklShopName: null,
    shipbobConfigured: config.shipbobConfigured,
    shipbobChannelId: null,
    reportEmail: null,
    toggles: config.toggles,
    returnsApproved: config.returnsApproved,
    inventoryBuffer: config.inventoryBuffer,
    returnFulfillmentCenterId: config.returnFulfillmentCenterId,
    pollIntervalMinutes: 15,
    shippingMethods: config.shippingMethods,
    defaultShippingMethod: config.defaultShippingMethod,
    reportWhenEmpty: false,
    cancelShipBobOnMarketplaceCancel: config.cancelShipBobOnMarketplaceCancel,
    returnReasons: { ...config.returns.reasons },
    returnRequestedAction: config.returns.requestedAction,
  };
}

export function awaitingAcceptance(
  input: {
    storeId?: string;
    orderId?: string;
    lines?: { id: string; sku: string; quantity?: number }[];
  } = {},
): MiraklOrderAwaitingAcceptance {
  const storeId = input.storeId ?? 'store-1';
  const orderId = input.orderId ?? 'ORDER-1-A';
  const lines = input.lines ?? [
    { id: `${orderId}-1`, sku: 'SKU-MUG' },
    { id: `${orderId}-2`, sku: 'SKU-BOWL' },
  ];
  return {
    envelope: factEnvelope(storeId, `mirakl:${storeId}:order:${orderId}:WAITING_ACCEPTANCE:${T0}`),
    orderId,
    commercialId: orderId.replace(/-[A-Z]$/, ''),
    createdAt: T0 - 60_000,
    acceptanceDeadline: null,
    lines: lines.map((line) => ({
      orderLineId: line.id,
      offerSku: line.sku,
      quantity: line.quantity ?? 1,
      state: 'WAITING_ACCEPTANCE',
    })),
  };
}

export function readyToShip(
  input: {
    storeId?: string;
    orderId?: string;
    shippingMethod?: string | null;
    lines?: {
      id: string;
      sku: string;
      quantity?: number;
      title?: string | null;
      unitPrice?: string | null;
    }[];
    address?: Partial<MiraklOrderReadyToShip['shippingAddress']>;
  } = {},
): MiraklOrderReadyToShip {
  const storeId = input.storeId ?? 'store-1';
  const orderId = input.orderId ?? 'ORDER-1-A';
  const lines = input.lines ?? [{ id: `${orderId}-1`, sku: 'SKU-MUG', quantity: 2 }];
  return {
    envelope: factEnvelope(storeId, `mirakl:${storeId}:order:${orderId}:SHIPPING:${T0}`),
    orderId,
    commercialId: orderId.replace(/-[A-Z]$/, ''),
    shippingMethod: input.shippingMethod === undefined ? 'STD' : input.shippingMethod,
    currency: 'USD',
    lines: lines.map((line) => ({
      orderLineId: line.id,
      offerSku: line.sku,
      productTitle: line.title === undefined ? `Product ${line.sku}` : line.title,
      quantity: line.quantity ?? 1,
      unitPrice: line.unitPrice === undefined ? '12.50' : line.unitPrice,
    })),
    shippingAddress: {
      firstName: 'Jane',
      lastName: 'Doe',
      company: null,
      street1: '151 West 34th Street',
      street2: null,
      city: 'New York',
      state: 'NY',
      zipCode: '10001',
      country: 'USA',
      phone: '212-555-0100',
      ...input.address,
    },
    customerEmail: null,
  };
}

export function shipmentLabeled(
  input: {
    storeId?: string;
    orderId?: string;
    shipbobOrderId?: string;
    shipmentId?: string;
    carrier?: string;
    trackingNumber?: string;
    trackingUrl?: string | null;
  } = {},
): ShipBobShipmentLabeled {
  const storeId = input.storeId ?? 'store-1';
  const shipmentId = input.shipmentId ?? '9001';
  return {
    envelope: factEnvelope(storeId, `shipbob:${storeId}:shipment:${shipmentId}:labeled`),
    shipbobOrderId: input.shipbobOrderId ?? '7001',
    shipmentId,
    referenceId: input.orderId ?? 'ORDER-1-A',
    status: 'LabeledCreated',
    carrier: input.carrier ?? 'UPS',
    trackingNumber: input.trackingNumber ?? '1Z999AA10123456784',
    trackingUrl:
      input.trackingUrl === undefined
        ? 'https://www.ups.com/track?tracknum=1Z999AA10123456784'
        : input.trackingUrl,
  };
}

export function incidentOpened(
  input: {
    storeId?: string;
    orderId?: string;
    orderLineId?: string;
    sku?: string;
    quantity?: number;
    reasonCode?: string | null;
  } = {},
): MiraklIncidentOpened {
  const storeId = input.storeId ?? 'store-1';
  const orderId = input.orderId ?? 'ORDER-7-A';
  const orderLineId = input.orderLineId ?? `${orderId}-1`;
  return {
    envelope: factEnvelope(storeId, `mirakl:${storeId}:incident:${orderLineId}:${T0}`),
    orderId,
    orderLineId,
    offerSku: input.sku ?? 'SKU-MUG',
    quantity: input.quantity ?? 1,
    reasonCode: input.reasonCode === undefined ? '12' : input.reasonCode,
    reasonLabel: 'Damaged item',
  };
}

export function offerObserved(
  input: {
    storeId?: string;
    sku?: string;
    title?: string | null;
    deleted?: boolean;
  } = {},
): MiraklOfferObserved {
  const storeId = input.storeId ?? 'store-1';
  const sku = input.sku ?? 'SKU-MUG';
  return {
    envelope: factEnvelope(storeId, `mirakl:${storeId}:offer:${sku}:${T0}:fp`),
    offerId: '2001',
    shopSku: sku,
    productSku: `MKP${sku}`,
    productTitle: input.title === undefined ? null : input.title,
    quantity: 4,
    active: true,
    deleted: input.deleted ?? false,
    lastUpdated: T0,
    more: [],
  };
}

/**
 * Offer facts as the mirakl-poller cuts them (ADR 0168): the first offer the fact's own, the
 * others in `more` with their own keys.
 */
export function offersFact(offers: readonly MiraklOfferObserved[]): MiraklOfferObserved {
  const [first, ...rest] = offers;
  if (!first) throw new Error('a fact has at least one offer');
  return {
    ...first,
    more: rest.map(({ envelope, more: _more, ...offer }) => ({
      idempotencyKey: envelope.idempotencyKey,
      ...offer,
    })),
  };
}

/** An order canceled in ShipBob: the whole order, or (with `shipmentId`) one shipment of it. */
export function canceledInShipBob(
  input: {
    storeId?: string;
    orderId?: string;
    shipbobOrderId?: string;
    shipmentId?: string;
    canceledItems?: { sku: string; quantity: number }[];
  } = {},
): ShipBobOrderCanceled {
  const storeId = input.storeId ?? 'store-1';
  const shipbobOrderId = input.shipbobOrderId ?? '7001';
  const partial = input.shipmentId !== undefined;
  return {
    envelope: factEnvelope(
      storeId,
      partial
        ? `shipbob:${storeId}:shipment:${input.shipmentId}:canceled`
        : `shipbob:${storeId}:order:${shipbobOrderId}:canceled`,
    ),
    shipbobOrderId,
    referenceId: input.orderId ?? 'ORDER-1-A',
    partial,
    shipmentId: input.shipmentId ?? null,
    canceledItems: input.canceledItems ?? [],
  };
}

/** An order canceled (or refused) on the marketplace. */
export function canceledOnMarketplace(
  input: { storeId?: string; orderId?: string; state?: 'CANCELED' | 'REFUSED' } = {},
): MiraklOrderCanceled {
  const storeId = input.storeId ?? 'store-1';
  const orderId = input.orderId ?? 'ORDER-1-A';
  const state = input.state ?? 'CANCELED';
  return {
    envelope: factEnvelope(storeId, `mirakl:${storeId}:order:${orderId}:${state}:${T0}`),
    orderId,
    state,
    reason: null,
  };
}

/** A SKU's ShipBob level: active, physical, no exception unless `extra` says otherwise. */
export const stock = (
  sku: string,
  fulfillable: number,
  extra: Partial<SkuStock> = {},
): SkuStock => ({
  sku,
  fulfillable,
  exception: 0,
  active: true,
  digital: false,
  ...extra,
});

/** A store with Sync Inventory on and a buffer of 2. */
export const inventoryOnConfig = (): StoreConfig =>
  storeConfig({ inventoryBuffer: 2, toggles: { ...storeConfig().toggles, inventory: true } });

/**
 * A SKU's level in a ShipBob inventory cycle (`c1` unless said); `endOfCycle` closes it;
 * `nothingChanged` marks a cycle's only fact when nothing of the store changed (ADR 0142).
 */
export function inventoryObserved(input: {
  storeId: string;
  sku: string;
  fulfillable: number;
  exception?: number;
  endOfCycle?: boolean;
  cycleId?: string;
  nothingChanged?: boolean;
}): ShipBobInventoryObserved {
  const { storeId, sku, fulfillable } = input;
  const cycleId = input.cycleId ?? 'c1';
  return {
    envelope: envelope({
      storeId,
      idempotencyKey: `shipbob:${storeId}:inventory:${cycleId}:${sku}`,
      source: 'test',
      occurredAt: Date.now(),
    }),
    sku,
    inventoryId: `inv-${sku}`,
    fulfillable,
    onHand: fulfillable,
    committed: 0,
    exception: input.exception ?? 0,
    active: true,
    digital: false,
    cycleId,
    endOfCycle: input.endOfCycle ?? false,
    fullCycle: false,
    nothingChanged: input.nothingChanged ?? false,
    more: [],
  };
}
