import { errorMessage, type Logger } from '@msync/platform';
import type { Fact } from '../applier.js';
import { closedGate } from '../domain/store-config.js';
import type { StoreConfigs } from './store-configs.js';
import type { Vendors } from './vendors.js';

/**
 * Looks up, per store, the SKUs of every offer fact of a fetched batch in one go (50 SKUs per
 * ShipBob call), so each fact then finds its answer without a call of its own. Only for stores
 * whose Sync Offers is open now; a failure is logged and each fact looks its SKU up itself.
 * Resolves with the function letting the answers go once the batch is handled.
 */
export function offerPrefetch(deps: { configs: StoreConfigs; vendors: Vendors; logger: Logger }) {
  return async (facts: readonly Fact[]): Promise<() => void> => {
    const byStore = new Map<string, { version: number; skus: Set<string> }>();
    for (const fact of facts) {
      if (fact.topicKey !== 'offerObserved' || fact.value.deleted) continue;
      const { storeId } = fact.value.envelope;
      const config = deps.configs.get(storeId);
      if (!config || closedGate(config, 'offers')) continue;
      const entry = byStore.get(storeId) ?? { version: config.version, skus: new Set<string>() };
      byStore.set(storeId, entry);
      const sku = fact.value.shopSku.trim();
      if (sku) entry.skus.add(sku);
    }
    const releases: (() => void)[] = [];
    for (const [storeId, { version, skus }] of byStore) {
      try {
        releases.push(await deps.vendors.prefetchProducts({ storeId, version }, [...skus]));
      } catch (error) {
        deps.logger.warn('product prefetch failed; each offer looks its SKU up', {
          storeId,
          error: errorMessage(error),
        });
      }
    }
    return () => {
      for (const release of releases) release();
    };
  };
}
