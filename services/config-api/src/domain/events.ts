import type { StoreConfigChanged } from '@msync/events';
import type { Store } from './store.js';

/** The secret-free snapshot of a store that goes on the compacted topic. */
export function configSnapshot(store: Store): Omit<StoreConfigChanged, 'envelope'> {
  return {
    version: store.version,
    status: store.status,
    tenantId: store.tenantId,
    miraklBaseUrl: store.miraklBaseUrl,
    miraklShopId: store.miraklShopId,
    miraklShopName: store.miraklShopName,
    shipbobConfigured: store.shipbob !== null,
    shipbobChannelId: store.shipbob?.channelId ?? null,
    reportEmail: store.settings.reportEmail,
    toggles: { ...store.settings.toggles },
    returnsApproved: store.returnsApproved,
    inventoryBuffer: store.settings.inventoryBuffer,
    returnFulfillmentCenterId: store.settings.returnFulfillmentCenterId,
    pollIntervalMinutes: store.settings.pollIntervalMinutes,
    shippingMethods: { ...store.settings.shippingMethods },
    defaultShippingMethod: store.settings.defaultShippingMethod,
    reportWhenEmpty: store.settings.reportWhenEmpty,
    cancelShipBobOnMarketplaceCancel: store.settings.cancelShipBobOnMarketplaceCancel,
  };
}
