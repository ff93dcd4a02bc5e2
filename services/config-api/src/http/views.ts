import type { z } from 'zod';
import type { Store } from '../domain/store.js';
import { maskSecret } from '../domain/credentials.js';
import type { StoreView } from './schemas.js';

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
    toggles: { ...store.settings.toggles },
    inventoryBuffer: store.settings.inventoryBuffer,
    returnFulfillmentCenterId: store.settings.returnFulfillmentCenterId,
    pollIntervalMinutes: store.settings.pollIntervalMinutes,
    returnsApproved: store.returnsApproved,
    version: store.version,
    createdAt: store.createdAt.toISOString(),
    updatedAt: store.updatedAt.toISOString(),
  };
}

export const etagOf = (store: Store): string => `"${store.version}"`;
