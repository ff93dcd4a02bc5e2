import type { z } from 'zod';
import type { Store } from '../domain/store.js';
import { maskSecret } from '../domain/credentials.js';
import { trackingMode } from '../domain/webhooks.js';
import type { ActivityEntryView, OrderTimelineView, StoreView } from './schemas.js';
import type { ActivityEntry } from '../domain/activity-events.js';
import type { OrderTimelineDocument } from '../adapters/mongo-activity.js';
import { isAwaitingAcceptance, isFailureResolved, ORDER_STEPS } from '../domain/order-steps.js';

/** The API's view of a store: secrets masked, nothing internal. */
export function storeView(store: Store): z.infer<typeof StoreView> {
  if (store.status === 'DELETED') throw new Error('deleted stores are not shown');
  return {
    id: store.id,
    tenantId: store.tenantId,
    status: store.status,
    miraklUrl: store.miraklBaseUrl,
    miraklShopId: store.miraklShopId,
    miraklShopName: store.miraklShopName,
    miraklApiKey: store.miraklApiKey ? maskSecret(store.miraklApiKey.last4) : null,
    shipbob: store.shipbob
      ? {
          pat: maskSecret(store.shipbob.pat.last4),
          channelId: store.shipbob.channelId,
          channelName: store.shipbob.channelName,
        }
      : null,
    reportEmail: store.settings.reportEmail,
    reportWhenEmpty: store.settings.reportWhenEmpty,
    toggles: { ...store.settings.toggles },
    inventoryBuffer: store.settings.inventoryBuffer,
    returnFulfillmentCenterId: store.settings.returnFulfillmentCenterId,
    pollIntervalMinutes: store.settings.pollIntervalMinutes,
    shippingMethods: { ...store.settings.shippingMethods },
    defaultShippingMethod: store.settings.defaultShippingMethod,
    cancelShipBobOnMarketplaceCancel: store.settings.cancelShipBobOnMarketplaceCancel,
    returnsApproved: store.returnsApproved,
    tracking: { mode: trackingMode(store.webhookSubscriptionId ?? null) },
    version: store.version,
    createdAt: store.createdAt.toISOString(),
    updatedAt: store.updatedAt.toISOString(),
  };
}

export const etagOf = (store: Store): string => `"${store.version}"`;

const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

/** Field by field, so nothing stored reaches the API unless the document names it. */
export function activityEntryView(e: ActivityEntry): z.infer<typeof ActivityEntryView> {
  return {
    id: e.id,
    at: e.at.toISOString(),
    flow: e.flow,
    action: e.action,
    effectKey: e.effectKey,
    target: e.target,
    outcome: e.outcome,
    subjectId: e.subjectId,
    orderId: e.orderId,
    steps: e.steps,
    reason: e.reason,
    detail: e.detail,
    externalIds: e.externalIds,
    latencyMs: e.latencyMs,
    correlationId: e.correlationId,
  };
}

/** An order's timeline: every step in journey order, the failure in the seller's terms. */
export function orderTimelineView(t: OrderTimelineDocument): z.infer<typeof OrderTimelineView> {
  const failure = t.lastFailure;
  return {
    storeId: t.storeId,
    orderId: t.orderId,
    commercialId: t.commercialId ?? null,
    orderCreatedAt: iso(t.orderCreatedAt),
    acceptanceDeadline: iso(t.acceptanceDeadline),
    steps: ORDER_STEPS.map((step) => ({ step, at: iso(t.steps[step]) })),
    awaitingAcceptance: isAwaitingAcceptance(t.steps),
    shipbobOrderId: t.shipbobOrderId ?? null,
    shipment: t.shipment
      ? {
          shipmentId: t.shipment.shipmentId,
          carrier: t.shipment.carrier,
          trackingNumber: t.shipment.trackingNumber,
          trackingUrl: t.shipment.trackingUrl,
        }
      : null,
    cancellation: t.cancellation
      ? { state: t.cancellation.state, reason: t.cancellation.reason }
      : null,
    lastFailure: failure
      ? {
          at: failure.at.toISOString(),
          flow: failure.flow,
          action: failure.action,
          steps: failure.steps,
          outcome: failure.outcome,
          reason: failure.reason,
          detail: failure.detail,
          resolved: isFailureResolved(failure, t.steps),
        }
      : null,
    finishedAt: iso(t.finishedAt),
    updatedAt: t.lastEventAt.toISOString(),
  };
}
